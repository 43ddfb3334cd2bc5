import { Decimal } from 'decimal.js';
import type { CostLineItemInsert, UsageFactInsert } from '../../db/types.ts';
import { centsToDollars } from './cents.ts';
import { PROVIDER } from './normalize.ts';
import type { AnalyticsCostRow, AnalyticsGroup, AnalyticsUsageRow } from './analytics-schema.ts';

/**
 * Pure mapping of validated analytics rows to the same fact rows the legacy reports produce (same
 * natural keys and token columns), plus what only this API knows: request counts per usage row, the
 * API key and the list price on every cost line, so `list_cost − effective_cost` is the negotiated
 * discount per line.
 */

/** Group fields mapped to columns; every other non-null group value is kept in `extra`. */
const USAGE_GROUP_COLUMNS = new Set(['api_key_id', 'workspace_id', 'model', 'service_tier', 'context_window']);
const USAGE_METRIC_COLUMNS = new Set(['uncached_input_tokens', 'cache_read_input_tokens', 'cache_creation', 'output_tokens', 'server_tool_use', 'requests', 'total_tokens']);
const COST_GROUP_COLUMNS = new Set(['api_key_id', 'workspace_id', 'model', 'token_type']);
const COST_METRIC_COLUMNS = new Set(['amount', 'list_amount', 'currency', 'requests']);

function leftovers(row: Record<string, unknown> | null | undefined, known: Set<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row ?? {})) if (!known.has(k) && v !== null && v !== undefined) out[k] = v;
  return out;
}

export function normalizeAnalyticsUsageRow(r: AnalyticsUsageRow, account?: string): UsageFactInsert {
  const g: AnalyticsGroup = r.group ?? {};
  const u = r.usage;
  const write5m = u.cache_creation.ephemeral_5m_input_tokens;
  const write1h = u.cache_creation.ephemeral_1h_input_tokens;
  const extra: Record<string, unknown> = {
    ...leftovers(g, USAGE_GROUP_COLUMNS),
    ...leftovers(u, USAGE_METRIC_COLUMNS),
    cache_write_5m_tokens: write5m,
    requests_reported: u.requests != null,
    api: 'analytics',
  };
  for (const [k, v] of Object.entries(u.server_tool_use ?? {})) if (v !== null && v !== undefined) extra[k] = v;
  return {
    provider: PROVIDER,
    ...(account ? { account } : {}),
    bucket_start: r.starting_at,
    bucket_end: r.ending_at,
    project_id: null,
    api_key_id: g.api_key_id ?? null,
    workspace_id: g.workspace_id ?? null,
    model: g.model ?? null,
    service_tier: g.service_tier ?? null,
    batch: g.service_tier == null ? null : g.service_tier === 'batch',
    context_window: g.context_window ?? null,
    uncached_input_tokens: u.uncached_input_tokens,
    cache_read_tokens: u.cache_read_input_tokens,
    cache_write_tokens: write5m + write1h,
    cache_write_1h_tokens: write1h,
    output_tokens: u.output_tokens,
    requests: u.requests ?? 0,
    extra,
  };
}

/** The line key: every group dimension a cost row can carry, in a fixed order ("a|" keeps it apart from legacy keys). */
export function analyticsCostLineKey(g: AnalyticsGroup): string {
  return ['a', g.workspace_id, g.api_key_id, g.cost_type, g.token_type, g.model, g.service_tier, g.context_window, g.inference_geo, g.speed].map((v) => v ?? '').join('|');
}

/** The line holding what the grouped rows of a day did not cover (the top-N cap has no remainder row). */
export const UNGROUPED_REMAINDER_KEY = 'a|ungrouped-remainder';

const dollars = (cents: Decimal) => centsToDollars(cents.toFixed());

