/**
 * Every Anthropic Admin API path and wire constant in one place. Both report endpoints are labelled
 * legacy in favour of `/v1/organizations/analytics/{usage,cost}` (beta); moving over should only
 * touch this file and the schemas.
 */
export const ANTHROPIC_VERSION = '2023-06-01';

export const ANTHROPIC_PATHS = {
  usageMessages: '/v1/organizations/usage_report/messages',
  costReport: '/v1/organizations/cost_report',
} as const;

/** Dimensions we group usage by: exactly the usage_facts natural-key dimensions Anthropic has. */
export const USAGE_GROUP_BY = ['api_key_id', 'workspace_id', 'model', 'service_tier', 'context_window'] as const;
/** The cost report can only be grouped by these two. */
export const COST_GROUP_BY = ['workspace_id', 'description'] as const;

/** Buckets per page, per bucket width (the API's maxima). */
export const MAX_LIMIT = { '1m': 1440, '1h': 168, '1d': 31 } as const;
export type BucketWidth = keyof typeof MAX_LIMIT;

/**
 * Joins a path onto ANTHROPIC_BASE_URL, keeping any path prefix the base carries (a proxy mount such
 * as `https://gateway.example/anthropic`).
 */
export function anthropicUrl(baseUrl: string, path: string): URL {
  const base = new URL(baseUrl);
  base.pathname = `${base.pathname.replace(/\/+$/, '')}${path}`;
  base.search = '';
  return base;
}
