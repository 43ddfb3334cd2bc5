import type { ServerResponse } from 'node:http';
import { Decimal } from 'decimal.js';
import { DEFAULT_SEED, hourLoad, streamsOf, type ScenarioStream } from './scenario.ts';
import { sendJson, sendText, startHttpServer } from './http-server.ts';

/**
 * The OpenAI Administration API as the demo company's organization would see it: usage
 * (/organization/usage/completions) and costs (/organization/costs) from the scenario's OpenAI
 * streams, in the real wire format — unaligned first buckets, empty buckets as `results: []`,
 * repeated-key group_by, bucket-count limits, opaque `next_page` cursors — plus injectable faults,
 * spend limits and GET /v1/models (with `shutdown_date`, or a 403 for a key that may not list models).
 */

export interface OpenAISimulatorFaults {
  /** The first N API requests get 429 with Retry-After. */
  rateLimit?: { times: number; retryAfterSeconds?: number };
  /** The next N get a 500 with OpenAI's error JSON. */
  serverError?: { times: number };
  /** The next N get an HTML error page (a proxy's; status 502 unless given — 200 makes it a non-JSON "success"). */
  htmlError?: { times: number; status?: number };
  /** After `skip` good pages of `endpoint`, the next `times` (default 1) pages lack a required field. */
  malformed?: { endpoint: 'usage' | 'decisions' | 'costs'; skip?: number; times?: number };
}

export interface OpenAISimulatorOptions {
  seed?: number;
  port?: number;
  faults?: OpenAISimulatorFaults;
  /** Serve at most this many buckets per page whatever `limit` asks (servers may; makes pagination visible). */
  maxBucketsPerPage?: number;
  /** "Now": no bucket ends after it (the last one ends at now, as OpenAI's do). Default: the real time. */
  now?: () => Date;
  /**
   * Serve /organization/usage/decisions (else 404, as for an unknown URL): the code-review project's
   * calls to the Decisions API on `model`, a tenth of its hourly requests per api_source (i+1 tenths
   * for the i-th), billed daily as "<model>, input" / "<model>, output" line items at these prices.
   */
  decisions?: { model: string; apiSources: string[]; input: string; output: string };
  /** Hard spend limits (integer cents): absent or null = none set (404); 'forbidden' = the key may not read them (403). */
  spendLimits?: {
    organization?: SimSpendLimit | null | 'forbidden';
    projects?: Record<string, SimSpendLimit | null>;
  };
  /**
   * GET /v1/models: the models listed (default SIM_MODELS, shutdown dates as OpenAI's deprecations
   * page gives them), or 'forbidden' = the key may not list models (403).
   */
  models?: SimModel[] | 'forbidden';
  /** Bill each daily cost line rounded to the cent (as an invoice is), instead of the exact usage × price. */
  billInCents?: boolean;
  /** Extra cost results appended to each daily cost bucket (new products, unknown line items, credits). */
  extraCostResults?: (bucket: { start_time: number; end_time: number }) => Array<Record<string, unknown>>;
}

export interface SimSpendLimit {
  threshold_amount: number;
  currency?: string;
  interval?: string;
  status?: string;
}

/** One model of GET /v1/models; shutdown_date as served (a YYYY-MM-DD string, unix seconds, or anything, to test tolerance). */
export interface SimModel {
  id: string;
  created?: number;
  owned_by?: string;
  shutdown_date?: string | number | null;
}

