import { Decimal } from 'decimal.js';
import type { ServerResponse } from 'node:http';
import { ANTHROPIC_PATHS, MAX_LIMIT, type BucketWidth } from '../sources/anthropic/endpoints.ts';
import { sendJson, sendText, startHttpServer } from './http-server.ts';
import { ANALYTICS_BETA } from '../sources/anthropic/endpoints.ts';
import { AnalyticsBadRequest, analyticsCostPage, analyticsUsagePage, type AnalyticsSource } from './anthropic-analytics.ts';
import { DEFAULT_SEED, hourLoad, streamsOf, type ScenarioStream } from './scenario.ts';

/**
 * The Anthropic Admin API as the demo company would see it: usage_report/messages and cost_report in
 * the vendor's wire format, computed from the scenario streams. Real cursors (`page_` + base64 of the
 * next bucket start, like Anthropic's), empty buckets included, x-api-key and anthropic-version
 * checks, and injectable faults for tests.
 */

/** List prices in USD per 1M tokens, by usage token type (the simulator's bill; not the price catalog). */
export const SIM_PRICES: Record<string, Record<SimTokenType, string>> = {
  'claude-sonnet-4-20250514': { uncached_input_tokens: '3', cache_read_input_tokens: '0.30', 'cache_creation.ephemeral_5m_input_tokens': '3.75', output_tokens: '15' },
  'claude-3-5-haiku-20241022': { uncached_input_tokens: '0.80', cache_read_input_tokens: '0.08', 'cache_creation.ephemeral_5m_input_tokens': '1.00', output_tokens: '4.00' },
};
export const SIM_TOKEN_TYPES = ['uncached_input_tokens', 'cache_read_input_tokens', 'cache_creation.ephemeral_5m_input_tokens', 'output_tokens'] as const;
export type SimTokenType = (typeof SIM_TOKEN_TYPES)[number];
export const SIM_API_KEY = 'sk-ant-admin-test';
export const SIM_CONTEXT_WINDOW = '0-200k';

const DISPLAY: Record<string, string> = { 'claude-sonnet-4-20250514': 'Claude Sonnet 4', 'claude-3-5-haiku-20241022': 'Claude Haiku 3.5' };
const TOKEN_LABEL: Record<SimTokenType, string> = {
  uncached_input_tokens: 'Input Tokens',
  cache_read_input_tokens: 'Cache Read Input Tokens',
  'cache_creation.ephemeral_5m_input_tokens': '5m Cache Write Input Tokens',
  output_tokens: 'Output Tokens',
};

export interface AnthropicFault {
  kind: 'rate-limit' | 'server-error' | 'malformed-json' | 'html' | 'truncated' | 'missing-field';
  /** Which endpoint it hits (default all). */
  endpoint?: SimEndpoint;
  /** Let this many matching requests through first (default 0). */
  skip?: number;
  /** Then fail this many (default: all that follow). */
  times?: number;
  retryAfterSeconds?: number;
  /** html: the status of the proxy's page (default 502). */
  status?: number;
}

export interface AnthropicSimulatorOptions {
  seed?: number;
  port?: number;
  apiKey?: string;
  faults?: AnthropicFault[];
  /** Currency of the cost report (default USD); amounts are not converted. */
  currency?: string;
  /** Cap on buckets per page below the caller's limit, to exercise pagination. */
  maxPageBuckets?: number;
  /** No traffic before this instant: those buckets come back with `results: []`. */
  emptyBefore?: Date | string;
  /** "Now": no bucket starts at or after it (the report stops there). Default: no limit. */
  now?: () => Date;
  /** Rewrite each wire row before it is served (unknown enum values, extra fields …). */
  transformUsageResult?: (row: Record<string, unknown>) => Record<string, unknown>;
  transformCostResult?: (row: Record<string, unknown>) => Record<string, unknown>;
  /** Which API generations answer (default both); the other one's paths are 404, as in an org without it. */
  apis?: Array<'legacy' | 'analytics'>;
  /** Negotiated discount off list (a decimal fraction such as "0.15"): both APIs bill list × (1 − d). Default 0. */
  discount?: string;
  /** Analytics: grouped rows kept per bucket, largest first (the vendor caps at 100). */
  maxGroups?: number;
  transformAnalyticsUsageRow?: (row: Record<string, unknown>) => Record<string, unknown>;
  transformAnalyticsCostRow?: (row: Record<string, unknown>) => Record<string, unknown>;
}

