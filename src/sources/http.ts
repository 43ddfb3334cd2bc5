import type { z } from 'zod';
import { SourceHttpError, SourceSchemaError } from '../errors.ts';
import { formatIssuePath } from '../config/load.ts';

export type FetchFn = typeof fetch;

/** What one HTTP exchange left behind, for the raw payload archive (never with credentials). */
export interface PageRecord {
  request: { method: string; url: string; params?: unknown };
  status: number;
  body: string;
  fetchedAt: Date;
  parseError?: string;
}

export interface HttpDeps {
  fetch: FetchFn;
  now(): Date;
  /** Called for every response received (also failed ones): archive and request counting hang here. */
  onPage?: (page: PageRecord) => void;
  sleep?: (ms: number) => Promise<void>;
}

export interface RetryPolicy {
  /** Total attempts including the first. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 500, maxDelayMs: 60_000 };

export interface JsonRequest<S extends z.ZodType> {
  source: string;
  url: URL;
  method?: 'GET' | 'POST';
  /** Sent, never recorded or logged. */
  headers?: Record<string, string>;
  body?: string;
  schema: S;
  retry?: Partial<RetryPolicy>;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Retry-After: delta-seconds or an HTTP date. Returns ms, or undefined when absent/unparseable. */
export function parseRetryAfter(value: string | null, now: Date): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now.getTime());
}

function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** A short, single-line excerpt of an error body (vendors' JSON errors, or a proxy's HTML page). */
function bodyExcerpt(body: string): string {
  try {
    const j = JSON.parse(body) as { error?: { message?: string; type?: string } | string; message?: string };
    const e = j.error;
    if (typeof e === 'string') return e;
    if (e?.message) return e.type ? `${e.type}: ${e.message}` : e.message;
    if (j.message) return j.message;
  } catch {
    /* not JSON */
  }
  const text = body.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}

/**
 * The one validated fetch: request → bounded retries on 408/429/5xx and network errors (exponential
 * backoff with full jitter, or the server's Retry-After) → JSON parse → zod parse. Failures are typed
 * errors naming the source, the URL (which never carries credentials: they travel in headers) and
 * the status. Every response received is handed to `deps.onPage` before it is judged.
 */
export async function fetchJson<S extends z.ZodType>(deps: HttpDeps, req: JsonRequest<S>): Promise<{ data: z.infer<S>; page: PageRecord }> {
  const policy = { ...DEFAULT_RETRY, ...req.retry };
  const sleep = deps.sleep ?? defaultSleep;
  const method = req.method ?? 'GET';
  const url = req.url.toString();
  const params = req.body ? safeJson(req.body) : undefined;
  for (let attempt = 1; ; attempt++) {
    let res: Response;
    let body: string;
    try {
      res = await deps.fetch(url, { method, headers: req.headers, body: req.body });
      body = await res.text();
    } catch (err) {
      if (attempt < policy.attempts) {
        await sleep(backoff(policy, attempt));
        continue;
      }
      const why = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
      throw new SourceHttpError(req.source, url, 0, `${why} (after ${attempt} attempts)`, true);
    }
    const page: PageRecord = { request: { method, url, ...(params !== undefined ? { params } : {}) }, status: res.status, body, fetchedAt: deps.now() };
    if (!res.ok) {
      deps.onPage?.(page);
      if (isRetryableStatus(res.status) && attempt < policy.attempts) {
        const hinted = parseRetryAfter(res.headers.get('retry-after'), deps.now());
        await sleep(Math.min(policy.maxDelayMs, hinted ?? backoff(policy, attempt)));
        continue;
      }
      const retryable = isRetryableStatus(res.status);
      const detail = `${bodyExcerpt(body)}${retryable ? ` (after ${attempt} attempts)` : ''}`;
      throw new SourceHttpError(req.source, url, res.status, detail, retryable);
    }
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      page.parseError = `not JSON (${res.headers.get('content-type') ?? 'no content-type'}): ${bodyExcerpt(body)}`;
      deps.onPage?.(page);
      throw new SourceSchemaError(req.source, url, page.parseError, body);
    }
    const parsed = req.schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      page.parseError = `${formatIssuePath(issue.path)}: ${issue.message}`;
      deps.onPage?.(page);
      throw new SourceSchemaError(req.source, url, page.parseError, body);
    }
    deps.onPage?.(page);
    return { data: parsed.data, page };
  }
}

function backoff(p: RetryPolicy, attempt: number): number {
  const cap = Math.min(p.maxDelayMs, p.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(cap / 2 + Math.random() * (cap / 2));
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}
