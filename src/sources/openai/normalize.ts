import { Decimal as BaseDecimal } from 'decimal.js';
import type { CostLineItemInsert, UsageFactInsert } from '../../db/types.ts';
import { BreakevenError } from '../../errors.ts';
import { parseLineItem } from './line-item.ts';
import type { CostsBucket, CostsResult, UsageBucket, UsageCompletionsResult, UsageDecisionsBucket } from './schema.ts';

/**
 * Pure mapping of validated OpenAI pages to fact rows. Facts are keyed on the bucket's own start AND
 * end (the first bucket of a call may start at the caller's unaligned start_time, the last may end
 * at "now"), plus every grouping dimension.
 *
 * Two results with the same key in one bucket (possible when a dimension we do not store, such as
 * user_id, splits them) are SUMMED: each result is a disjoint slice of the bucket's usage, so the sum
 * is the usage of the key, and the natural-key upsert then sees one row.
 */

// Sums of money must be exact: far more significant digits than any amount can carry.
const Decimal = BaseDecimal.clone({ precision: 60 });

export const OPENAI_PROVIDER = 'openai';
export const OPENAI_PROVIDER_NAME = 'OpenAI';
export const OPENAI_SERVICE_NAME = 'OpenAI API';

/** Fields that map to columns; every other numeric *_tokens field (audio/image/text splits) goes to `extra`. */
const CORE_TOKEN_FIELDS = new Set(['input_tokens', 'output_tokens', 'input_cached_tokens', 'input_cache_write_tokens', 'input_uncached_tokens']);
const SPLIT_FIELD_RE = /^(input|output)_[a-z_]*tokens$/;

const toDate = (unixSeconds: number) => new Date(unixSeconds * 1000);
const isoS = (unixSeconds: number) => toDate(unixSeconds).toISOString().replace('.000Z', 'Z');

function describeBucket(bucket: { start_time: number; end_time: number }, dims: Record<string, unknown>): string {
  const named = Object.entries(dims)
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => `${k}=${String(v)}`);
  return `bucket ${isoS(bucket.start_time)}/${isoS(bucket.end_time)}${named.length ? ` (${named.join(', ')})` : ''}`;
}

/**
 * Uncached input tokens: the explicit field when the API sends it (since 2026-07), else
 * input − cached − cache writes. Negative means the payload contradicts itself: fail loudly, naming
 * the bucket, rather than store a wrong number.
 */
export function uncachedInputTokens(r: UsageCompletionsResult, where = 'result'): number {
  if (r.input_uncached_tokens !== null && r.input_uncached_tokens !== undefined) return r.input_uncached_tokens;
  const cached = r.input_cached_tokens ?? 0;
  const writes = r.input_cache_write_tokens ?? 0;
  const uncached = r.input_tokens - cached - writes;
  if (uncached < 0) {
    throw new BreakevenError(
      `openai: inconsistent usage in ${where}: input_tokens ${r.input_tokens} is less than input_cached_tokens ${cached} + input_cache_write_tokens ${writes}`,
    );
  }
  return uncached;
}

function splitFields(r: UsageCompletionsResult): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(r)) {
    if (CORE_TOKEN_FIELDS.has(k) || !SPLIT_FIELD_RE.test(k) || typeof v !== 'number') continue;
    out[k] = v;
  }
  return out;
}

export function normalizeUsageResult(bucket: { start_time: number; end_time: number }, r: UsageCompletionsResult): UsageFactInsert {
  const dims = {
    project_id: r.project_id ?? null,
    api_key_id: r.api_key_id ?? null,
    model: r.model ?? null,
    service_tier: r.service_tier ?? null,
    batch: r.batch ?? null,
  };
  return {
    provider: OPENAI_PROVIDER,
    bucket_start: toDate(bucket.start_time),
    bucket_end: toDate(bucket.end_time),
    ...dims,
    workspace_id: null,
    context_window: null,
    uncached_input_tokens: uncachedInputTokens(r, describeBucket(bucket, dims)),
    cache_read_tokens: r.input_cached_tokens ?? 0,
    cache_write_tokens: r.input_cache_write_tokens ?? 0,
    cache_write_1h_tokens: 0,
    output_tokens: r.output_tokens,
    requests: r.num_model_requests,
    extra: splitFields(r),
  };
}

const usageKey = (u: UsageFactInsert) =>
  [(u.bucket_start as Date).getTime(), (u.bucket_end as Date).getTime(), u.project_id, u.api_key_id, u.model, u.service_tier, u.batch].join('|');

const USAGE_SUMMED = ['uncached_input_tokens', 'cache_read_tokens', 'cache_write_tokens', 'cache_write_1h_tokens', 'output_tokens', 'requests'] as const;

function addUsage(into: UsageFactInsert, more: UsageFactInsert): void {
  for (const c of USAGE_SUMMED) into[c] = Number(into[c] ?? 0) + Number(more[c] ?? 0);
  const extra = into.extra as Record<string, number>;
  for (const [k, v] of Object.entries(more.extra as Record<string, number>)) extra[k] = (extra[k] ?? 0) + v;
}

