import type { CostLineItemInsert, UsageFactInsert } from '../../db/types.ts';
import { SourceSchemaError } from '../../errors.ts';
import type { ReplaceScope } from '../../ingest/upsert.ts';
import type { HttpDeps } from '../http.ts';
import { analyticsCostPages, analyticsUsagePages } from './analytics-client.ts';
import { normalizeAnalyticsCost, normalizeAnalyticsUsage } from './analytics-normalize.ts';
import type { AnalyticsCostRow, AnalyticsUsageRow } from './analytics-schema.ts';
import { SOURCE, type AnthropicClientOptions } from './client.ts';
import { ANTHROPIC_PATHS } from './endpoints.ts';

const DAY_MS = 86_400_000;
const isMidnight = (d: Date) => d.getTime() % DAY_MS === 0;

/**
 * One window through the analytics API, without writing: hourly usage always; daily cost (grouped,
 * plus the ungrouped total that checks the top-group cap) only when the window covers whole UTC
 * days, exactly as the legacy collector does, so both write the same facts for the same scope.
 */
export async function collectAnthropicAnalyticsWindow(
  http: HttpDeps,
  opts: AnthropicClientOptions,
  window: { start: Date; end: Date },
): Promise<{ batch: { usage: UsageFactInsert[]; costs: CostLineItemInsert[] }; scope: Omit<ReplaceScope, 'start' | 'end'> }> {
  const groupedUsage: AnalyticsUsageRow[] = [];
  for await (const page of analyticsUsagePages(http, opts, window, true)) groupedUsage.push(...page.data);
  const usageTotals: AnalyticsUsageRow[] = [];
  for await (const page of analyticsUsagePages(http, opts, window, false)) usageTotals.push(...page.data);
  const { facts: usage, problems: usageProblems } = normalizeAnalyticsUsage(groupedUsage, usageTotals);
  if (usageProblems.length) throw new SourceSchemaError(SOURCE, ANTHROPIC_PATHS.analyticsUsage, usageProblems.join('; '), '');
  const costs: CostLineItemInsert[] = [];
  const wholeDays = isMidnight(window.start) && isMidnight(window.end);
  if (wholeDays) {
    const grouped: AnalyticsCostRow[] = [];
    for await (const page of analyticsCostPages(http, opts, window, true)) grouped.push(...page.data);
    const totals: AnalyticsCostRow[] = [];
    for await (const page of analyticsCostPages(http, opts, window, false)) totals.push(...page.data);
    const { lines, problems } = normalizeAnalyticsCost(grouped, totals);
    if (problems.length) throw new SourceSchemaError(SOURCE, ANTHROPIC_PATHS.analyticsCost, problems.join('; '), '');
    costs.push(...lines);
  }
  return { batch: { usage, costs }, scope: { usageProvider: SOURCE, ...(wholeDays ? { costSource: SOURCE } : {}) } };
}
