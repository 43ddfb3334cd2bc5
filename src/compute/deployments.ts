import type { Insertable } from 'kysely';
import type { Config } from '../config/schema.ts';
import type { DeploymentMonthlyTable } from '../db/types.ts';
import { breakEven } from '../model/break-even.ts';
import { hybridOptimum } from '../model/hybrid.ts';
import { capacityHours, estimateCapacityAtSlo, tightestSlo } from '../model/capacity-slo.ts';
import { rightSize } from '../model/right-sizing.ts';
import type { DeploymentLatencyHour } from '../db/repositories/serving-latency.ts';
import { quantileOverHours } from '../model/histogram.ts';
import { hoursInMonth, HOUR_MS } from '../time.ts';
import type { CostLine, ServingHourRow } from './inputs.ts';
import type { Ledger } from './ledger.ts';
import type { DeploymentCapacity, DeploymentProfile } from './feature-model.ts';
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
  /** COST-MODEL §11: each configured deployment's hours of the month with their latency (latencyByDeployment). */
  latency: Map<string, DeploymentLatencyHour[]>;
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
    const latencyHours = a.latency.get(name) ?? [];
    const capacity = dc && profile ? capacityOf(a.config, name, dc.replicas, profile.tokens_per_second, g?.features ?? new Map(), dc.feature ?? null, latencyHours) : null;
    // Token utilization and the utilization tax at the capacity sizing uses (capacity at the SLO or the profile).
    const capacityPerHour = dc && capacity ? dc.replicas * capacity.estimate.sizingTpsPerReplica * 3600 : null;
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
      profile: dc && profile ? { profile, profileName: dc.profile, replicas: dc.replicas, gpus: dc.gpus, name, billedReplicaHourCost, capacity } : null,
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
        ...latencyColumns(latencyHours),
        ...(dc && profile && capacity ? capacityColumns(capacity, dc.replicas, profile, load, bill && replicaHours ? bill.cost.dividedBy(replicaHours) : new D(a.config.gpus[profile.gpu]!.hourly_price).times(profile.gpus_per_replica)) : {}),
      };
    }
    out.set(name, model);
  }
  return out;
}

/**
 * COST-MODEL §11: the deployment judged at the tightest latency SLO of the features it served this
 * month (its owner's when it served none), on its own hours at the configured replica count.
 */
function capacityOf(config: Config, name: string, replicas: number, profileTps: number, served: Map<string, number>, owner: string | null, hours: DeploymentLatencyHour[]): DeploymentCapacity {
  const features = new Set([...served.keys(), ...(owner ? [owner] : [])]);
  const slo = tightestSlo(config.features.filter((f) => features.has(f.name)).map((f) => f.latency_slo));
  const capHours = capacityHours(hours, replicas);
  return { deployment: name, hours: capHours, slo, estimate: estimateCapacityAtSlo(capHours, slo, profileTps) };
}

/** The month's p95s from the summed bucket deltas of its hours (never an average of hourly p95s), and its preemptions. */
function latencyColumns(hours: DeploymentLatencyHour[]): Pick<DeploymentRowDraft, 'ttft_p95_seconds' | 'e2e_p95_seconds' | 'preemptions'> {
  const pre = hours.filter((h) => h.preemptions !== null);
  return {
    ttft_p95_seconds: quantileOverHours(0.95, hours.map((h) => h.ttftBuckets)),
    e2e_p95_seconds: quantileOverHours(0.95, hours.map((h) => h.e2eBuckets)),
    preemptions: pre.length ? String(pre.reduce((s, h) => s + h.preemptions!, 0)) : null,
  };
}

/** The capacity sizing used, the SLO and evidence behind it, and right-sizing at that capacity (COST-MODEL §11). */
function capacityColumns(c: DeploymentCapacity, replicas: number, profile: DeploymentProfile['profile'], load: number[], replicaHourCost: Dec): Partial<DeploymentRowDraft> {
  const e = c.estimate;
  const rs = rightSize({
    hourlyTokensPerSecond: load.map((t) => t / 3600),
    capacityTpsPerReplica: e.sizingTpsPerReplica,
    maxUtilization: profile.max_utilization,
    minReplicas: profile.min_replicas,
    provisioning: profile.provisioning,
    currentReplicas: replicas,
    replicaHourCost: replicaHourCost.toFixed(),
  });
  return {
    slo_ttft_p95_seconds: c.slo?.ttft_p95_seconds ?? null,
    slo_e2e_p95_seconds: c.slo?.e2e_p95_seconds ?? null,
    slo_busy_hours: e.busyHours,
    slo_violation_hours: e.sloViolationHours,
    capacity_tps_per_replica: e.sizingTpsPerReplica,
    capacity_source: e.sizingSource,
    capacity_at_slo_tps_per_replica: e.capacityTpsPerReplica,
    profile_tps_per_replica: e.profileTpsPerReplica,
    slo_compliant_tps_per_replica: e.evidence.busiestCompliantHour?.tokensPerSecondPerReplica ?? null,
    slo_violating_tps_per_replica: e.evidence.leastBusyViolatingHour?.tokensPerSecondPerReplica ?? null,
    capacity_reason: e.reason,
    replicas,
    recommended_replicas: rs.recommendedReplicas,
    right_sizing_saving: money(new D(rs.monthlySaving).toDecimalPlaces(2)),
  };
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
  const tps = d.profile.capacity?.estimate.sizingTpsPerReplica ?? p.tokens_per_second;
  const be = breakEven({ replicaMonthCost: rhc * hours, overhead: config.overhead.self_hosted, opsFixed: 0, tps, maxUtilization: p.max_utilization, hoursInMonth: hours, apiPricePer1M });
  const hy = hybridOptimum({ hourlyTokens: d.load, capPerReplicaHour: tps * 3600 * p.max_utilization, replicaHourCost: rhc, overhead: config.overhead.self_hosted, opsFixed: 0, apiPricePer1M });
  d.row.break_even_tokens_per_month = be.steppedVolume === null ? null : String(Math.ceil(be.steppedVolume));
  d.row.hybrid_replicas = hy.replicas;
  d.row.hybrid_cost = estimate(hy.cost);
  d.row.counterfactual_api_cost = new D(apiCost).toDecimalPlaces(2).toFixed();
}