/** The scenario's OpenAI models (aliases and the snapshots it bills) and their successors. */
export const SIM_MODELS: readonly SimModel[] = [
  { id: 'gpt-4o', created: 1715367049, shutdown_date: '2027-01-14' },
  { id: 'gpt-4o-mini', created: 1721172741, shutdown_date: '2027-01-14' },
  { id: 'gpt-4o-mini-2024-07-18', created: 1721172717, shutdown_date: '2027-01-14' },
  { id: 'gpt-4.1', created: 1744316542, shutdown_date: '2027-01-14' },
  { id: 'gpt-4.1-2025-04-14', created: 1744315746, shutdown_date: '2027-01-14' },
  { id: 'gpt-4.1-mini', created: 1744318173, shutdown_date: '2027-01-14' },
  { id: 'gpt-4.1-mini-2025-04-14', created: 1744317547, shutdown_date: '2027-01-14' },
  { id: 'gpt-5', created: 1754425777, shutdown_date: '2026-12-11' },
  { id: 'o3', created: 1744225308, shutdown_date: '2026-12-11' },
  { id: 'gpt-5.1', created: 1762800000 },
  { id: 'gpt-5.2', created: 1765400000 },
  { id: 'gpt-5.4', created: 1772000000 },
];

export interface OpenAISimulator {
  /** Base URL including /v1, for OPENAI_BASE_URL. */
  url: string;
  /** Requests received so far (all of them, also the refused ones). */
  readonly requests: number;
  /** Path and query of every request, in order (never a header: the key is not recorded). */
  readonly log: readonly string[];
  close(): Promise<void>;
}

/** USD per 1M tokens. The longest matching model prefix wins; batch requests are billed at half. */
export const OPENAI_SIM_PRICES: ReadonlyArray<{ prefix: string; input: string; cachedInput: string; output: string }> = [
  { prefix: 'gpt-4.1-mini', input: '0.40', cachedInput: '0.10', output: '1.60' },
  { prefix: 'gpt-4o-mini', input: '0.15', cachedInput: '0.075', output: '0.60' },
  { prefix: 'gpt-4.1', input: '2', cachedInput: '0.50', output: '8' },
];
export const OPENAI_SIM_BATCH_FACTOR = '0.5';

export function simPriceFor(model: string): { input: string; cachedInput: string; output: string } {
  const p = OPENAI_SIM_PRICES.find((x) => model.startsWith(x.prefix));
  if (!p) throw new Error(`no simulator price for ${model}`);
  return p;
}

const USAGE_GROUPS = ['project_id', 'user_id', 'api_key_id', 'model', 'batch', 'service_tier'] as const;
const DECISIONS_GROUPS = [...USAGE_GROUPS, 'api_source'] as const;
const COSTS_GROUPS = ['project_id', 'line_item', 'api_key_id'] as const;
const WIDTHS: Record<string, number> = { '1h': 3600, '1d': 86400 };
const LIMITS = { usage: { '1h': [24, 168], '1d': [7, 31] }, decisions: { '1h': [24, 168], '1d': [7, 31] }, costs: { '1d': [7, 180] } } as const;

class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly param: string | null = null,
    readonly type = 'invalid_request_error',
    readonly code: string | null = null,
  ) {
    super(message);
  }
}

const errorBody = (e: ApiError) => ({ error: { message: e.message, type: e.type, param: e.param, code: e.code } });

/** [start, end) cut at multiples of `width` (UTC-aligned); the first and last may be partial. */
function bucketBounds(start: number, end: number, width: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let s = start; s < end; ) {
    const e = Math.min(end, (Math.floor(s / width) + 1) * width);
    out.push([s, e]);
    s = e;
  }
  return out;
}

/** The scenario's hourly load of every OpenAI stream for the hours starting inside [start, end). */
function* streamHours(seed: number, start: number, end: number, now?: Date): Generator<{ stream: ScenarioStream; load: ReturnType<typeof hourLoad> }> {
  for (let h = Math.ceil(start / 3600) * 3600; h < end; h += 3600) {
    for (const stream of streamsOf('openai')) yield { stream, load: hourLoad(stream, new Date(h * 1000), seed, now) };
  }
}

type Dims = Record<string, string | boolean | null>;

function pick(groups: readonly string[], all: readonly string[], values: Dims): Dims {
  return Object.fromEntries(all.map((g) => [g, groups.includes(g) ? (values[g] ?? null) : null]));
}