function costLine(
  bucket: { start: Date; end: Date },
  currency: string,
  amountCents: Decimal,
  listCents: Decimal,
  fields: Partial<CostLineItemInsert> & { line_key: string },
  extra: Record<string, unknown>,
  account?: string,
): CostLineItemInsert {
  const amount = dollars(amountCents);
  const list = dollars(listCents);
  return {
    source: PROVIDER,
    ...(account ? { account } : {}),
    charge_period_start: bucket.start,
    charge_period_end: bucket.end,
    provider_name: 'Anthropic',
    billing_account_id: null,
    billing_currency: currency,
    billed_cost: amount,
    effective_cost: amount,
    list_cost: list,
    contracted_cost: null,
    charge_category: amountCents.isNeg() ? 'Credit' : 'Usage',
    charge_description: null,
    service_name: 'Claude API',
    service_category: 'AI and Machine Learning',
    x_workspace_id: null,
    x_api_key_id: null,
    x_model: null,
    x_token_type: null,
    x_line_item: null,
    ...fields,
    // The negotiated discount of the line: list − billed (post-discount, pre-credit), in the bill's currency.
    extra: { ...extra, amount_cents: amountCents.toFixed(), list_amount_cents: listCents.toFixed(), discount: dollars(listCents.minus(amountCents)), api: 'analytics' },
  };
}

export function normalizeAnalyticsCostRow(r: AnalyticsCostRow, account?: string): CostLineItemInsert {
  const g: AnalyticsGroup = r.group ?? {};
  const describe = [g.model, g.cost_type, g.token_type].filter(Boolean).join(' ');
  return costLine(
    { start: r.starting_at, end: r.ending_at },
    r.cost.currency,
    new Decimal(r.cost.amount),
    new Decimal(r.cost.list_amount),
    {
      line_key: analyticsCostLineKey(g),
      charge_description: describe || null,
      x_workspace_id: g.workspace_id ?? null,
      x_api_key_id: g.api_key_id ?? null,
      x_model: g.model ?? null,
      x_token_type: g.token_type ?? null,
    },
    { ...leftovers(g, COST_GROUP_COLUMNS), ...leftovers(r.cost, COST_METRIC_COLUMNS), ...(r.cost.requests != null ? { requests: r.cost.requests } : {}) },
    account,
  );
}

const bucketKey = (r: { starting_at: Date; ending_at: Date }) => `${r.starting_at.toISOString()}/${r.ending_at.toISOString()}`;

/**
 * Grouped cost rows → lines, checked against the ungrouped totals of the same buckets: grouped results
 * are capped at the top groups with no remainder row, so whatever the groups do not add up to becomes
 * one visible unattributed line per day (negative if the groups overshoot the total: an adjustment,
 * never silently dropped). A day with grouped rows but no total is refused.
 */
export function normalizeAnalyticsCost(grouped: AnalyticsCostRow[], totals: AnalyticsCostRow[], account?: string): { lines: CostLineItemInsert[]; problems: string[] } {
  const lines = grouped.map((r) => normalizeAnalyticsCostRow(r, account));
  const sums = new Map<string, { amount: Decimal; list: Decimal; groups: number; currency: string }>();
  for (const r of grouped) {
    const k = bucketKey(r);
    const s = sums.get(k) ?? { amount: new Decimal(0), list: new Decimal(0), groups: 0, currency: r.cost.currency };
    s.amount = s.amount.plus(r.cost.amount);
    s.list = s.list.plus(r.cost.list_amount);
    s.groups++;
    sums.set(k, s);
  }
  const problems: string[] = [];
  const totalByBucket = new Map<string, { amount: Decimal; list: Decimal; currency: string; row: AnalyticsCostRow }>();
  for (const t of totals) {
    const k = bucketKey(t);
    const e = totalByBucket.get(k);
    if (e && e.currency !== t.cost.currency) problems.push(`ungrouped totals for ${k} in two currencies (${e.currency}, ${t.cost.currency})`);
    totalByBucket.set(k, { amount: (e?.amount ?? new Decimal(0)).plus(t.cost.amount), list: (e?.list ?? new Decimal(0)).plus(t.cost.list_amount), currency: t.cost.currency, row: t });
  }
  for (const k of sums.keys()) if (!totalByBucket.has(k)) problems.push(`grouped cost rows for ${k} but no ungrouped total to check them against`);
  for (const [k, t] of totalByBucket) {
    const s = sums.get(k);
    if (s && s.currency !== t.currency) {
      problems.push(`grouped rows for ${k} are in ${s.currency} but the total is in ${t.currency}`);
      continue;
    }
    const amount = t.amount.minus(s?.amount ?? 0);
    const list = t.list.minus(s?.list ?? 0);
    if (amount.isZero() && list.isZero()) continue;
    lines.push(
      costLine(
        { start: t.row.starting_at, end: t.row.ending_at },
        t.currency,
        amount,
        list,
        { line_key: UNGROUPED_REMAINDER_KEY, charge_description: 'Anthropic cost not covered by the grouped rows (top-group cap): unattributed', charge_category: amount.isNeg() ? 'Adjustment' : 'Usage' },
        { remainder: true, grouped_rows: s?.groups ?? 0 },
        account,
      ),
    );
  }
  return { lines, problems };
}

