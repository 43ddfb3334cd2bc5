import type { Ctx } from '../../context.ts';
import type { CostLineItemInsert, UsageFactInsert } from '../../db/types.ts';
import { ConfigError, SourceHttpError } from '../../errors.ts';
import type { SourceConnector } from '../../ingest/sources.ts';
import type { ReplaceScope } from '../../ingest/upsert.ts';
import { ingestWindow, type WindowResult } from '../../ingest/window.ts';
import { addHours, dayWindows, startOfHour } from '../../time.ts';
import type { HttpDeps } from '../http.ts';
import { SOURCE, costPages, usagePages, type AnthropicClientOptions } from './client.ts';
import { normalizeCostBucket, normalizeUsageBucket } from './normalize.ts';
import { collectAnthropicAnalyticsWindow } from './analytics-collect.ts';
import { ANTHROPIC_PATHS } from './endpoints.ts';

const DAY_MS = 86_400_000;
const isMidnight = (d: Date) => d.getTime() % DAY_MS === 0;

function clientOptions(ctx: Pick<Ctx, 'env'>): AnthropicClientOptions {
  const apiKey = ctx.env.ANTHROPIC_ADMIN_KEY;
  if (!apiKey) throw new ConfigError('anthropic: ANTHROPIC_ADMIN_KEY is not set (an Admin API key, sk-ant-admin…)');
  return { baseUrl: ctx.env.ANTHROPIC_BASE_URL, apiKey };
}

/**
 * Fetches and normalizes one window without writing anything. Usage is hourly and always pulled;
 * the cost report only has whole-day buckets, so it is pulled (and its rows replaced) only when the
 * window covers whole UTC days: a partial "today" window leaves that day's cost rows alone until a
 * later run covers the full day.
 */
export async function collectAnthropicWindow(
  http: HttpDeps,
  opts: AnthropicClientOptions,
  window: { start: Date; end: Date },
): Promise<{ batch: { usage: UsageFactInsert[]; costs: CostLineItemInsert[] }; scope: Omit<ReplaceScope, 'start' | 'end'> }> {
  const usage: UsageFactInsert[] = [];
  for await (const page of usagePages(http, opts, window)) for (const b of page.data) usage.push(...normalizeUsageBucket(b));
  const costs: CostLineItemInsert[] = [];
  const wholeDays = isMidnight(window.start) && isMidnight(window.end);
  if (wholeDays) {
    for await (const page of costPages(http, opts, window)) for (const b of page.data) costs.push(...normalizeCostBucket(b));
  }
  return { batch: { usage, costs }, scope: { usageProvider: SOURCE, ...(wholeDays ? { costSource: SOURCE } : {}) } };
}

export type AnthropicApi = 'analytics' | 'legacy';

/** Whether an error says the analytics API is not there for this organisation (auto then falls back). */
export function analyticsUnavailable(err: unknown): boolean {
  return err instanceof SourceHttpError && err.status === 404 && err.url.includes(ANTHROPIC_PATHS.analyticsUsage.replace(/\/usage$/, '/'));
}

const collectors: Record<AnthropicApi, typeof collectAnthropicWindow> = {
  legacy: collectAnthropicWindow,
  analytics: collectAnthropicAnalyticsWindow,
};

export const anthropicConnector: SourceConnector = {
  name: 'anthropic',
  configured: (ctx) =>
    ctx.env.ANTHROPIC_ADMIN_KEY ? { ok: true } : { ok: false, why: 'ANTHROPIC_ADMIN_KEY is not set (an Admin API key, sk-ant-admin…)' },
  async probe(ctx, http) {
    const end = startOfHour(ctx.clock.now());
    const pages = usagePages(http, clientOptions(ctx), { start: addHours(end, -1), end });
    const first = await pages.next();
    await pages.return(undefined);
    return `usage report answered (${first.done ? 0 : first.value.data.length} bucket(s) for the last hour)`;
  },
  async ingest(ctx, range, onWindow) {
    const opts = clientOptions(ctx);
    const configured = ctx.config.sources.anthropic.api;
    // auto: the first window tries analytics; a 404 there settles legacy for the rest of the run.
    let api: AnthropicApi | 'auto' = configured;
    const results: WindowResult[] = [];
    // One transaction per UTC day: a failure loses at most that day, and a retry converges.
    for (const w of dayWindows(range.start, range.end)) {
      const result = await ingestWindow(ctx, { source: SOURCE, start: w.start, end: w.end }, async (http) => {
        if (api !== 'auto') return collectors[api](http, opts, w);
        try {
          const collected = await collectAnthropicAnalyticsWindow(http, opts, w);
          api = 'analytics';
          return collected;
        } catch (err) {
          if (!analyticsUnavailable(err)) throw err;
          ctx.log.info({ source: SOURCE }, 'analytics API not available (404): reading the legacy usage and cost reports');
          api = 'legacy';
          return collectAnthropicWindow(http, opts, w);
        }
      });
      onWindow?.(result);
      results.push(result);
    }
    return results;
  },
};

