import { fetchJson, type HttpDeps, type PageRecord } from '../http.ts';
import { SourceHttpError } from '../../errors.ts';
import { errorBody, queryRangeResponse } from './schema.ts';

export const SOURCE = 'prometheus';

/**
 * Prometheus refuses a range query whose (end − start) / step exceeds 11,000
 * ("exceeded maximum resolution of 11,000 points per timeseries"): 11,000 steps, i.e. 11,001 points, pass.
 */
export const MAX_STEPS = 11_000;

export interface PrometheusTarget {
  /** PROMETHEUS_URL, possibly with a path prefix (http://host/prometheus). */
  baseUrl: string;
  bearerToken?: string | undefined;
  /** From user:password@ in PROMETHEUS_URL (see targetFromUrl); sent as Basic auth, never part of a recorded URL. */
  basicAuth?: { username: string; password: string } | undefined;
}

/**
 * PROMETHEUS_URL may carry basic-auth credentials (http://user:pass@host:9090). fetch() refuses such
 * URLs and the archive records request URLs, so they are moved out of the URL into a header.
 */
export function targetFromUrl(raw: string, bearerToken?: string): PrometheusTarget {
  const u = new URL(raw);
  const basicAuth = u.username || u.password ? { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) } : undefined;
  u.username = '';
  u.password = '';
  return { baseUrl: u.toString(), bearerToken, basicAuth };
}

export interface RangeQuery {
  query: string;
  /** Unix seconds, inclusive; Prometheus evaluates at start, start + step, …, ≤ end. */
  start: number;
  end: number;
  step: number;
}

/** One series of a range result, chunks merged; null = a NaN/±Inf sample (kept so callers can tell it from "no sample"). */
export interface RangeSeries {
  metric: Record<string, string>;
  points: Array<[number, number | null]>;
}

/** An error answered by Prometheus itself (`{status:"error", errorType, error}`): bad query, timeout, overload. */
export class PrometheusQueryError extends SourceHttpError {
  constructor(
    url: string,
    status: number,
    readonly errorType: string,
    readonly promError: string,
    readonly query: string,
    retryable: boolean,
    note = '',
  ) {
    super(SOURCE, url, status, `${errorType}: ${promError} (query: ${query})${note ? ` ${note}` : ''}`, retryable);
  }
}

/** "NaN", "+Inf", "-Inf" and anything else non-finite → null; numbers otherwise. */
export function parseSampleValue(v: string): number | null {
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/** Splits [start, end] into consecutive ranges of at most `maxSteps` steps, each starting on the step grid of `start`. */
export function rangeChunks(start: number, end: number, step: number, maxSteps = MAX_STEPS): Array<{ start: number; end: number }> {
  if (!(step > 0)) throw new RangeError(`step must be positive, got ${step}`);
  if (end < start) return [];
  const span = maxSteps * step;
  const out: Array<{ start: number; end: number }> = [];
  for (let s = start; s <= end; s += span + step) out.push({ start: s, end: Math.min(end, s + span) });
  return out;
}

const labelKey = (m: Record<string, string>) =>
  Object.keys(m)
    .sort()
    .map((k) => `${k}=${m[k]}`)
    .join('\u0000');

/**
 * POST /api/v1/query_range (form-encoded, so long name regexes never hit URL limits), chunked to
 * respect MAX_STEPS, validated, with Prometheus' own error bodies turned into PrometheusQueryError.
 */
export async function queryRange(http: HttpDeps, target: PrometheusTarget, q: RangeQuery): Promise<RangeSeries[]> {
  const url = new URL(`${target.baseUrl.replace(/\/+$/, '')}/api/v1/query_range`);
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  if (target.bearerToken) headers.authorization = `Bearer ${target.bearerToken}`;
  else if (target.basicAuth) headers.authorization = `Basic ${Buffer.from(`${target.basicAuth.username}:${target.basicAuth.password}`).toString('base64')}`;
  let last: PageRecord | undefined;
  const deps: HttpDeps = { ...http, onPage: (p) => ((last = p), http.onPage?.(p)) };
  const merged = new Map<string, RangeSeries>();
  for (const chunk of rangeChunks(q.start, q.end, q.step)) {
    const body = new URLSearchParams({ query: q.query, start: String(chunk.start), end: String(chunk.end), step: String(q.step) }).toString();
    let data;
    try {
      ({ data } = await fetchJson(deps, { source: SOURCE, url, method: 'POST', headers, body, schema: queryRangeResponse, endpoint: { baseUrl: target.baseUrl, envVar: 'PROMETHEUS_URL' } }));
    } catch (err) {
      throw asQueryError(err, last, q.query);
    }
    if (data.status === 'error') throw new PrometheusQueryError(url.toString(), 200, data.errorType, data.error, q.query, false);
    for (const s of data.data.result) {
      const key = labelKey(s.metric);
      let into = merged.get(key);
      if (!into) merged.set(key, (into = { metric: s.metric, points: [] }));
      for (const [t, v] of s.values) into.points.push([t, parseSampleValue(v)]);
    }
  }
  return [...merged.values()];
}

function asQueryError(err: unknown, page: PageRecord | undefined, query: string): unknown {
  if (!(err instanceof SourceHttpError) || !page || page.status !== err.status) return err;
  let json: unknown;
  try {
    json = JSON.parse(page.body);
  } catch {
    return err;
  }
  const parsed = errorBody.safeParse(json);
  if (!parsed.success) return err;
  const attempts = /\(after \d+ attempts\)/.exec(err.message)?.[0] ?? '';
  return new PrometheusQueryError(err.url, err.status, parsed.data.errorType, parsed.data.error, query, err.retryable, attempts);
}
