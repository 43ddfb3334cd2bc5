import type { z } from 'zod';
import { BreakevenError, SourceHttpError, SourceSchemaError } from '../errors.ts';
import { redact, redactDeep, secretsFromEnv, secretsOfHeaders } from '../redact.ts';
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
  /** Per-request timeout, response size cap and page cap (default: HTTP_DEFAULTS). */
  limits?: Partial<HttpLimits>;
  /** At most this many attempts per request, whatever the request's own policy (`check`: 1). */
  attempts?: number;
}

export interface HttpLimits {
  /** One request, from sending it to the last byte of its body (BREAKEVEN_HTTP_TIMEOUT_MS). */
  timeoutMs: number;
  /** Largest response body accepted (BREAKEVEN_HTTP_MAX_RESPONSE_BYTES). */
  maxResponseBytes: number;
  /** Most pages one paginated query may take (BREAKEVEN_HTTP_MAX_PAGES). */
  maxPages: number;
}

export const HTTP_DEFAULTS: HttpLimits = { timeoutMs: 30_000, maxResponseBytes: 64 * 1024 * 1024, maxPages: 1_000 };

/** The limits the environment sets (see config/env.ts), for HttpDeps.limits. */
export function httpLimitsFromEnv(env: { BREAKEVEN_HTTP_TIMEOUT_MS?: number; BREAKEVEN_HTTP_MAX_RESPONSE_BYTES?: number; BREAKEVEN_HTTP_MAX_PAGES?: number }): HttpLimits {
  return {
    timeoutMs: env.BREAKEVEN_HTTP_TIMEOUT_MS ?? HTTP_DEFAULTS.timeoutMs,
    maxResponseBytes: env.BREAKEVEN_HTTP_MAX_RESPONSE_BYTES ?? HTTP_DEFAULTS.maxResponseBytes,
    maxPages: env.BREAKEVEN_HTTP_MAX_PAGES ?? HTTP_DEFAULTS.maxPages,
  };
}

/** Where a source's requests go and which variable points them there, for the one-line failure. */
export interface Endpoint {
  /** The base URL, without credentials. */
  baseUrl: string;
  /** The environment variable that sets it, e.g. OPENAI_BASE_URL. */
  envVar: string;
}

/**
 * A timed-out request, a refused connection or a failed DNS lookup is tried at most this many
 * times in all (the first and two retries): a vendor that never answers fails a run in about
 * 3 × the timeout, not after five.
 */
export const NETWORK_ATTEMPTS = 3;

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
  /** Named in the message when the host cannot be reached (default: the URL's origin). */
  endpoint?: Endpoint;
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

/** Why a request got no HTTP answer: a timeout, or a connection/DNS failure (with its code). */
function networkFailure(err: unknown, timedOut: boolean): { timeout: boolean; code: string; why: string } {
  if (timedOut || (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError'))) return { timeout: true, code: 'ETIMEDOUT', why: 'no answer' };
  const cause = err instanceof Error && err.cause instanceof Error ? (err.cause as Error & { code?: string }) : (err as Error & { code?: string });
  const code = cause?.code ?? (err instanceof Error ? err.name : 'Error');
  const text: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ENOTFOUND: 'host not found (DNS)',
    EAI_AGAIN: 'DNS lookup failed',
    ECONNRESET: 'connection reset',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    UND_ERR_SOCKET: 'connection closed by the server',
  };
  return { timeout: false, code, why: text[code] ?? (cause instanceof Error ? cause.message : String(err)) };
}

/** The page cap and the response size cap are hit by vendors misbehaving, not by bad luck: never retried. */
export class HttpLimitError extends BreakevenError {}

/** Reads a body up to `max` bytes; more fails (a 40 MB page never sits in memory whole). */
async function readCapped(res: Response, max: number, source: string, url: string): Promise<string> {
  const tooBig = () => new HttpLimitError(`${source}: response from ${url} is larger than ${max} bytes (the cap BREAKEVEN_HTTP_MAX_RESPONSE_BYTES sets); ask for smaller pages or raise the cap`);
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max) {
    await res.body?.cancel().catch(() => {});
    throw tooBig();
  }
  if (!res.body) return '';
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let size = 0;
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => {});
      throw tooBig();
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}

/**
 * The one validated fetch: request (with a timeout covering the whole body) → bounded retries on
 * 408/429/5xx (exponential backoff with full jitter, or the server's Retry-After) and on timeouts,
 * refused connections and DNS failures (at most NETWORK_ATTEMPTS in all, then one line naming the
 * base URL and the variable that sets it) → size-capped read → JSON parse → zod parse. Failures are
 * typed errors naming the source, the URL (which never carries credentials: they travel in headers)
 * and the status. Every response received is handed to `deps.onPage` before it is judged, with
 * every secret redacted from its body (a vendor error that echoes the key back is not archived).
 */
