import type { Insertable } from 'kysely';
import type { Config } from '../config/schema.ts';
import type { DeploymentMonthlyTable } from '../db/types.ts';
import { breakEven } from '../model/break-even.ts';
import { hybridOptimum } from '../model/hybrid.ts';
import { hoursInMonth, HOUR_MS } from '../time.ts';
import type { CostLine, ServingHourRow } from './inputs.ts';
import type { Ledger } from './ledger.ts';
import type { DeploymentProfile } from './feature-model.ts';
import { D, estimate, money, ZERO, type Dec } from './money.ts';

export type DeploymentRowDraft = Omit<Insertable<DeploymentMonthlyTable>, 'month' | 'currency' | 'computed_at'>;

export interface DeploymentModel {
  name: string;
  owner: string | null;
  /** Tokens each feature was served on this deployment this month. */
  featureTokens: Map<string, number>;
  /** Tokens per hour of the month (all features). */
  load: number[];
  profile: DeploymentProfile | null;
  row: DeploymentRowDraft | null;
}

/**
 * FinOps metrics per self-hosted deployment (COST-MODEL §8 and §10): cost from the ledger, the
 * utilization tax as the cost of capacity that served nothing hour by hour, batch depth and queueing
 * summed over the deployment's models per hour then averaged, and the billed effective rate per
 * replica-hour its features are modelled at.
 */
export function computeDeployments(a: {
  config: Config;
  month: Date;
  ledger: Ledger;
  lines: CostLine[];
  serving: ServingHourRow[];
  gpu: Map<string, { util: number | null; gpus: number }>;
  loads: Map<string, number[]>;
}): Map<string, DeploymentModel> {
  const hours = hoursInMonth(a.month);
  const lineDeployment = new Map(a.lines.filter((l) => l.deployment).map((l) => [l.id, l.deployment!]));
  const idleByDeployment = new Map<string, Dec>();
  for (const e of a.ledger.entries) {
    const d = lineDeployment.get(e.lineId);
    if (d && e.idle) idleByDeployment.set(d, (idleByDeployment.get(d) ?? ZERO).plus(e.effective));
  }
  const hourly = new Map<string, Map<number, { tokens: number; running: number; waiting: number; runningSeen: boolean; waitingSeen: boolean }>>();
  const agg = new Map<string, { requests: number; tokens: number; hits: number; queries: number; kvSum: number; kvN: number; kvP95: number | null; features: Map<string, number> }>();
  for (const s of a.serving) {
    const g = agg.get(s.deployment) ?? { requests: 0, tokens: 0, hits: 0, queries: 0, kvSum: 0, kvN: 0, kvP95: null, features: new Map() };
    g.requests += Number(s.requests);
    g.tokens += Number(s.tokens);
    g.hits += Number(s.prefix_hits);
    g.queries += Number(s.prefix_queries ?? 0);
    if (s.kv_avg !== null) (g.kvSum += s.kv_avg), g.kvN++;
    if (s.kv_p95 !== null) g.kvP95 = Math.max(g.kvP95 ?? 0, s.kv_p95);
    g.features.set(s.feature, (g.features.get(s.feature) ?? 0) + Number(s.tokens));
    agg.set(s.deployment, g);
    const h = hourly.get(s.deployment) ?? new Map();
    const t = new Date(s.hour).getTime();
    const x = h.get(t) ?? { tokens: 0, running: 0, waiting: 0, runningSeen: false, waitingSeen: false };
    x.tokens += Number(s.tokens);
    if (s.running !== null) (x.running += s.running), (x.runningSeen = true);
    if (s.waiting !== null) (x.waiting += s.waiting), (x.waitingSeen = true);
    h.set(t, x);
    hourly.set(s.deployment, h);
  }
  const names = new Set<string>([...agg.keys(), ...a.ledger.deployments.keys(), ...a.config.deployments.map((d) => d.name)]);
  const out = new Map<string, DeploymentModel>();
  for (const name of [...names].sort()) {
    const dc = a.config.deployments.find((d) => d.name === name);
    const profile = dc ? a.config.profiles[dc.profile] : undefined;
    const bill = a.ledger.deployments.get(name);
    const g = agg.get(name);
    const hrs = hourly.get(name) ?? new Map();
    const load = Array.from({ length: hours }, (_, i) => hrs.get(a.month.getTime() + i * HOUR_MS)?.tokens ?? 0);
    const gpuCount = dc ? dc.gpus * dc.replicas : (a.gpu.get(name)?.gpus ?? null);
    const billedHours = bill?.billedHours.size ?? 0;
    // On shared node pools the deployment's GPU-hours are OpenCost's (fractional GPUs included).
    const gpuHours = bill?.sharedGpuHours ? bill.sharedGpuHours.toNumber() : bill && gpuCount ? billedHours * gpuCount : gpuCount ? gpuCount * hours : null;
    const replicaHours = dc && bill ? billedHours * dc.replicas : null;
    const billedReplicaHourCost = bill && replicaHours ? bill.cost.dividedBy(replicaHours).toNumber() : null;
    const capacityPerHour = dc && profile ? dc.replicas * profile.tokens_per_second * 3600 : null;
    let tax: Dec | null = null;
    if (bill && capacityPerHour) {
      tax = ZERO;
      for (const [hour, cost] of bill.hourCost) {
        const used = Math.min(1, (hrs.get(hour)?.tokens ?? 0) / capacityPerHour);
        tax = tax.plus(cost.times(1 - used));
      }
    }
    const tokens = g?.tokens ?? 0;
    const requests = g?.requests ?? 0;
    const measured = gpuHours && tokens > 0 ? tokens / (gpuHours * 3600) : null;
    const running = [...hrs.values()].filter((x) => x.runningSeen);
    const waiting = [...hrs.values()].filter((x) => x.waitingSeen);
    const model: DeploymentModel = {
      name,
      owner: dc?.feature ?? null,
      featureTokens: g?.features ?? new Map(),
      load,
      profile: dc && profile ? { profile, profileName: dc.profile, replicas: dc.replicas, gpus: dc.gpus, name, billedReplicaHourCost } : null,
      row: null,
    };
    if (g || bill) {
      model.row = {
        deployment: name,
        feature: dc?.feature ?? null,
        gpu_count: gpuCount,
        gpu_hours: gpuHours,
        gpu_cost: money(bill?.cost ?? ZERO),
        idle_cost: money((idleByDeployment.get(name) ?? ZERO).plus(bill?.sharedIdle ?? ZERO)),
        idle_hours: bill?.idleHours.size ?? 0,
        gpu_utilization: a.gpu.get(name)?.util ?? null,
        token_utilization: capacityPerHour ? tokens / (capacityPerHour * hours) : null,
        measured_tps_per_gpu: measured,
        profile_tps_per_gpu: profile ? profile.tokens_per_second / profile.gpus_per_replica : null,
        throughput_source: measured !== null ? 'measured' : 'profile',
        kv_cache_usage_avg: g && g.kvN ? g.kvSum / g.kvN : null,
        kv_cache_usage_p95: g?.kvP95 ?? null,
        prefix_cache_hit_rate: g && g.queries > 0 ? g.hits / g.queries : null,
        batch_depth_avg: running.length ? running.reduce((s, x) => s + x.running, 0) / running.length : null,
        queue_depth_avg: waiting.length ? waiting.reduce((s, x) => s + x.waiting, 0) / waiting.length : null,
        requests,
        tokens,
        cost_per_request: bill && requests > 0 ? bill.cost.dividedBy(requests).toDecimalPlaces(8).toFixed() : null,
        tokens_per_request: requests > 0 ? tokens / requests : null,
        utilization_tax: tax ? money(tax.toDecimalPlaces(2)) : null,
        effective_gpu_hour_cost: bill && gpuHours ? bill.cost.dividedBy(gpuHours).toDecimalPlaces(6).toFixed() : null,
        features: [...(g?.features.keys() ?? [])].sort(),
      };
    }
    out.set(name, model);
  }
  return out;
}