function usageResults(seed: number, s: number, e: number, groups: readonly string[], now?: Date): unknown[] {
  const acc = new Map<string, { dims: Dims; t: Record<string, number> }>();
  for (const { stream, load } of streamHours(seed, s, e, now)) {
    if (load.requests === 0 && load.inputTokens === 0 && load.outputTokens === 0) continue;
    const d = stream.dims;
    const dims = pick(groups, USAGE_GROUPS, { project_id: d.project_id ?? null, user_id: null, api_key_id: d.api_key_id ?? null, model: stream.model, batch: d.batch ?? false, service_tier: d.service_tier ?? 'default' });
    const k = JSON.stringify(dims);
    const a = acc.get(k) ?? { dims, t: { in: 0, cached: 0, write: 0, uncached: 0, out: 0, req: 0 } };
    a.t.in! += load.inputTokens;
    a.t.cached! += load.cacheReadTokens;
    a.t.write! += load.cacheWriteTokens;
    a.t.uncached! += load.uncachedInputTokens;
    a.t.out! += load.outputTokens;
    a.t.req! += load.requests;
    acc.set(k, a);
  }
  return [...acc.values()].map(({ dims, t }) => ({
    object: 'organization.usage.completions.result',
    input_tokens: t.in,
    input_cached_tokens: t.cached,
    input_cache_write_tokens: t.write,
    input_uncached_tokens: t.uncached,
    output_tokens: t.out,
    input_audio_tokens: 0,
    output_audio_tokens: 0,
    num_model_requests: t.req,
    ...dims,
  }));
}

function costResults(seed: number, s: number, e: number, groups: readonly string[], now?: Date, billInCents = false): unknown[] {
  const acc = new Map<string, { dims: Dims; amount: Decimal; quantity: number }>();
  for (const { stream, load } of streamHours(seed, s, e, now)) {
    const price = simPriceFor(stream.model);
    const factor = stream.dims.batch ? new Decimal(OPENAI_SIM_BATCH_FACTOR) : new Decimal(1);
    const lines: Array<[string, number, string]> = [
      ['input', load.uncachedInputTokens + load.cacheWriteTokens, price.input],
      ['cached input', load.cacheReadTokens, price.cachedInput],
      ['output', load.outputTokens, price.output],
    ];
    for (const [kind, tokens, perMillion] of lines) {
      if (tokens === 0) continue;
      const dims = pick(groups, COSTS_GROUPS, { project_id: stream.dims.project_id ?? null, line_item: `${stream.model}, ${kind}`, api_key_id: stream.dims.api_key_id ?? null });
      const k = JSON.stringify(dims);
      const a = acc.get(k) ?? { dims, amount: new Decimal(0), quantity: 0 };
      a.amount = a.amount.plus(new Decimal(tokens).times(perMillion).times(factor).div(1_000_000));
      a.quantity += tokens;
      acc.set(k, a);
    }
  }
  // Live responses carry amount.value sometimes as a JSON number, sometimes as a string: serve both.
  return [...acc.values()].map(({ dims, amount: exact, quantity }, i) => {
    // An invoice in cents: each daily line rounded half-up, so the sum drifts from usage × list.
    const amount = billInCents ? exact.toDecimalPlaces(2, Decimal.ROUND_HALF_UP) : exact;
    return {
    object: 'organization.costs.result',
    amount: { value: i % 2 === 0 ? Number(amount.toFixed()) : amount.toFixed(), currency: 'usd' },
    ...dims,
    quantity,
    quantity_unit: 'tokens',
    };
  });
}

type DecisionsOpt = NonNullable<OpenAISimulatorOptions['decisions']>;

/** The Decisions API calls of the scenario hour by hour: the code-review stream's project and key. */
function* decisionsHours(seed: number, d: DecisionsOpt, start: number, end: number): Generator<{ stream: ScenarioStream; apiSource: string; requests: number }> {
  const stream = streamsOf('openai').find((x) => x.feature === 'code-review')!;
  for (const { stream: st, load } of streamHours(seed, start, end)) {
    if (st !== stream) continue;
    for (const [i, apiSource] of d.apiSources.entries()) {
      const requests = Math.round((load.requests * (i + 1)) / 10);
      if (requests > 0) yield { stream, apiSource, requests };
    }
  }
}

