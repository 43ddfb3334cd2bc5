import { z } from 'zod';

/**
 * zod schemas for the Anthropic Admin API pages we read. Both documented generations parse (2025;
 * 2026 adds account_id, service_account_id, inference_geo, speed); fields Anthropic adds later pass
 * through untouched; dimension values we do not know (a new service_tier or context_window) stay
 * plain strings. Strict only where a wrong value would corrupt numbers: token counts, bucket bounds
 * and money.
 */

const tokens = z.number().int().nonnegative();
const dim = z.string().nullish();

/** RFC 3339 with Z or an offset ("2025-08-01T00:00:00Z"). */
const rfc3339 = z.iso.datetime({ offset: true }).transform((s) => new Date(s));

/**
 * A plain decimal literal, as the cost report spells cents ("123.78912", "-5", "0.25"). Exponents and
 * JSON numbers are refused: money that already went through a float cannot be trusted to the cent.
 */
export const CENTS_RE = /^-?\d+(\.\d+)?$/;
const cents = z.string().trim().regex(CENTS_RE, 'expected a decimal string of cents such as "123.78912"');

export const usageResultSchema = z.looseObject({
  uncached_input_tokens: tokens,
  cache_read_input_tokens: tokens,
  cache_creation: z.looseObject({
    ephemeral_5m_input_tokens: tokens,
    ephemeral_1h_input_tokens: tokens,
  }),
  output_tokens: tokens,
  server_tool_use: z.looseObject({ web_search_requests: tokens.nullish() }).nullish(),
  // Dimensions: null unless grouped by them (api_key_id null = Console; workspace_id null = default workspace).
  api_key_id: dim,
  workspace_id: dim,
  model: dim,
  service_tier: dim,
  context_window: dim,
  // 2026 generation.
  account_id: dim,
  service_account_id: dim,
  inference_geo: dim,
  speed: dim,
});
export type UsageResult = z.infer<typeof usageResultSchema>;

export const costResultSchema = z.looseObject({
  amount: cents,
  currency: z.string().trim().min(1),
  workspace_id: dim,
  description: dim,
  cost_type: dim,
  token_type: dim,
  model: dim,
  service_tier: dim,
  context_window: dim,
  inference_geo: dim,
  speed: dim,
});
export type CostResult = z.infer<typeof costResultSchema>;

function bucketSchema<R extends z.ZodType>(result: R) {
  return z
    .looseObject({
      starting_at: rfc3339,
      ending_at: rfc3339,
      results: z.array(result),
    })
    // zod 4 runs object refinements even after a field failed: only compare two real dates.
    .refine((b) => !(b.starting_at instanceof Date && b.ending_at instanceof Date) || b.ending_at.getTime() > b.starting_at.getTime(), { message: 'bucket ending_at must be after starting_at', path: ['ending_at'] });
}

function pageSchema<R extends z.ZodType>(result: R) {
  return z.looseObject({
    data: z.array(bucketSchema(result)),
    has_more: z.boolean(),
    next_page: z.string().nullish(),
  });
}

export const usageBucketSchema = bucketSchema(usageResultSchema);
export const usagePageSchema = pageSchema(usageResultSchema);
export const costBucketSchema = bucketSchema(costResultSchema);
export const costPageSchema = pageSchema(costResultSchema);

export type UsageBucket = z.infer<typeof usageBucketSchema>;
export type UsagePage = z.infer<typeof usagePageSchema>;
export type CostBucket = z.infer<typeof costBucketSchema>;
export type CostPage = z.infer<typeof costPageSchema>;
