import { Decimal } from 'decimal.js';
import type { ScenarioStream } from './scenario.ts';

/**
 * The Usage and Cost Analytics API (beta) of the Anthropic simulator: `GET /v1/organizations/
 * analytics/{usage,cost}` answering flat rows `{starting_at, ending_at, group, usage|cost}` from the
 * same scenario items the legacy reports are computed from, so both generations carry the same
 * numbers. Like the vendor: at most 31 days per request, rows of a bucket ordered by total_tokens
 * (usage) or amount (cost) descending, grouped rows capped at the top N groups per bucket with no
 * remainder row, request counts null on rows split by cost_type/token_type, cursor pages.
 */

export class AnalyticsBadRequest extends Error {}

type Row = Record<string, unknown>;
type Width = '1m' | '1h' | '1d';
const WIDTH_MS: Record<Width, number> = { '1m': 60_000, '1h': 3_600_000, '1d': 86_400_000 };
const MAX_RANGE_MS = 31 * 86_400_000;
const MAX_LIMIT = 1000;
const DEFAULT_LIMIT = 20;

export const USAGE_GROUPS = ['api_key_id', 'workspace_id', 'model', 'service_tier', 'context_window', 'inference_geo', 'speed', 'product'] as const;
export const COST_GROUPS = [...USAGE_GROUPS, 'cost_type', 'token_type'] as const;

export interface AnalyticsUsage {
  uncached: number;
  read: number;
  write5m: number;
  output: number;
  requests: number;
}

export interface AnalyticsCostItem {
  stream: ScenarioStream;
  tokenType: string;
  cents: Decimal;
  listCents: Decimal;
}