/**
 * The deployment as a whole (all its features together): its break-even and hybrid against the API
 * price its features' counterfactuals imply (COST-MODEL §10 shared deployments).
 */
export function finishDeployment(config: Config, month: Date, d: DeploymentModel, apiCost: number, apiTokens: number): void {
  if (!d.row || !d.profile || apiTokens <= 0) return;
  const hours = hoursInMonth(month);
  const p = d.profile.profile;
  const rhc = d.profile.billedReplicaHourCost ?? Number(config.gpus[p.gpu]!.hourly_price) * p.gpus_per_replica;
  const apiPricePer1M = (apiCost / apiTokens) * 1e6;
  const be = breakEven({ replicaMonthCost: rhc * hours, overhead: config.overhead.self_hosted, opsFixed: 0, tps: p.tokens_per_second, maxUtilization: p.max_utilization, hoursInMonth: hours, apiPricePer1M });
  const hy = hybridOptimum({ hourlyTokens: d.load, capPerReplicaHour: p.tokens_per_second * 3600 * p.max_utilization, replicaHourCost: rhc, overhead: config.overhead.self_hosted, opsFixed: 0, apiPricePer1M });
  d.row.break_even_tokens_per_month = be.steppedVolume === null ? null : String(Math.ceil(be.steppedVolume));
  d.row.hybrid_replicas = hy.replicas;
  d.row.hybrid_cost = estimate(hy.cost);
  d.row.counterfactual_api_cost = new D(apiCost).toDecimalPlaces(2).toFixed();
}
