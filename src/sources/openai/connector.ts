import type { Ctx } from '../../context.ts';
import { ConfigError } from '../../errors.ts';
import type { SourceConnector } from '../../ingest/sources.ts';
import type { FactBatch, ReplaceScope } from '../../ingest/upsert.ts';
import { ingestWindow, type WindowResult } from '../../ingest/window.ts';
import { dayWindows, startOfDay } from '../../time.ts';
import { fetchCostBuckets, fetchUsageBuckets, SOURCE, type OpenAIClient } from './client.ts';
import { normalizeCostBuckets, normalizeUsageBuckets } from './normalize.ts';

export { OPENAI_ENDPOINTS } from './client.ts';

/** Fetches and normalizes one window (no writes): its hourly usage and its daily costs. */
export async function collectOpenAIWindow(
  client: OpenAIClient,
  window: { start: Date; end: Date },
): Promise<{ batch: FactBatch; scope: Omit<ReplaceScope, 'start' | 'end'> }> {
  const usage = await fetchUsageBuckets(client, window);
  const costs = await fetchCostBuckets(client, window);
  return {
    batch: { usage: normalizeUsageBuckets(usage), costs: normalizeCostBuckets(costs) },
    scope: { usageProvider: SOURCE, costSource: SOURCE },
  };
}

function adminKey(ctx: Ctx): string {
  const key = ctx.env.OPENAI_ADMIN_KEY;
  if (!key) throw new ConfigError('openai: OPENAI_ADMIN_KEY is not set (an organization admin key, sk-admin-…)');
  return key;
}

export const openaiConnector: SourceConnector = {
  name: 'openai',
  configured(ctx) {
    if (!ctx.config.sources.openai.enabled) return { ok: false, why: 'disabled in the config (sources.openai.enabled: false)' };
    if (!ctx.env.OPENAI_ADMIN_KEY) return { ok: false, why: 'OPENAI_ADMIN_KEY is not set' };
    return { ok: true };
  },
  async ingest(ctx, range, onWindow) {
    const key = adminKey(ctx);
    const results: WindowResult[] = [];
    // One transaction per UTC day: a failure loses at most the day being pulled. Windows start at
    // midnight even when the range does not: OpenAI bills per day, and a cost bucket starting at an
    // unaligned hour would be a second, partial line for a day already stored whole (and would fall
    // outside the window that replaces and attributes it).
    for (const w of dayWindows(startOfDay(range.start), range.end)) {
      const result = await ingestWindow(ctx, { source: SOURCE, start: w.start, end: w.end }, (http) =>
        collectOpenAIWindow({ http, baseUrl: ctx.env.OPENAI_BASE_URL, adminKey: key }, w),
      );
      results.push(result);
      onWindow?.(result);
    }
    return results;
  },
};