export type SimEndpoint = 'usage' | 'cost' | 'analytics-usage' | 'analytics-cost';

export interface SimRequest {
  endpoint: SimEndpoint | 'other';
  path: string;
  query: Record<string, string[]>;
  status: number;
  /** Whether the request carried the right x-api-key (the key itself is never recorded). */
  authorized: boolean;
  anthropicVersion: string | null;
  anthropicBeta: string | null;
}

export interface AnthropicSimulator {
  url: string;
  requests: SimRequest[];
  close(): Promise<void>;
}

type Row = Record<string, unknown>;
const HOUR = 3_600_000;
const WIDTH_MS: Record<BucketWidth, number> = { '1m': 60_000, '1h': HOUR, '1d': 24 * HOUR };
const DEFAULT_LIMIT: Record<BucketWidth, number> = { '1m': 60, '1h': 24, '1d': 7 };
const USAGE_DIMS = ['api_key_id', 'workspace_id', 'model', 'service_tier', 'context_window'] as const;
const COST_DESCRIPTION_FIELDS = ['description', 'cost_type', 'token_type', 'model', 'service_tier', 'context_window'] as const;

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const error = (type: string, message: string) => ({ type: 'error', error: { type, message } });

class BadRequest extends Error {}

/** A stream's usage in [from, to), hour by hour (sub-hour buckets take their hour's load pro rata: 1m only). */
/** Hours with traffic: [emptyBefore, now). */
export interface Active {
  from: number;
  to: number;
}

export function streamUsage(s: ScenarioStream, from: number, to: number, seed: number, active: Active) {
  const sum = { uncached: 0, read: 0, write5m: 0, output: 0, requests: 0 };
  for (let h = Math.floor(from / HOUR) * HOUR; h < to; h += HOUR) {
    if (h < active.from || h >= active.to) continue;
    const l = hourLoad(s, new Date(h), seed);
    if (l.requests === 0) continue;
    const share = (Math.min(to, h + HOUR) - Math.max(from, h)) / HOUR;
    const f = (n: number) => (share === 1 ? n : Math.round(n * share));
    sum.uncached += f(l.uncachedInputTokens);
    sum.read += f(l.cacheReadTokens);
    sum.write5m += f(l.cacheWriteTokens);
    sum.output += f(l.outputTokens);
    sum.requests += f(l.requests);
  }
  return sum;
}

function usageRows(from: number, to: number, groupBy: Set<string>, seed: number, active: Active): Row[] {
  const groups = new Map<string, Row>();
  for (const s of streamsOf('anthropic')) {
    const u = streamUsage(s, from, to, seed, active);
    if (u.uncached + u.read + u.write5m + u.output === 0) continue;
    const dims: Row = {
      api_key_id: s.dims.api_key_id ?? null,
      workspace_id: s.dims.workspace_id ?? null,
      model: s.model,
      service_tier: s.dims.service_tier ?? 'standard',
      context_window: SIM_CONTEXT_WINDOW,
    };
    for (const d of USAGE_DIMS) if (!groupBy.has(d)) dims[d] = null;
    const key = JSON.stringify(USAGE_DIMS.map((d) => dims[d]));
    const row = groups.get(key) ?? {
      uncached_input_tokens: 0,
      cache_creation: { ephemeral_1h_input_tokens: 0, ephemeral_5m_input_tokens: 0 },
      cache_read_input_tokens: 0,
      output_tokens: 0,
      server_tool_use: { web_search_requests: 0 },
      ...dims,
    };
    (row.uncached_input_tokens as number) += u.uncached;
    (row.cache_creation as { ephemeral_5m_input_tokens: number }).ephemeral_5m_input_tokens += u.write5m;
    (row.cache_read_input_tokens as number) += u.read;
    (row.output_tokens as number) += u.output;
    groups.set(key, row);
  }
  return [...groups.values()];
}

/** One billed item before grouping: a stream's tokens of one type in [from, to), in cents (≤ 5 decimals). */
export interface CostItem {
  stream: ScenarioStream;
  tokenType: SimTokenType;
  tokens: number;
  /** What is billed: list × (1 − discount). */
  cents: Decimal;
  /** At list price. */
  listCents: Decimal;
}