const DECISIONS_IN_PER_REQUEST = 800;
const DECISIONS_OUT_PER_REQUEST = 5;

function decisionsResults(seed: number, d: DecisionsOpt, s: number, e: number, groups: readonly string[]): unknown[] {
  const acc = new Map<string, { dims: Dims; req: number }>();
  for (const { stream, apiSource, requests } of decisionsHours(seed, d, s, e)) {
    const dims = pick(groups, DECISIONS_GROUPS, { project_id: stream.dims.project_id ?? null, user_id: null, api_key_id: stream.dims.api_key_id ?? null, model: d.model, batch: false, service_tier: 'default', api_source: apiSource });
    const k = JSON.stringify(dims);
    const a = acc.get(k) ?? { dims, req: 0 };
    a.req += requests;
    acc.set(k, a);
  }
  return [...acc.values()].map(({ dims, req }) => ({
    object: 'organization.usage.decisions.result',
    input_tokens: req * DECISIONS_IN_PER_REQUEST,
    input_cached_tokens: 0,
    input_cache_write_tokens: 0,
    input_uncached_tokens: req * DECISIONS_IN_PER_REQUEST,
    output_tokens: req * DECISIONS_OUT_PER_REQUEST,
    num_model_requests: req,
    ...dims,
  }));
}

function decisionsCostResults(seed: number, d: DecisionsOpt, s: number, e: number, groups: readonly string[]): Array<Record<string, unknown>> {
  let req = 0;
  for (const x of decisionsHours(seed, d, s, e)) req += x.requests;
  if (req === 0) return [];
  const stream = streamsOf('openai').find((x) => x.feature === 'code-review')!;
  return (
    [
      ['input', req * DECISIONS_IN_PER_REQUEST, d.input],
      ['output', req * DECISIONS_OUT_PER_REQUEST, d.output],
    ] as const
  ).map(([kind, tokens, perMillion]) => ({
    object: 'organization.costs.result',
    amount: { value: new Decimal(tokens).times(perMillion).div(1_000_000).toFixed(), currency: 'usd' },
    ...pick(groups, COSTS_GROUPS, { project_id: stream.dims.project_id ?? null, line_item: `${d.model}, ${kind}`, api_key_id: stream.dims.api_key_id ?? null }),
    quantity: tokens,
    quantity_unit: 'tokens',
  }));
}

function intParam(url: URL, name: string, required: boolean): number | undefined {
  const v = url.searchParams.get(name);
  if (v === null) {
    if (required) throw new ApiError(400, `Missing required parameter: '${name}'.`, name);
    return undefined;
  }
  if (!/^\d+$/.test(v)) throw new ApiError(400, `Invalid value for '${name}': expected an integer.`, name);
  return Number(v);
}

const encodeCursor = (t: number) => `page_${Buffer.from(`v1:${t}`).toString('base64')}`;
function decodeCursor(c: string, start: number, end: number): number {
  const m = /^page_([A-Za-z0-9+/=]+)$/.exec(c);
  const inner = m ? /^v1:(\d+)$/.exec(Buffer.from(m[1]!, 'base64').toString()) : null;
  const t = inner ? Number(inner[1]) : NaN;
  if (!(t > start && t < end)) throw new ApiError(400, 'Invalid page cursor.', 'page');
  return t;
}

type PageKind = 'usage' | 'decisions' | 'costs';
type PageOpts = Required<Pick<OpenAISimulatorOptions, 'seed' | 'now'>> & Pick<OpenAISimulatorOptions, 'maxBucketsPerPage' | 'decisions' | 'extraCostResults' | 'billInCents'>;

