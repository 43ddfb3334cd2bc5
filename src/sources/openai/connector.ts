import type { Ctx } from '../../context.ts';
import { ConfigError, SourceHttpError } from '../../errors.ts';
import type { SourceConnector } from '../../ingest/sources.ts';
import type { FactBatch, ReplaceScope } from '../../ingest/upsert.ts';
import { ingestWindow, type WindowResult } from '../../ingest/window.ts';
import { addHours, dayWindows, startOfDay, startOfHour } from '../../time.ts';
import { fetchCostBuckets, fetchDecisionsBuckets, fetchUsageBuckets, OPENAI_ENDPOINTS, SOURCE, type OpenAIClient } from './client.ts';
import { mergeUsageRows, normalizeCostBuckets, normalizeDecisionsBuckets, normalizeUsageBuckets } from './normalize.ts';
import type { UsageDecisionsBucket } from './schema.ts';
import { openaiProjectsIn, refreshOpenAISpendLimits } from './spend-limits.ts';
import { refreshOpenaiShutdowns } from './models.ts';

export { OPENAI_ENDPOINTS } from './client.ts';

/**
 * Fetches and normalizes one window (no writes): its hourly usage and its daily costs, and, when
 * asked, its Decisions usage merged into the usage of the same model. A 404 from the Decisions
 * endpoint means the organization (or a proxy in front of it) has none: reported back, not an error.
 */
export async function collectOpenAIWindow(
  client: OpenAIClient,
  window: { start: Date; end: Date },
  opts: { decisions?: boolean } = {},
): Promise<{ batch: FactBatch; scope: Omit<ReplaceScope, 'start' | 'end'>; decisionsAvailable?: boolean }> {
  const usage = await fetchUsageBuckets(client, window);
  let decisions: UsageDecisionsBucket[] = [];
  let decisionsAvailable: boolean | undefined;
  if (opts.decisions) {
    try {
      decisions = await fetchDecisionsBuckets(client, window);
      decisionsAvailable = true;
    } catch (err) {
      if (!(err instanceof SourceHttpError && err.status === 404 && err.url.includes(OPENAI_ENDPOINTS.usageDecisions))) throw err;
      decisionsAvailable = false;
    }
  }
  const costs = await fetchCostBuckets(client, window);
  return {
    batch: { usage: mergeUsageRows([...normalizeUsageBuckets(usage), ...normalizeDecisionsBuckets(decisions)]), costs: normalizeCostBuckets(costs) },
    scope: { usageProvider: SOURCE, costSource: SOURCE },
    ...(decisionsAvailable !== undefined ? { decisionsAvailable } : {}),
  };
}

function adminKey(ctx: Pick<Ctx, 'env'>): string {
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
  async probe(ctx, http) {
    const end = startOfHour(ctx.clock.now());
    const buckets = await fetchUsageBuckets({ http, baseUrl: ctx.env.OPENAI_BASE_URL, adminKey: adminKey(ctx) }, { start: addHours(end, -1), end });
    return `usage API answered (${buckets.length} hourly bucket(s) for the last hour)`;
  },
  async ingest(ctx, range, onWindow) {
    const key = adminKey(ctx);
    const results: WindowResult[] = [];
    // A 404 from the Decisions endpoint settles it for the rest of the run.
    let decisions = ctx.config.sources.openai.decisions_usage;
    // One transaction per UTC day: a failure loses at most the day being pulled. Windows start at
    // midnight even when the range does not: OpenAI bills per day, and a cost bucket starting at an
    // unaligned hour would be a second, partial line for a day already stored whole (and would fall
    // outside the window that replaces and attributes it).
    for (const w of dayWindows(startOfDay(range.start), range.end)) {
      const result = await ingestWindow(ctx, { source: SOURCE, start: w.start, end: w.end }, async (http) => {
        const collected = await collectOpenAIWindow({ http, baseUrl: ctx.env.OPENAI_BASE_URL, adminKey: key }, w, { decisions });
        if (collected.decisionsAvailable === false) {
          ctx.log.info({ source: SOURCE }, 'no Decisions usage endpoint (404): reading completions usage only');
          decisions = false;
        }
        return collected;
      });
      results.push(result);
      onWindow?.(result);
    }
    if (ctx.config.sources.openai.spend_limits && results.length > 0) {
      await refreshOpenAISpendLimits(ctx, { adminKey: key, projectIds: await openaiProjectsIn(ctx, range) });
    }
    // Once per run: the models' shutdown dates for the retirement table (never fails the ingest).
    if (ctx.config.sources.openai.read_model_shutdowns && results.length > 0) await refreshOpenaiShutdowns(ctx, { adminKey: key });
    return results;
  },
};
