import type { CostLineItemInsert, UsageFactInsert } from '../../db/types.ts';
import { centsToDollars } from './cents.ts';
import type { CostBucket, CostResult, UsageBucket, UsageResult } from './schema.ts';

/**
 * Pure mapping of validated Anthropic pages to fact rows. No I/O, no clock: unit-tested on the
 * vendor's documented payloads of both generations.
 */

export const PROVIDER = 'anthropic';

const USAGE_KNOWN = new Set([
  'uncached_input_tokens',
  'cache_read_input_tokens',
  'cache_creation',
  'output_tokens',
  'server_tool_use',
  'api_key_id',
  'workspace_id',
  'model',
  'service_tier',
  'context_window',
]);

/** Fields we do not model as columns, kept as they came (nulls dropped) so nothing is lost. */
function leftovers(row: Record<string, unknown>, known: Set<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) if (!known.has(k) && v !== null && v !== undefined) out[k] = v;
  return out;
}

export function normalizeUsageResult(r: UsageResult, bucket: { start: Date; end: Date }, account?: string): UsageFactInsert {
  const write5m = r.cache_creation.ephemeral_5m_input_tokens;
  const write1h = r.cache_creation.ephemeral_1h_input_tokens;
  const extra: Record<string, unknown> = {
    ...leftovers(r, USAGE_KNOWN),
    cache_write_5m_tokens: write5m,
    // The messages usage report carries no request count: `requests` is stored as 0, not measured.
    requests_reported: false,
  };
  // Server-side tool calls (web_search_requests, and whatever Anthropic adds) are counted, not tokens.
  for (const [k, v] of Object.entries(r.server_tool_use ?? {})) if (v !== null && v !== undefined) extra[k] = v;
  return {
    provider: PROVIDER,
    ...(account ? { account } : {}),
    bucket_start: bucket.start,
    bucket_end: bucket.end,
    project_id: null,
    api_key_id: r.api_key_id ?? null,
    workspace_id: r.workspace_id ?? null,
    model: r.model ?? null,
    service_tier: r.service_tier ?? null,
    // Anthropic has no batch flag: Message Batches usage is reported as service_tier "batch".
    batch: r.service_tier == null ? null : r.service_tier === 'batch',
    context_window: r.context_window ?? null,
    uncached_input_tokens: r.uncached_input_tokens,
    cache_read_tokens: r.cache_read_input_tokens,
    cache_write_tokens: write5m + write1h,
    cache_write_1h_tokens: write1h,
    output_tokens: r.output_tokens,
    requests: 0,
    extra,
  };
}

export function normalizeUsageBucket(b: UsageBucket, account?: string): UsageFactInsert[] {
  return b.results.map((r) => normalizeUsageResult(r, { start: b.starting_at, end: b.ending_at }, account));
}

const COST_KNOWN = new Set(['amount', 'currency', 'workspace_id', 'description', 'token_type', 'model']);

/**
 * The line key: every dimension a cost row can be split by, in a fixed order, so a re-pull of the
 * same day lands on the same row. A null workspace (the default workspace) is the empty segment.
 */
export function costLineKey(r: CostResult): string {
  return [r.workspace_id, r.description, r.cost_type, r.token_type, r.model, r.service_tier, r.context_window, r.inference_geo, r.speed]
    .map((v) => v ?? '')
    .join('|');
}

export function normalizeCostResult(r: CostResult, bucket: { start: Date; end: Date }, account?: string): CostLineItemInsert {
  const amount = centsToDollars(r.amount);
  return {
    source: PROVIDER,
    ...(account ? { account } : {}),
    line_key: costLineKey(r),
    charge_period_start: bucket.start,
    charge_period_end: bucket.end,
    provider_name: 'Anthropic',
    billing_account_id: null,
    // Kept in the currency the bill is in; conversion to the reporting currency happens downstream.
    billing_currency: r.currency,
    billed_cost: amount,
    effective_cost: amount,
    list_cost: null,
    contracted_cost: null,
    charge_category: amount.startsWith('-') ? 'Credit' : 'Usage',
    charge_description: r.description ?? null,
    service_name: 'Claude API',
    service_category: 'AI and Machine Learning',
    x_workspace_id: r.workspace_id ?? null,
    x_model: r.model ?? null,
    x_token_type: r.token_type ?? null,
    x_line_item: r.description ?? null,
    extra: { ...leftovers(r, COST_KNOWN), amount_cents: r.amount },
  };
}

export function normalizeCostBucket(b: CostBucket, account?: string): CostLineItemInsert[] {
  return b.results.map((r) => normalizeCostResult(r, { start: b.starting_at, end: b.ending_at }, account));
}