/** $ per 1M tokens → cents per token = price / 10^4; each item rounded to 5 decimals as the bill is. */
export function costItems(from: number, to: number, seed: number, active: Active, discount: Decimal): CostItem[] {
  const items: CostItem[] = [];
  for (const s of streamsOf('anthropic')) {
    const u = streamUsage(s, from, to, seed, active);
    const tokens: Record<SimTokenType, number> = {
      uncached_input_tokens: u.uncached,
      cache_read_input_tokens: u.read,
      'cache_creation.ephemeral_5m_input_tokens': u.write5m,
      output_tokens: u.output,
    };
    for (const t of SIM_TOKEN_TYPES) {
      if (tokens[t] === 0) continue;
      const list = new Decimal(tokens[t]).times(SIM_PRICES[s.model]![t]).div(10_000);
      items.push({
        stream: s,
        tokenType: t,
        tokens: tokens[t],
        cents: list.times(new Decimal(1).minus(discount)).toDecimalPlaces(5, Decimal.ROUND_HALF_UP),
        listCents: list.toDecimalPlaces(5, Decimal.ROUND_HALF_UP),
      });
    }
  }
  return items;
}

/** Cost rows of one day: one per (workspace, model, token type) before grouping, in cents, ≤ 5 decimals. */
function costRows(from: number, to: number, groupBy: Set<string>, seed: number, active: Active, currency: string, discount: Decimal): Row[] {
  const groups = new Map<string, { row: Row; cents: Decimal }>();
  for (const { stream: s, tokenType: t, cents } of costItems(from, to, seed, active, discount)) {
    const row: Row = {
      currency,
      amount: '',
      workspace_id: groupBy.has('workspace_id') ? (s.dims.workspace_id ?? null) : null,
      description: `${DISPLAY[s.model] ?? s.model} Usage - ${TOKEN_LABEL[t]}`,
      cost_type: 'tokens',
      context_window: SIM_CONTEXT_WINDOW,
      model: s.model,
      service_tier: s.dims.service_tier ?? 'standard',
      token_type: t,
    };
    if (!groupBy.has('description')) for (const f of COST_DESCRIPTION_FIELDS) row[f] = null;
    const key = JSON.stringify([row.workspace_id, ...COST_DESCRIPTION_FIELDS.map((f) => row[f])]);
    const g = groups.get(key);
    if (g) g.cents = g.cents.plus(cents);
    else groups.set(key, { row, cents });
  }
  return [...groups.values()].map(({ row, cents }) => ({ ...row, amount: cents.toFixed() }));
}

interface Query {
  start: number;
  end: number;
  width: BucketWidth;
  limit: number;
  groupBy: Set<string>;
  cursor: number;
}

function parseQuery(url: URL, allowed: readonly BucketWidth[]): Query {
  const p = url.searchParams;
  const startRaw = p.get('starting_at');
  if (!startRaw) throw new BadRequest('starting_at: Field required');
  const start = Date.parse(startRaw);
  if (Number.isNaN(start)) throw new BadRequest(`starting_at: invalid datetime ${startRaw}`);
  const width = (p.get('bucket_width') ?? (allowed.includes('1d') ? '1d' : '1h')) as BucketWidth;
  if (!allowed.includes(width)) throw new BadRequest(`bucket_width: must be one of ${allowed.join(', ')}`);
  const limit = p.has('limit') ? Number(p.get('limit')) : DEFAULT_LIMIT[width];
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT[width]) throw new BadRequest(`limit: must be between 1 and ${MAX_LIMIT[width]} for bucket_width ${width}`);
  const w = WIDTH_MS[width];
  const alignedStart = Math.floor(start / w) * w;
  const endRaw = p.get('ending_at');
  const end = endRaw ? Date.parse(endRaw) : alignedStart + limit * w;
  if (Number.isNaN(end) || end <= start) throw new BadRequest('ending_at: must be a datetime after starting_at');
  let cursor = alignedStart;
  const page = p.get('page');
  if (page) {
    const decoded = page.startsWith('page_') ? Date.parse(Buffer.from(page.slice(5), 'base64').toString('utf8')) : NaN;
    if (Number.isNaN(decoded) || decoded < alignedStart || decoded >= end) throw new BadRequest('page: invalid page token');
    cursor = decoded;
  }
  const groupBy = new Set([...p.getAll('group_by[]'), ...p.getAll('group_by')]);
  return { start: alignedStart, end, width, limit, groupBy, cursor };
}