const USAGE_TOTALS = ['uncached_input_tokens', 'cache_read_tokens', 'cache_write_tokens', 'cache_write_1h_tokens', 'output_tokens', 'requests'] as const;

/**
 * Grouped usage rows → usage facts, checked against the ungrouped hourly totals: what the top-N cap
 * left out of an hour becomes one fact with no dimensions (`extra.remainder`), so tokens are never
 * silently missing (every real group names a model, so it cannot collide with a grouped row). An
 * hour whose groups exceed its total is reported, not netted.
 */
export function normalizeAnalyticsUsage(grouped: AnalyticsUsageRow[], totals: AnalyticsUsageRow[], account?: string): { facts: UsageFactInsert[]; problems: string[] } {
  const facts = grouped.map((r) => normalizeAnalyticsUsageRow(r, account));
  type Sums = Record<(typeof USAGE_TOTALS)[number], number> & { rows: number };
  const sums = new Map<string, Sums>();
  for (const f of facts) {
    const k = `${(f.bucket_start as Date).toISOString()}/${(f.bucket_end as Date).toISOString()}`;
    const s = sums.get(k) ?? { uncached_input_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0, cache_write_1h_tokens: 0, output_tokens: 0, requests: 0, rows: 0 };
    for (const c of USAGE_TOTALS) s[c] += Number(f[c] ?? 0);
    s.rows++;
    sums.set(k, s);
  }
  // Requests may be unattributable on some rows (null, stored as 0): only tokens decide.
  const tokenCols = USAGE_TOTALS.filter((c) => c !== 'requests');
  const problems: string[] = [];
  const totalKeys = new Set(totals.map(bucketKey));
  for (const k of sums.keys()) if (!totalKeys.has(k)) problems.push(`grouped usage rows for ${k} but no ungrouped total to check them against`);
  for (const t of totals) {
    const total = normalizeAnalyticsUsageRow({ ...t, group: null }, account);
    const k = bucketKey(t);
    const s = sums.get(k);
    const diff = Object.fromEntries(USAGE_TOTALS.map((c) => [c, Number(total[c] ?? 0) - (s?.[c] ?? 0)])) as Record<(typeof USAGE_TOTALS)[number], number>;
    if (tokenCols.some((c) => diff[c] < 0)) {
      problems.push(`grouped usage rows for ${k} exceed the ungrouped total (${tokenCols.map((c) => `${c} ${diff[c]}`).join(', ')})`);
      continue;
    }
    if (tokenCols.every((c) => diff[c] === 0)) continue;
    facts.push({
      ...total,
      ...diff,
      requests: Math.max(0, diff.requests),
      extra: { cache_write_5m_tokens: diff.cache_write_tokens - diff.cache_write_1h_tokens, requests_reported: false, api: 'analytics', remainder: true, grouped_rows: s?.rows ?? 0 },
    });
  }
  return { facts, problems };
}