/** Rows with one natural key summed into one (token columns and numeric extras). */
export function mergeUsageRows(all: Iterable<UsageFactInsert>): UsageFactInsert[] {
  const rows = new Map<string, UsageFactInsert>();
  for (const row of all) {
    const k = usageKey(row);
    const seen = rows.get(k);
    if (seen) addUsage(seen, row);
    else rows.set(k, row);
  }
  return [...rows.values()];
}

/** Usage buckets (any number of pages of one window) → one row per (bucket, dimensions). Empty buckets give nothing. */
export function normalizeUsageBuckets(buckets: readonly UsageBucket[]): UsageFactInsert[] {
  return mergeUsageRows(buckets.flatMap((bucket) => bucket.results.map((r) => normalizeUsageResult(bucket, r))));
}

/**
 * Decisions API usage → usage rows on the same natural key as completions (project, key, model,
 * tier, batch), so they merge with the completions usage of the same model and the invoice lines of
 * that model are weighted by all of its tokens. What came from Decisions stays visible in `extra`:
 * its requests and tokens, and its requests per `api_source` (the one dimension the facts do not key on).
 */
export function normalizeDecisionsBuckets(buckets: readonly UsageDecisionsBucket[]): UsageFactInsert[] {
  return buckets.flatMap((bucket) =>
    bucket.results.map((r) => {
      const row = normalizeUsageResult(bucket, r);
      const extra = row.extra as Record<string, number>;
      extra.decisions_requests = r.num_model_requests;
      extra.decisions_input_tokens = r.input_tokens;
      extra.decisions_output_tokens = r.output_tokens;
      if (r.api_source) extra[`decisions_requests_api_source:${r.api_source}`] = r.num_model_requests;
      return row;
    }),
  );
}

/** The stable key of a cost line within its day: the grouping dimensions, in a fixed order. */
export function costLineKey(r: Pick<CostsResult, 'project_id' | 'line_item' | 'api_key_id'>): string {
  return [r.project_id ?? '', r.line_item ?? '', r.api_key_id ?? ''].join('|');
}

export function normalizeCostResult(bucket: { start_time: number; end_time: number }, r: CostsResult): CostLineItemInsert {
  const { model, tokenType } = parseLineItem(r.line_item);
  const amount = r.amount.value;
  return {
    source: OPENAI_PROVIDER,
    line_key: costLineKey(r),
    charge_period_start: toDate(bucket.start_time),
    charge_period_end: toDate(bucket.end_time),
    provider_name: OPENAI_PROVIDER_NAME,
    billing_currency: r.amount.currency.toUpperCase(),
    billed_cost: amount,
    effective_cost: amount,
    // Negative amounts are credits (FOCUS ChargeCategory "Credit"); they are kept, never dropped.
    charge_category: new Decimal(amount).isNegative() ? 'Credit' : 'Usage',
    charge_description: r.line_item ?? null,
    service_name: OPENAI_SERVICE_NAME,
    service_category: 'AI and Machine Learning',
    consumed_quantity: r.quantity ?? null,
    consumed_unit: r.quantity_unit ?? null,
    x_project_id: r.project_id ?? null,
    x_api_key_id: r.api_key_id ?? null,
    x_model: model,
    x_token_type: tokenType,
    x_line_item: r.line_item ?? null,
  };
}

function addCost(into: CostLineItemInsert, more: CostLineItemInsert, where: string): void {
  if (into.billing_currency !== more.billing_currency) {
    throw new BreakevenError(`openai: one cost line in two currencies (${into.billing_currency}, ${more.billing_currency}) in ${where}`);
  }
  const sum = new Decimal(String(into.billed_cost)).plus(String(more.billed_cost)).toFixed();
  into.billed_cost = sum;
  into.effective_cost = sum;
  into.charge_category = new Decimal(sum).isNegative() ? 'Credit' : 'Usage';
  if (into.consumed_quantity !== null && into.consumed_quantity !== undefined && more.consumed_quantity !== null && more.consumed_quantity !== undefined && into.consumed_unit === more.consumed_unit) {
    into.consumed_quantity = new Decimal(String(into.consumed_quantity)).plus(String(more.consumed_quantity)).toFixed();
  } else {
    // Quantities that cannot be added (one missing, units differ) would be a made-up number.
    into.consumed_quantity = null;
    into.consumed_unit = null;
  }
}

/** Cost buckets → one line per (day, project, line item, API key); duplicate lines of a day are summed exactly. */
export function normalizeCostBuckets(buckets: readonly CostsBucket[]): CostLineItemInsert[] {
  const rows = new Map<string, CostLineItemInsert>();
  for (const bucket of buckets) {
    for (const r of bucket.results) {
      const row = normalizeCostResult(bucket, r);
      const k = `${bucket.start_time}|${bucket.end_time}|${row.line_key}`;
      const seen = rows.get(k);
      if (seen) addCost(seen, row, describeBucket(bucket, { line_key: row.line_key }));
      else rows.set(k, row);
    }
  }
  return [...rows.values()];
}