function buildPage(q: Query, maxPageBuckets: number, now: number, rowsFor: (from: number, to: number) => Row[]) {
  const w = WIDTH_MS[q.width];
  const n = Math.min(q.limit, maxPageBuckets);
  const end = Math.min(q.end, now);
  const data: Row[] = [];
  let t = q.cursor;
  for (; t < end && data.length < n; t += w) data.push({ starting_at: iso(t), ending_at: iso(t + w), results: rowsFor(t, t + w) });
  const hasMore = t < end;
  return { data, has_more: hasMore, next_page: hasMore ? `page_${Buffer.from(iso(t)).toString('base64')}` : null };
}

/** Applies a body-level fault to a page that would otherwise be served fine. */
function corrupt(kind: AnthropicFault['kind'], page: { data: Row[] }, endpoint: SimEndpoint): string {
  if (kind === 'missing-field' && (endpoint === 'analytics-usage' || endpoint === 'analytics-cost')) {
    const [metrics, field] = endpoint === 'analytics-usage' ? ['usage', 'output_tokens'] : ['cost', 'amount'];
    for (const r of page.data) delete (r[metrics] as Row)[field];
    if (page.data.length === 0) delete (page as Partial<typeof page>).data;
    return JSON.stringify(page);
  }
  if (kind === 'missing-field') {
    const field = endpoint === 'usage' ? 'output_tokens' : 'amount';
    for (const b of page.data) for (const r of b.results as Row[]) delete r[field];
    if (!page.data.some((b) => (b.results as Row[]).length)) delete (page as Partial<typeof page>).data;
    return JSON.stringify(page);
  }
  const text = JSON.stringify(page);
  // A proxy that cut the body short (with a consistent Content-Length), or a hand-edited payload.
  if (kind === 'truncated') return text.slice(0, Math.max(1, Math.floor(text.length / 2)));
  return text.replace('"has_more":', 'has_more:').replace(/\}$/, ',}');
}