function servePage(url: URL, kind: PageKind, opts: PageOpts) {
  const start = intParam(url, 'start_time', true)!;
  const now = Math.floor(opts.now().getTime() / 1000);
  const end = Math.min(intParam(url, 'end_time', false) ?? now, now);
  const width = url.searchParams.get('bucket_width') ?? '1d';
  const limits = (LIMITS[kind] as Record<string, readonly [number, number]>)[width];
  if (!limits) throw new ApiError(400, `Invalid value for 'bucket_width': ${kind === 'costs' ? "only '1d' is supported" : "expected '1h' or '1d' (the simulator serves no '1m')"}.`, 'bucket_width');
  const limit = intParam(url, 'limit', false) ?? limits[0];
  if (limit < 1 || limit > limits[1]) throw new ApiError(400, `Invalid value for 'limit': must be between 1 and ${limits[1]} for bucket_width=${width}.`, 'limit');
  const allowed: readonly string[] = kind === 'usage' ? USAGE_GROUPS : kind === 'decisions' ? DECISIONS_GROUPS : COSTS_GROUPS;
  const groups = url.searchParams.getAll('group_by').flatMap((g) => g.split(',')).filter(Boolean);
  for (const g of groups) if (!allowed.includes(g)) throw new ApiError(400, `Invalid value for 'group_by': '${g}' (allowed: ${allowed.join(', ')}).`, 'group_by');
  const cursor = url.searchParams.get('page');
  const from = cursor ? decodeCursor(cursor, start, end) : start;
  const all = bucketBounds(from, end, WIDTHS[width]!);
  const take = Math.min(limit, opts.maxBucketsPerPage ?? Infinity);
  const page = all.slice(0, take);
  const next = all[take];
  const d = opts.decisions;
  const results = (s: number, e: number): unknown[] => {
    if (kind === 'usage') return usageResults(opts.seed, s, e, groups, opts.now());
    if (kind === 'decisions') return d ? decisionsResults(opts.seed, d, s, e, groups) : [];
    return [...costResults(opts.seed, s, e, groups, opts.now(), opts.billInCents ?? false), ...(d ? decisionsCostResults(opts.seed, d, s, e, groups) : []), ...(opts.extraCostResults?.({ start_time: s, end_time: e }) ?? [])];
  };
  return {
    object: 'page',
    data: page.map(([s, e]) => ({ object: 'bucket', start_time: s, end_time: e, results: results(s, e) })),
    has_more: next !== undefined,
    next_page: next ? encodeCursor(next[0]) : null,
  };
}

/** Drops a required field: from every result, or (a page of empty buckets) the page's has_more. */
function breakPage(page: ReturnType<typeof servePage>, kind: PageKind): unknown {
  const field = kind === 'costs' ? 'amount' : 'num_model_requests';
  let touched = false;
  for (const b of page.data) {
    for (const r of b.results as Array<Record<string, unknown>>) {
      delete r[field];
      touched = true;
    }
  }
  if (!touched) return { ...page, has_more: undefined };
  return page;
}

const HTML_PAGE = '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n';