export async function fetchJson<S extends z.ZodType>(deps: HttpDeps, req: JsonRequest<S>): Promise<{ data: z.infer<S>; page: PageRecord }> {
  const policy = { ...DEFAULT_RETRY, ...req.retry, ...(deps.attempts ? { attempts: Math.min(deps.attempts, req.retry?.attempts ?? DEFAULT_RETRY.attempts) } : {}) };
  const limits = { ...HTTP_DEFAULTS, ...deps.limits };
  const sleep = deps.sleep ?? defaultSleep;
  const method = req.method ?? 'GET';
  const url = req.url.toString();
  const params = req.body ? safeJson(req.body) : undefined;
  const secrets = [...secretsOfHeaders(req.headers), ...secretsFromEnv()];
  for (let attempt = 1; ; attempt++) {
    let res: Response;
    let body: string;
    const signal = AbortSignal.timeout(limits.timeoutMs);
    try {
      res = await deps.fetch(url, { method, headers: req.headers, body: req.body, signal });
      body = await readCapped(res, limits.maxResponseBytes, req.source, url);
    } catch (err) {
      if (err instanceof HttpLimitError) throw err;
      const failure = networkFailure(err, signal.aborted);
      if (attempt < Math.min(policy.attempts, NETWORK_ATTEMPTS)) {
        await sleep(backoff(policy, attempt));
        continue;
      }
      throw new SourceUnreachableError(req.source, url, req.endpoint ?? { baseUrl: new URL(url).origin, envVar: '' }, failure, attempt, limits.timeoutMs);
    }
    const page: PageRecord = {
      request: { method, url, ...(params !== undefined ? { params: redactDeep(params, secrets) } : {}) },
      status: res.status,
      body: redact(body, secrets),
      fetchedAt: deps.now(),
    };
    if (!res.ok) {
      deps.onPage?.(page);
      if (isRetryableStatus(res.status) && attempt < policy.attempts) {
        const hinted = parseRetryAfter(res.headers.get('retry-after'), deps.now());
        await sleep(Math.min(policy.maxDelayMs, hinted ?? backoff(policy, attempt)));
        continue;
      }
      const retryable = isRetryableStatus(res.status);
      const detail = `${bodyExcerpt(page.body)}${retryable ? ` (after ${attempt} attempts)` : ''}`;
      throw new SourceHttpError(req.source, url, res.status, detail, retryable);
    }
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      page.parseError = `not JSON (${res.headers.get('content-type') ?? 'no content-type'}): ${bodyExcerpt(page.body)}`;
      deps.onPage?.(page);
      throw new SourceSchemaError(req.source, url, page.parseError, page.body);
    }
    const parsed = req.schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      page.parseError = `${formatIssuePath(issue.path)}: ${issue.message}`;
      deps.onPage?.(page);
      throw new SourceSchemaError(req.source, url, page.parseError, page.body);
    }
    deps.onPage?.(page);
    return { data: parsed.data, page };
  }
}

/** A host that never answered, refused the connection or does not resolve, after NETWORK_ATTEMPTS tries. */
export class SourceUnreachableError extends SourceHttpError {
  constructor(source: string, url: string, endpoint: Endpoint, failure: { timeout: boolean; code: string; why: string }, attempts: number, timeoutMs: number) {
    super(source, url, 0, '', true);
    const what = failure.timeout ? `no answer from ${endpoint.baseUrl} within ${timeoutMs} ms` : `cannot reach ${endpoint.baseUrl} (${failure.why})`;
    const fix = endpoint.envVar ? `; check ${endpoint.envVar}` : '';
    const raise = failure.timeout ? `${fix ? ' or' : ';'} raise BREAKEVEN_HTTP_TIMEOUT_MS` : '';
    this.message = `${source}: ${what}, ${attempts} attempt${attempts === 1 ? '' : 's'}${fix}${raise}`;
  }
}

export interface PaginateOptions {
  source: string;
  /** What is being paged (an endpoint path or an operation), for the error. */
  what: string;
  /** Default HTTP_DEFAULTS.maxPages. */
  maxPages?: number | undefined;
}

/** One page's items and where the next one is (undefined/null: this was the last). */
export interface PageStep<T> {
  page: T;
  next: string | null | undefined;
}

/** A vendor whose pagination does not end: the page cap hit, or a cursor handed out twice. */
export class PaginationError extends BreakevenError {}

/**
 * Pagination for every source: calls `fetchPage(cursor)` until it returns no next cursor, with a
 * hard page cap and a check that no cursor (token) comes back twice — a vendor that repeats its
 * NextPageToken or hands out fresh cursors forever fails with one line naming the source and the
 * page count, instead of billing requests until someone notices.
 */
export async function* paginate<T>(opts: PaginateOptions, fetchPage: (cursor: string | undefined, pageNo: number) => Promise<PageStep<T>>): AsyncGenerator<T> {
  const maxPages = opts.maxPages ?? HTTP_DEFAULTS.maxPages;
  const seen = new Map<string, number>();
  let cursor: string | undefined;
  for (let n = 1; ; n++) {
    const { page, next } = await fetchPage(cursor, n);
    yield page;
    if (next === undefined || next === null || next === '') return;
    const earlier = seen.get(next);
    if (earlier !== undefined) {
      throw new PaginationError(`${opts.source}: ${opts.what} returned the cursor of page ${earlier + 1} again after ${n} pages (a pagination loop on the vendor's side); stopped`);
    }
    if (n >= maxPages) {
      throw new PaginationError(`${opts.source}: ${opts.what} still had more pages after ${n} pages (the cap BREAKEVEN_HTTP_MAX_PAGES sets); stopped — narrow the window or raise the cap`);
    }
    seen.set(next, n);
    cursor = next;
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
