import { z } from 'zod';
import { CENTS_RE } from './schema.ts';

/**
 * zod schemas for the Usage and Cost Analytics API (beta `analytics-usage-cost-2026-08-24`): flat
 * rows `{starting_at, ending_at, group: {…}, usage|cost: {…}}` instead of buckets of results. Shapes
 * follow the official SDKs' `beta.organization.analytics` types (dimension values are null unless
 * grouped by; cost amounts are decimal strings of fractional cents). Dimensions and fields Anthropic
 * adds later pass through untouched; strict only on token counts, bounds and money.
 */

const tokens = z.number().int().nonnegative();
const dim = z.string().nullish();
const rfc3339 = z.iso.datetime({ offset: true }).transform((s) => new Date(s));
const cents = z.string().trim().regex(CENTS_RE, 'expected a decimal string of cents such as "123.78912"');

export const analyticsGroupSchema = z.looseObject({
  api_key_id: dim,
  workspace_id: dim,
  model: dim,
  service_tier: dim,
  context_window: dim,
  inference_geo: dim,
  speed: dim,
  cost_type: dim,
  token_type: dim,
});
export type AnalyticsGroup = z.infer<typeof analyticsGroupSchema>;

export const analyticsUsageMetricsSchema = z.looseObject({
  uncached_input_tokens: tokens,
  cache_read_input_tokens: tokens,
  cache_creation: z.looseObject({ ephemeral_5m_input_tokens: tokens, ephemeral_1h_input_tokens: tokens }),
  output_tokens: tokens,
  server_tool_use: z.looseObject({ web_search_requests: tokens.nullish() }).nullish(),
  /** Null when the count cannot be attributed to the row. */
  requests: tokens.nullish(),
  total_tokens: tokens.nullish(),
});

export const analyticsCostMetricsSchema = z.looseObject({
  /** Post-discount, pre-credit, in fractional cents. */
  amount: cents,
  /** List price (pre-discount), in fractional cents. */
  list_amount: cents,
  currency: z.string().trim().min(1),
  requests: tokens.nullish(),
});

/** zod 4 runs object refinements even after a field failed: only compare two real dates. */
const boundsInOrder = (r: { starting_at: unknown; ending_at: unknown }) =>
  !(r.starting_at instanceof Date && r.ending_at instanceof Date) || r.ending_at.getTime() > r.starting_at.getTime();
const boundsMessage = { message: 'row ending_at must be after starting_at', path: ['ending_at'] };

export const analyticsUsageRowSchema = z
  .looseObject({ starting_at: rfc3339, ending_at: rfc3339, group: analyticsGroupSchema.nullish(), usage: analyticsUsageMetricsSchema })
  .refine(boundsInOrder, boundsMessage);
export const analyticsCostRowSchema = z
  .looseObject({ starting_at: rfc3339, ending_at: rfc3339, group: analyticsGroupSchema.nullish(), cost: analyticsCostMetricsSchema })
  .refine(boundsInOrder, boundsMessage);

function pageSchema<R extends z.ZodType>(row: R) {
  return z.looseObject({ data: z.array(row), has_more: z.boolean(), next_page: z.string().nullish() });
}

export const analyticsUsagePageSchema = pageSchema(analyticsUsageRowSchema);
export const analyticsCostPageSchema = pageSchema(analyticsCostRowSchema);

export type AnalyticsUsageRow = z.infer<typeof analyticsUsageRowSchema>;
export type AnalyticsCostRow = z.infer<typeof analyticsCostRowSchema>;
export type AnalyticsUsagePage = z.infer<typeof analyticsUsagePageSchema>;
export type AnalyticsCostPage = z.infer<typeof analyticsCostPageSchema>;