export async function startOpenAISimulator(opts: OpenAISimulatorOptions = {}): Promise<OpenAISimulator> {
  const seed = opts.seed ?? DEFAULT_SEED;
  const now = opts.now ?? (() => new Date());
  const faults = opts.faults ?? {};
  const left = { rateLimit: faults.rateLimit?.times ?? 0, serverError: faults.serverError?.times ?? 0, htmlError: faults.htmlError?.times ?? 0 };
  const goodPages = { usage: 0, decisions: 0, costs: 0 };
  let malformedLeft = faults.malformed ? (faults.malformed.times ?? 1) : 0;
  let requests = 0;
  const log: string[] = [];

  /** A spend_limit object, or the vendor's 404 / 403 (thrown). */
  const spendLimit = (projectId: string | null) => {
    const org = opts.spendLimits?.organization;
    if (org === 'forbidden') throw new ApiError(403, 'You have insufficient permissions for this operation. Missing scopes: api.spend_limits.read.', null, 'invalid_request_error', 'insufficient_permissions');
    const l = projectId === null ? org : opts.spendLimits?.projects?.[projectId];
    if (!l) throw new ApiError(404, `No hard spend limit is set for ${projectId === null ? 'the organization' : `project ${projectId}`}.`, null, 'invalid_request_error', 'not_found');
    return {
      object: projectId === null ? 'organization.spend_limit' : 'project.spend_limit',
      threshold_amount: l.threshold_amount,
      currency: l.currency ?? 'USD',
      interval: l.interval ?? 'month',
      enforcement: { status: l.status ?? 'inactive' },
    };
  };

  const answer = (res: ServerResponse, url: URL, auth: string | undefined) => {
    const key = /^Bearer (sk-admin-\S+)$/.exec(auth ?? '')?.[1];
    if (!auth) throw new ApiError(401, "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).", null, 'invalid_request_error');
    if (!key) throw new ApiError(401, 'Incorrect API key provided. You must be an organization owner and use an admin key (sk-admin-…) to access the Administration API.', null, 'invalid_request_error', 'invalid_api_key');
    if (left.rateLimit > 0) {
      left.rateLimit--;
      const retryAfter = String(faults.rateLimit?.retryAfterSeconds ?? 1);
      return sendJson(res, 429, errorBody(new ApiError(429, 'Rate limit reached for requests. Please try again later.', null, 'requests', 'rate_limit_exceeded')), { 'retry-after': retryAfter });
    }
    if (left.serverError > 0) {
      left.serverError--;
      return sendJson(res, 500, errorBody(new ApiError(500, 'The server had an error while processing your request. Sorry about that!', null, 'server_error')));
    }
    if (left.htmlError > 0) {
      left.htmlError--;
      return sendText(res, faults.htmlError?.status ?? 502, HTML_PAGE, 'text/html');
    }
    if (url.pathname === '/v1/models') {
      if (opts.models === 'forbidden') throw new ApiError(403, 'You have insufficient permissions for this operation. Missing scopes: api.model.read.', null, 'invalid_request_error', 'insufficient_permissions');
      const data = (opts.models ?? SIM_MODELS).map((m) => ({ id: m.id, object: 'model', created: m.created ?? 1700000000, owned_by: m.owned_by ?? 'system', ...(m.shutdown_date !== undefined ? { shutdown_date: m.shutdown_date } : {}) }));
      return sendJson(res, 200, { object: 'list', data });
    }
    const limitPath = /^\/v1\/organization(?:\/projects\/([^/]+))?\/spend_limit$/.exec(url.pathname);
    if (limitPath) return sendJson(res, 200, spendLimit(limitPath[1] ? decodeURIComponent(limitPath[1]) : null));
    const kind: PageKind | null =
      url.pathname === '/v1/organization/usage/completions'
        ? 'usage'
        : url.pathname === '/v1/organization/costs'
          ? 'costs'
          : url.pathname === '/v1/organization/usage/decisions' && opts.decisions
            ? 'decisions'
            : null;
    if (!kind) throw new ApiError(404, `Invalid URL (GET ${url.pathname})`, null, 'invalid_request_error');
    const page = servePage(url, kind, { seed, now, maxBucketsPerPage: opts.maxBucketsPerPage, decisions: opts.decisions, extraCostResults: opts.extraCostResults, billInCents: opts.billInCents });
    const m = faults.malformed;
    if (m && m.endpoint === kind && goodPages[kind] >= (m.skip ?? 0) && malformedLeft > 0) {
      malformedLeft--;
      return sendJson(res, 200, breakPage(page, kind));
    }
    goodPages[kind]++;
    return sendJson(res, 200, page);
  };

  const server = await startHttpServer(
    (req, res, url) => {
      requests++;
      log.push(`${url.pathname}${url.search}`);
      if (req.method !== 'GET') return sendJson(res, 405, errorBody(new ApiError(405, `Method ${req.method} not allowed.`)));
      try {
        answer(res, url, req.headers.authorization);
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        sendJson(res, err.status, errorBody(err));
      }
    },
    { port: opts.port ?? 0 },
  );
  return {
    url: `${server.origin}/v1`,
    get requests() {
      return requests;
    },
    log,
    close: () => server.close(),
  };
}
