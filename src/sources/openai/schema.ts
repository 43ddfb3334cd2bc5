import { Decimal } from 'decimal.js';
import { z } from 'zod';

/**
 * zod schemas for the OpenAI Administration API pages we read. Tolerant by design: both generations
 * of the completions result (before/after the 2026-07 cache-write fields) and of the costs result
 * (with/without quantity_unit) parse; fields OpenAI adds later pass through untouched; dimension
 * values we do not know (a new service_tier) are kept as plain strings. Strict only where a wrong
 * value would corrupt numbers: token counts, bucket bounds and money.
 */

const tokens = z.number().int().nonnegative();
const optionalTokens = tokens.nullish();
const dim = z.string().nullish();
const unixSeconds = z.number().int().nonnegative();

/** A plain decimal literal, optionally with an exponent ("12.50", "-3", "1e-7"). */
const DECIMAL_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * An exact decimal string from a JSON number or string. A number is converted through its shortest
 * round-trip spelling (String(v)), never through arithmetic, so 0.06 stays "0.06".
 */
export const decimalValue = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const text = typeof v === 'number' ? String(v) : v.trim();
  if (!(typeof v === 'number' ? Number.isFinite(v) : DECIMAL_RE.test(text))) {
    ctx.addIssue({ code: 'custom', message: `expected a decimal amount, got ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  // toFixed() spells exponents out ("1e-7" -> "0.0000001"), exactly.
  return new Decimal(text).toFixed();
});

export const usageCompletionsResultSchema = z.looseObject({
  object: z.string().optional(),
  input_tokens: tokens,
  output_tokens: tokens,
  num_model_requests: tokens,
  // Since 2026-07: input_tokens = uncached + cached + cache writes, each also reported on its own.
  input_cached_tokens: optionalTokens,
  input_cache_write_tokens: optionalTokens,
  input_uncached_tokens: optionalTokens,
  input_text_tokens: optionalTokens,
  output_text_tokens: optionalTokens,
  input_cached_text_tokens: optionalTokens,
  input_audio_tokens: optionalTokens,
  input_cached_audio_tokens: optionalTokens,
  output_audio_tokens: optionalTokens,
  input_image_tokens: optionalTokens,
  input_cached_image_tokens: optionalTokens,
  output_image_tokens: optionalTokens,
  // Dimensions: null unless grouped by them.
  project_id: dim,
  user_id: dim,
  api_key_id: dim,
  model: dim,
  batch: z.boolean().nullish(),
  service_tier: dim,
});
export type UsageCompletionsResult = z.infer<typeof usageCompletionsResultSchema>;

export const costsResultSchema = z.looseObject({
  object: z.string().optional(),
  amount: z.looseObject({
    value: decimalValue,
    currency: z.string().min(1),
  }),
  line_item: dim,
  project_id: dim,
  api_key_id: dim,
  quantity: decimalValue.nullish(),
  quantity_unit: dim,
});
export type CostsResult = z.infer<typeof costsResultSchema>;

function bucketSchema<R extends z.ZodType>(result: R) {
  return z
    .looseObject({
      object: z.string().optional(),
      start_time: unixSeconds,
      end_time: unixSeconds,
      results: z.array(result),
    })
    .refine((b) => b.end_time > b.start_time, { message: 'bucket end_time must be after start_time', path: ['end_time'] });
}

function pageSchema<R extends z.ZodType>(result: R) {
  return z.looseObject({
    object: z.string().optional(),
    data: z.array(bucketSchema(result)),
    has_more: z.boolean(),
    next_page: z.string().nullish(),
  });
}

export const usageBucketSchema = bucketSchema(usageCompletionsResultSchema);
export const usagePageSchema = pageSchema(usageCompletionsResultSchema);
export const costsBucketSchema = bucketSchema(costsResultSchema);
export const costsPageSchema = pageSchema(costsResultSchema);

export type UsageBucket = z.infer<typeof usageBucketSchema>;
export type UsagePage = z.infer<typeof usagePageSchema>;
export type CostsBucket = z.infer<typeof costsBucketSchema>;
export type CostsPage = z.infer<typeof costsPageSchema>;

/** What the paginator needs of any page. */
export interface OpenAIPage<B> {
  data: B[];
  has_more: boolean;
  next_page?: string | null | undefined;
}

/**
 * A Decisions API usage result (`/organization/usage/decisions`): the completions fields plus the
 * `api_source` it can be grouped by and the cache-write TTL splits; unknown additions pass through.
 */
export const usageDecisionsResultSchema = usageCompletionsResultSchema.extend({
  api_source: dim,
  input_cache_write_30m_tokens: optionalTokens,
  input_cache_write_12h_tokens: optionalTokens,
});
export type UsageDecisionsResult = z.infer<typeof usageDecisionsResultSchema>;
export const usageDecisionsPageSchema = pageSchema(usageDecisionsResultSchema);
export type UsageDecisionsBucket = z.infer<typeof usageDecisionsPageSchema>['data'][number];

/**
 * A hard spend limit (`GET /organization/spend_limit`, `/organization/projects/{id}/spend_limit`):
 * `threshold_amount` in integer cents; `enforcement.status` kept as a plain string (new states pass).
 */
export const spendLimitSchema = z.looseObject({
  object: z.string().optional(),
  threshold_amount: z.number().int().nonnegative(),
  currency: z.string().trim().min(1),
  interval: dim,
  enforcement: z.looseObject({ status: dim }).nullish(),
});
export type SpendLimit = z.infer<typeof spendLimitSchema>;
