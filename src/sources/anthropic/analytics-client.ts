import type { HttpDeps } from '../http.ts';
import {
  ANALYTICS_BETA,
  ANALYTICS_COST_GROUP_BY,
  ANALYTICS_MAX_DAYS,
  ANALYTICS_PAGE_LIMIT,
  ANALYTICS_USAGE_GROUP_BY,
  ANTHROPIC_PATHS,
} from './endpoints.ts';
import { analyticsCostPageSchema, analyticsUsagePageSchema, type AnalyticsCostPage, type AnalyticsUsagePage } from './analytics-schema.ts';
import { paginate, rfc3339, type AnthropicClientOptions } from './client.ts';

const DAY_MS = 86_400_000;
const BETA_HEADERS = { 'anthropic-beta': ANALYTICS_BETA };

/** [start, end) in consecutive pieces of at most 31 days: the analytics API's per-request limit. */
export function analyticsChunks(window: { start: Date; end: Date }): Array<{ start: Date; end: Date }> {
  const out: Array<{ start: Date; end: Date }> = [];
  for (let t = window.start.getTime(); t < window.end.getTime(); t += ANALYTICS_MAX_DAYS * DAY_MS) {
    out.push({ start: new Date(t), end: new Date(Math.min(window.end.getTime(), t + ANALYTICS_MAX_DAYS * DAY_MS)) });
  }
  return out;
}

function params(w: { start: Date; end: Date }, width: '1h' | '1d', groupBy: readonly string[]): Array<[string, string]> {
  return [
    ['starting_at', rfc3339(w.start)],
    ['ending_at', rfc3339(w.end)],
    ['time_bucket_width', width],
    ...groupBy.map((g): [string, string] => ['group_by[]', g]),
    ['limit', String(ANALYTICS_PAGE_LIMIT)],
  ];
}

/**
 * Hourly usage rows for [start, end): grouped by the usage_facts dimensions when `grouped`, else the
 * one ungrouped total per hour (the check on the top-N cap); chunked, cursor-paged.
 */
export async function* analyticsUsagePages(
  http: HttpDeps,
  opts: AnthropicClientOptions,
  window: { start: Date; end: Date },
  grouped = true,
): AsyncGenerator<AnalyticsUsagePage> {
  for (const w of analyticsChunks(window)) {
    yield* paginate(http, opts, ANTHROPIC_PATHS.analyticsUsage, params(w, '1h', grouped ? ANALYTICS_USAGE_GROUP_BY : []), analyticsUsagePageSchema, BETA_HEADERS);
  }
}

/**
 * Daily cost rows for [start, end) (whole UTC days): grouped by key, workspace, model, tier and
 * component when `grouped`, else the one ungrouped total per day (the check on the top-N cap).
 */
export async function* analyticsCostPages(
  http: HttpDeps,
  opts: AnthropicClientOptions,
  window: { start: Date; end: Date },
  grouped: boolean,
): AsyncGenerator<AnalyticsCostPage> {
  for (const w of analyticsChunks(window)) {
    yield* paginate(http, opts, ANTHROPIC_PATHS.analyticsCost, params(w, '1d', grouped ? ANALYTICS_COST_GROUP_BY : []), analyticsCostPageSchema, BETA_HEADERS);
  }
}
