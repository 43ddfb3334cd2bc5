import type { Kysely } from 'kysely';
import type { Config } from '../config/schema.ts';
import type { Database } from '../db/types.ts';
import { addMonths, dayKey, hoursInMonth } from '../time.ts';
import { deploymentMetrics } from './aggregate.ts';
import type { CostBook } from './allocate-costs.ts';
import { money, ZERO } from './money.ts';

/** FinOps metrics per self-hosted deployment (COST-MODEL.md §8) for the month. */
export async function computeDeploymentMetrics(db: Kysely<Database>, config: Config, month: Date, book: CostBook, computedAt: Date): Promise<void> {
  const metrics = await deploymentMetrics(db, { start: month, end: addMonths(month, 1) });
  const names = new Set<string>([...metrics.map((m) => m.deployment), ...book.deployments.keys(), ...config.deployments.map((d) => d.name)]);
  await db.deleteFrom('deployment_monthly').where('month', '=', dayKey(month)).execute();
  const hours = hoursInMonth(month);
  const rows = [];
  for (const name of [...names].sort()) {
    const m = metrics.find((x) => x.deployment === name);
    const money_ = book.deployments.get(name);
    const dc = config.deployments.find((d) => d.name === name);
    const profile = dc ? config.profiles[dc.profile] : undefined;
    if (!m && !money_) continue;
    const gpuCount = dc ? dc.gpus * dc.replicas : (m?.gpu_count ?? null);
    const gpuHours = money_ && gpuCount ? (money_.billedHours * gpuCount) : gpuCount ? gpuCount * hours : null;
    const tokens = Number(m?.tokens ?? 0);
    const requests = Number(m?.requests ?? 0);
    const measured = gpuHours && tokens > 0 ? tokens / (gpuHours * 3600) : null;
    const profileTps = profile ? profile.tokens_per_second / profile.gpus_per_replica : null;
    const capacity = dc && profile ? dc.replicas * profile.tokens_per_second * 3600 * hours : null;
    const prefixQueries = Number(m?.prefix_queries ?? 0);
    rows.push({
      month: dayKey(month),
      deployment: name,
      feature: dc?.feature ?? null,
      currency: config.currency,
      gpu_count: gpuCount,
      gpu_hours: gpuHours,
      gpu_cost: money(money_?.cost ?? ZERO),
      idle_cost: money(money_?.idle ?? ZERO),
      idle_hours: money_?.idleHours ?? 0,
      gpu_utilization: m?.gpu_util ?? null,
      token_utilization: capacity ? tokens / capacity : null,
      measured_tps_per_gpu: measured,
      profile_tps_per_gpu: profileTps,
      throughput_source: measured !== null ? 'measured' : 'profile',
      kv_cache_usage_avg: m?.kv_avg ?? null,
      kv_cache_usage_p95: m?.kv_p95 ?? null,
      prefix_cache_hit_rate: prefixQueries > 0 ? Number(m?.prefix_hits ?? 0) / prefixQueries : null,
      batch_depth_avg: m?.running_avg ?? null,
      queue_depth_avg: m?.waiting_avg ?? null,
      requests,
      tokens,
      cost_per_request: money_ && requests > 0 ? money_.cost.dividedBy(requests).toDecimalPlaces(8).toFixed() : null,
      tokens_per_request: requests > 0 ? tokens / requests : null,
      computed_at: computedAt,
    });
  }
  if (rows.length) await db.insertInto('deployment_monthly').values(rows).execute();
}
