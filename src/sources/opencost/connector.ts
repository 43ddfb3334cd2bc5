import type { Ctx } from '../../context.ts';
import type { SourceConnector } from '../../ingest/sources.ts';
import { ingestWindow, type WindowResult } from '../../ingest/window.ts';
import { ConfigError, SourceSchemaError } from '../../errors.ts';
import { dayWindows, startOfDay } from '../../time.ts';
import type { HttpDeps } from '../http.ts';
import { allocationUrl, fetchAllocations, fetchInferenceCosts, inferenceCostUrl, opencostTarget, SOURCE, type OpencostTarget } from './client.ts';
import { normalizeAllocations, normalizeInferenceCosts, OpencostShapeError } from './normalize.ts';
import type { OpencostSourceConfig } from '../../config/schema.ts';
import type { FactBatch } from '../../ingest/upsert.ts';

export function opencostTargetOf(ctx: Pick<Ctx, 'env'>): OpencostTarget {
  const url = ctx.env.OPENCOST_URL;
  if (!url) throw new ConfigError('opencost: OPENCOST_URL is not set (e.g. http://opencost.opencost:9003)');
  return opencostTarget(url, ctx.env.OPENCOST_BEARER_TOKEN);
}

/**
 * One day: /allocation (24 hourly sets) and, when configured, /inferenceCost/total. A response that
 * parses but cannot be right (a set that is not one hour, a window outside the day, a negative
 * allocation) fails the day like a shape error: its body stays in raw_payloads with the reason.
 */
export async function collectOpencostDay(http: HttpDeps, target: OpencostTarget, cfg: OpencostSourceConfig, w: { start: Date; end: Date }): Promise<FactBatch & { idleWithoutHours: number }> {
  const url = allocationUrl(target, w, cfg.deployment_label);
  const { data, page } = await fetchAllocations(http, target, url);
  let shares;
  try {
    shares = normalizeAllocations(data, { ...w, deploymentLabel: cfg.deployment_label, nodePoolLabel: cfg.node_pool_label });
  } catch (err) {
    if (!(err instanceof OpencostShapeError)) throw err;
    page.parseError = err.message;
    throw new SourceSchemaError(SOURCE, url.toString(), err.message, page.body);
  }
  const batch: FactBatch & { idleWithoutHours: number } = { opencostAllocations: shares.allocations, opencostIdle: shares.idle, idleWithoutHours: shares.idleWithoutHours };
  if (cfg.inference_cost) {
    const r = await fetchInferenceCosts(http, target, inferenceCostUrl(target, w, 'allocation'));
    if (r) batch.opencostInference = normalizeInferenceCosts(r.data, { ...w, costBasis: 'allocation' });
  }
  return batch;
}

/** Pulls [start, end) (floored to days) one UTC day per window, each one transaction; re-ingesting a day replaces it. */
export async function ingestOpencost(ctx: Ctx, range: { start: Date; end: Date }, onWindow?: (w: WindowResult) => void): Promise<WindowResult[]> {
  const target = opencostTargetOf(ctx);
  const cfg = ctx.config.sources.opencost;
  const out: WindowResult[] = [];
  for (const w of dayWindows(startOfDay(range.start), startOfDay(range.end))) {
    const result = await ingestWindow(ctx, { source: SOURCE, start: w.start, end: w.end }, async (http) => {
      const { idleWithoutHours, ...batch } = await collectOpencostDay(http, target, cfg, w);
      if (idleWithoutHours > 0) ctx.log.warn({ source: SOURCE, day: w.start.toISOString().slice(0, 10), idleWithoutHours }, 'idle GPU cost without a list rate to turn it into GPU-hours');
      return { batch, scope: { opencost: true } };
    });
    onWindow?.(result);
    out.push(result);
  }
  return out;
}

export const opencostConnector: SourceConnector = {
  name: 'opencost',
  configured: (ctx) => (ctx.env.OPENCOST_URL ? { ok: true } : { ok: false, why: 'OPENCOST_URL is not set' }),
  ingest: ingestOpencost,
  async probe(ctx, http) {
    const target = opencostTargetOf(ctx);
    const end = startOfDay(ctx.clock.now());
    const { data } = await fetchAllocations(http, target, allocationUrl(target, { start: new Date(end.getTime() - 86_400_000), end }, ctx.config.sources.opencost.deployment_label));
    return `allocation API answered (${data.data.length} set(s) for yesterday)`;
  },
};
