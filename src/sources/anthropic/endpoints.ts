/**
 * Every Anthropic Admin API path and wire constant in one place: the legacy usage/cost reports and
 * their replacement, the Usage and Cost Analytics API (beta, `/v1/organizations/analytics/{usage,cost}`).
 */
export const ANTHROPIC_VERSION = '2023-06-01';

export const ANTHROPIC_PATHS = {
  usageMessages: '/v1/organizations/usage_report/messages',
  costReport: '/v1/organizations/cost_report',
  analyticsUsage: '/v1/organizations/analytics/usage',
  analyticsCost: '/v1/organizations/analytics/cost',
} as const;

/** Sent on every analytics request (beside anthropic-version). */
export const ANALYTICS_BETA = 'analytics-usage-cost-2026-08-24';

/** The analytics API answers at most 31 days per request: longer windows are chunked. */
export const ANALYTICS_MAX_DAYS = 31;

/** Rows per analytics page (`limit` sets the page size in rows, not buckets). */
export const ANALYTICS_PAGE_LIMIT = 100;

/**
 * Analytics usage grouping: the same usage_facts dimensions the legacy report is grouped by, so both
 * generations store the same facts.
 */
export const ANALYTICS_USAGE_GROUP_BY = ['api_key_id', 'workspace_id', 'model', 'service_tier', 'context_window'] as const;

/**
 * Analytics cost grouping, in one call: key, workspace, model and tier (what attribution rules and the
 * allocation join match on) and the component (cost_type, token_type) that weights a line by its
 * token class. Grouped rows are capped (top groups only, no remainder row): the connector always
 * fetches the ungrouped total too and keeps the difference as an unattributed line.
 */
export const ANALYTICS_COST_GROUP_BY = ['api_key_id', 'workspace_id', 'model', 'service_tier', 'cost_type', 'token_type'] as const;

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