export interface AnalyticsSource {
  streams: ScenarioStream[];
  usage(stream: ScenarioStream, from: number, to: number): AnalyticsUsage;
  costItems(from: number, to: number): AnalyticsCostItem[];
  contextWindow: string;
  currency: string;
  /** Top groups kept per bucket (the vendor's cap is 100). */
  maxGroups: number;
  /** Rows per page at most, below the caller's limit (to exercise pagination). */
  pageCap: number;
  now: number;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

interface Query {
  start: number;
  end: number;
  width: Width;
  limit: number;
  groupBy: Set<string>;
  offset: number;
}

function parse(url: URL, allowedGroups: readonly string[], now: number): Query {
  const p = url.searchParams;
  if (p.has('bucket_width')) throw new AnalyticsBadRequest('bucket_width: unknown parameter (the analytics API takes time_bucket_width)');
  const startRaw = p.get('starting_at');
  if (!startRaw) throw new AnalyticsBadRequest('starting_at: Field required');
  const start = Date.parse(startRaw);
  if (Number.isNaN(start)) throw new AnalyticsBadRequest(`starting_at: invalid datetime ${startRaw}`);
  const width = (p.get('time_bucket_width') ?? '1d') as Width;
  if (!(width in WIDTH_MS)) throw new AnalyticsBadRequest('time_bucket_width: must be one of 1m, 1h, 1d');
  const endRaw = p.get('ending_at');
  const end = endRaw ? Date.parse(endRaw) : Math.min(now, start + MAX_RANGE_MS);
  if (Number.isNaN(end) || end <= start) throw new AnalyticsBadRequest('ending_at: must be a datetime after starting_at');
  if (end - start > MAX_RANGE_MS) throw new AnalyticsBadRequest('ending_at: the range may span at most 31 days');
  const limit = p.has('limit') ? Number(p.get('limit')) : DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new AnalyticsBadRequest(`limit: must be between 1 and ${MAX_LIMIT}`);
  const groupBy = new Set(p.getAll('group_by[]'));
  for (const g of groupBy) if (!allowedGroups.includes(g)) throw new AnalyticsBadRequest(`group_by[]: unsupported value ${JSON.stringify(g)}`);
  let offset = 0;
  const page = p.get('page');
  if (page) {
    const decoded = page.startsWith('page_') ? Number(Buffer.from(page.slice(5), 'base64').toString('utf8')) : NaN;
    if (!Number.isInteger(decoded) || decoded <= 0) throw new AnalyticsBadRequest('page: invalid page token');
    offset = decoded;
  }
  const w = WIDTH_MS[width];
  return { start: Math.floor(start / w) * w, end, width, limit, groupBy, offset };
}

function group(dims: Row, groupBy: Set<string>, names: readonly string[]): Row {
  const g: Row = {};
  for (const n of names) g[n] = groupBy.has(n) ? (dims[n] ?? null) : null;
  return g;
}

function streamDims(s: ScenarioStream, contextWindow: string): Row {
  return {
    api_key_id: s.dims.api_key_id ?? null,
    workspace_id: s.dims.workspace_id ?? null,
    model: s.model,
    service_tier: s.dims.service_tier ?? 'standard',
    context_window: contextWindow,
    inference_geo: null,
    speed: null,
    product: null,
  };
}

/** Buckets of [start, min(end, now)), each with its rows sorted and capped, flattened in time order. */
function allRows(q: Query, src: AnalyticsSource, bucketRows: (from: number, to: number) => Row[], sortKey: (r: Row) => Decimal): Row[] {
  const w = WIDTH_MS[q.width];
  const out: Row[] = [];
  for (let t = q.start; t < Math.min(q.end, src.now); t += w) {
    const rows = bucketRows(t, t + w).sort((a, b) => sortKey(b).comparedTo(sortKey(a)));
    const kept = q.groupBy.size > 0 ? rows.slice(0, src.maxGroups) : rows;
    for (const r of kept) out.push({ starting_at: iso(t), ending_at: iso(t + w), ...r });
  }
  return out;
}

function paged(q: Query, rows: Row[], pageCap: number) {
  const n = Math.min(q.limit, pageCap);
  const data = rows.slice(q.offset, q.offset + n);
  const next = q.offset + n;
  const hasMore = next < rows.length;
  return { data, has_more: hasMore, next_page: hasMore ? `page_${Buffer.from(String(next)).toString('base64')}` : null };
}

export function analyticsUsagePage(url: URL, src: AnalyticsSource) {
  const q = parse(url, USAGE_GROUPS, src.now);
  const bucketRows = (from: number, to: number): Row[] => {
    const groups = new Map<string, Row>();
    for (const s of src.streams) {
      const u = src.usage(s, from, to);
      if (u.uncached + u.read + u.write5m + u.output === 0) continue;
      const g = group(streamDims(s, src.contextWindow), q.groupBy, USAGE_GROUPS);
      const key = JSON.stringify(g);
      const row = groups.get(key) ?? {
        group: g,
        usage: {
          uncached_input_tokens: 0,
          cache_read_input_tokens: 0,
          cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
          output_tokens: 0,
          server_tool_use: { web_search_requests: 0 },
          requests: 0,
          total_tokens: 0,
        },
      };
      const m = row.usage as { uncached_input_tokens: number; cache_read_input_tokens: number; cache_creation: { ephemeral_5m_input_tokens: number }; output_tokens: number; requests: number; total_tokens: number };
      m.uncached_input_tokens += u.uncached;
      m.cache_read_input_tokens += u.read;
      m.cache_creation.ephemeral_5m_input_tokens += u.write5m;
      m.output_tokens += u.output;
      m.requests += u.requests;
      m.total_tokens += u.uncached + u.read + u.write5m + u.output;
      groups.set(key, row);
    }
    return [...groups.values()];
  };
  return paged(q, allRows(q, src, bucketRows, (r) => new Decimal((r.usage as { total_tokens: number }).total_tokens)), src.pageCap);
}

export function analyticsCostPage(url: URL, src: AnalyticsSource) {
  const q = parse(url, COST_GROUPS, src.now);
  const byComponent = q.groupBy.has('cost_type') || q.groupBy.has('token_type');
  const bucketRows = (from: number, to: number): Row[] => {
    const groups = new Map<string, { group: Row; cents: Decimal; list: Decimal; requests: number }>();
    for (const item of src.costItems(from, to)) {
      const dims = { ...streamDims(item.stream, src.contextWindow), cost_type: 'tokens', token_type: item.tokenType };
      const g = group(dims, q.groupBy, COST_GROUPS);
      const key = JSON.stringify(g);
      const e = groups.get(key) ?? { group: g, cents: new Decimal(0), list: new Decimal(0), requests: 0 };
      e.cents = e.cents.plus(item.cents);
      e.list = e.list.plus(item.listCents);
      groups.set(key, e);
    }
    if (!byComponent) {
      // Requests per group: the streams' own counts (each stream's requests once, not per token type).
      for (const s of src.streams) {
        const key = JSON.stringify(group({ ...streamDims(s, src.contextWindow), cost_type: 'tokens' }, q.groupBy, COST_GROUPS));
        const e = groups.get(key);
        if (e) e.requests += src.usage(s, from, to).requests;
      }
    }
    return [...groups.values()].map((e) => ({
      group: e.group,
      cost: { amount: e.cents.toFixed(), list_amount: e.list.toFixed(), currency: src.currency, requests: byComponent ? null : e.requests },
    }));
  };
  return paged(q, allRows(q, src, bucketRows, (r) => new Decimal((r.cost as { amount: string }).amount)), src.pageCap);
}