const HTML_PAGE = (status: number) =>
  `<html>\r\n<head><title>${status} Bad Gateway</title></head>\r\n<body>\r\n<center><h1>${status} Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;

export async function startAnthropicSimulator(opts: AnthropicSimulatorOptions = {}): Promise<AnthropicSimulator> {
  const seed = opts.seed ?? DEFAULT_SEED;
  const apiKey = opts.apiKey ?? SIM_API_KEY;
  const emptyBefore = opts.emptyBefore ? new Date(opts.emptyBefore).getTime() : -Infinity;
  const maxPageBuckets = opts.maxPageBuckets ?? Infinity;
  const currency = opts.currency ?? 'USD';
  const now = () => (opts.now ? opts.now().getTime() : Infinity);
  const faults = (opts.faults ?? []).map((f) => ({ ...f, seen: 0 }));
  const requests: SimRequest[] = [];
  const apis = new Set(opts.apis ?? ['legacy', 'analytics']);
  const discount = new Decimal(opts.discount ?? '0');
  if (discount.isNeg() || discount.gte(1)) throw new RangeError(`discount must be in [0, 1): ${opts.discount}`);
  const PATHS: Record<string, SimEndpoint> = {
    [ANTHROPIC_PATHS.usageMessages]: 'usage',
    [ANTHROPIC_PATHS.costReport]: 'cost',
    [ANTHROPIC_PATHS.analyticsUsage]: 'analytics-usage',
    [ANTHROPIC_PATHS.analyticsCost]: 'analytics-cost',
  };
  const served = (e: SimEndpoint) => apis.has(e.startsWith('analytics') ? 'analytics' : 'legacy');

  const server = await startHttpServer((req, res, url) => {
    const known = PATHS[url.pathname];
    const endpoint: SimEndpoint | 'other' = known && served(known) ? known : 'other';
    const authorized = req.headers['x-api-key'] === apiKey;
    const version = typeof req.headers['anthropic-version'] === 'string' ? req.headers['anthropic-version'] : null;
    const query: Record<string, string[]> = {};
    for (const k of new Set(url.searchParams.keys())) query[k] = url.searchParams.getAll(k);
    const beta = typeof req.headers['anthropic-beta'] === 'string' ? req.headers['anthropic-beta'] : null;
    const record = (status: number) => requests.push({ endpoint, path: url.pathname, query, status, authorized, anthropicVersion: version, anthropicBeta: beta });
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      record(status);
      sendJson(res, status, body, { 'request-id': `req_sim_${requests.length}`, ...headers });
    };

    if (req.method !== 'GET') return json(405, error('invalid_request_error', `method ${req.method} not allowed`));
    if (endpoint === 'other') return json(404, error('not_found_error', `Not found: ${url.pathname}`));
    if (!authorized) return json(401, error('authentication_error', 'invalid x-api-key'));
    if (!version) return json(400, error('invalid_request_error', 'anthropic-version: header is required'));
    if (endpoint.startsWith('analytics') && !(beta ?? '').split(',').map((b) => b.trim()).includes(ANALYTICS_BETA)) {
      return json(400, error('invalid_request_error', `anthropic-beta: this endpoint requires the ${ANALYTICS_BETA} beta header`));
    }

    // Each fault counts the requests to its endpoint; the first one whose turn it is applies.
    for (const f of faults) if (!f.endpoint || f.endpoint === endpoint) f.seen++;
    const fault = faults.find((f) => (!f.endpoint || f.endpoint === endpoint) && f.seen > (f.skip ?? 0) && f.seen <= (f.skip ?? 0) + (f.times ?? Infinity));
    if (fault?.kind === 'rate-limit') {
      return json(429, error('rate_limit_error', 'Number of requests has exceeded your rate limit.'), { 'retry-after': String(fault.retryAfterSeconds ?? 1) });
    }
    if (fault?.kind === 'server-error') return json(500, error('api_error', 'Internal server error'));
    if (fault?.kind === 'html') {
      const status = fault.status ?? 502;
      record(status);
      return sendText(res, status, HTML_PAGE(status), 'text/html');
    }

    let page;
    const active: Active = { from: emptyBefore, to: now() };
    try {
      const analytics: AnalyticsSource = {
        streams: streamsOf('anthropic'),
        usage: (s, from, to) => streamUsage(s, from, to, seed, active),
        costItems: (from, to) => costItems(from, to, seed, active, discount),
        contextWindow: SIM_CONTEXT_WINDOW,
        currency,
        maxGroups: opts.maxGroups ?? 100,
        pageCap: maxPageBuckets,
        now: now(),
      };
      if (endpoint === 'analytics-usage') {
        const p = analyticsUsagePage(url, analytics);
        const t = opts.transformAnalyticsUsageRow ?? ((r: Row) => r);
        page = { ...p, data: p.data.map(t) };
      } else if (endpoint === 'analytics-cost') {
        const p = analyticsCostPage(url, analytics);
        const t = opts.transformAnalyticsCostRow ?? ((r: Row) => r);
        page = { ...p, data: p.data.map(t) };
      } else if (endpoint === 'usage') {
        const q = parseQuery(url, ['1m', '1h', '1d']);
        const t = opts.transformUsageResult ?? ((r: Row) => r);
        page = buildPage(q, maxPageBuckets, now(), (from, to) => usageRows(from, to, q.groupBy, seed, active).map(t));
      } else {
        const q = parseQuery(url, ['1d']);
        const t = opts.transformCostResult ?? ((r: Row) => r);
        page = buildPage(q, maxPageBuckets, now(), (from, to) => costRows(from, to, q.groupBy, seed, active, currency, discount).map(t));
      }
    } catch (err) {
      if (err instanceof BadRequest || err instanceof AnalyticsBadRequest) return json(400, error('invalid_request_error', err.message));
      throw err;
    }
    if (fault) return serveRaw(res, record, corrupt(fault.kind, page, endpoint));
    return json(200, page);
  }, { port: opts.port ?? 0 });

  return { url: server.origin, requests, close: () => server.close() };
}

function serveRaw(res: ServerResponse, record: (s: number) => void, body: string): void {
  record(200);
  sendText(res, 200, body, 'application/json');
}
