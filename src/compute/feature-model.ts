import type { Config, FeatureConfig, LatencySlo, Profile } from '../config/schema.ts';
import { unitPrices } from '../prices/catalog.ts';
import { apiToSelfHosted, selfHostedToApi } from '../model/counterfactual.ts';
import { breakEven } from '../model/break-even.ts';
import { hybridOptimum } from '../model/hybrid.ts';
import { recommend } from '../model/recommend.ts';
import { concurrentStreamsPerReplica, kvBytesPerToken } from '../model/kv.ts';
import { estimateCapacityAtSlo, type CapacityEstimate, type CapacityHour, type LatencySlo as SloTarget } from '../model/capacity-slo.ts';
import { throughputReplicas } from '../model/sizing.ts';
import { buildRetirementTable, retirementFor, type Retirement, type RetirementTable } from '../prices/lifecycle.ts';
import { hoursInMonth, monthKey } from '../time.ts';
import { formatPercent } from '../model/format.ts';
import { D, estimate, money, type Dec } from './money.ts';

/** API usage of a feature per provider × model × batch (token sums as exact strings). */
export interface ApiUsageRow {
  feature: string;
  provider: string;
  model: string | null;
  batch: boolean;
  requests: string;
  uncached_input_tokens: string;
  cache_read_tokens: string;
  cache_write_tokens: string;
  cache_write_1h_tokens: string;
  output_tokens: string;
}

export interface FeatureTokens {
  requests: number;
  uncached: number;
  cacheRead: number;
  cacheWrite: number;
  output: number;
  byModel: ApiUsageRow[];
}

export interface ModelInput {
  config: Config;
  feature: FeatureConfig | undefined;
  name: string;
  architecture: 'api' | 'self_hosted';
  month: Date;
  actualCost: Dec;
  tokens: FeatureTokens;
  hourlyLoad: number[];
  /** This feature's share of the fixed monthly ops cost (self-hosted features only). */
  opsShare: Dec;
  opsTotal: Dec;
  selfTokensTotal: number;
  dataMonths: number;
  deploymentProfile: DeploymentProfile | null;
  /** API features: the deployment running the feature's counterfactual profile, whose measured capacity calibrates it (COST-MODEL §11). */
  profileDeployment?: DeploymentProfile | null;
  /** The month's retirement table (shipped + stored API shutdown dates + config); default: shipped + config. */
  retirements?: RetirementTable;
}

/** A deployment's month of hours for the capacity estimate, and the estimate at the SLO it was judged at. */
export interface DeploymentCapacity {
  deployment: string;
  hours: CapacityHour[];
  slo: SloTarget | null;
  estimate: CapacityEstimate;
}

/** The deployment a self-hosted feature runs on, and what a replica-hour of it really costs. */
export interface DeploymentProfile {
  profile: Profile;
  profileName: string;
  replicas: number;
  gpus: number;
  name: string;
  /** The billed effective cost of one replica-hour (amortized), when the month has GPU billing for it. */
  billedReplicaHourCost: number | null;
  /** COST-MODEL §11 (null: no hours to judge, e.g. a deployment unknown to the config). */
  capacity: DeploymentCapacity | null;
}

/** The tokens/s per replica a feature is modelled at, and where it comes from. */
export interface UsedCapacity {
  tps: number;
  estimate: CapacityEstimate | null;
  deployment: string | null;
  /** For the report: "measured at your SLO: X tok/s per replica (profile: Y)", or why the profile is used. */
  label: string | null;
}

const tpsText = (x: number) => Math.round(x).toLocaleString('en-US');

/**
 * COST-MODEL §11: a profile backed by a deployment is calibrated by the deployment's own hours, at the
 * latency the feature promises. A feature without an SLO promises none: one served on the deployment
 * runs at the deployment's SLO (`inherit`), one only modelled on a profile (an API feature's
 * counterfactual) keeps the profile's throughput — a nightly batch job is not sized at another
 * feature's interactive SLO.
 */
export function capacityFor(profile: Profile, backing: DeploymentProfile | null | undefined, slo: LatencySlo | undefined, inherit: boolean): UsedCapacity {
  const c = backing?.capacity;
  if (!c || (!slo && !inherit)) return { tps: profile.tokens_per_second, estimate: null, deployment: null, label: null };
  const e = slo ? estimateCapacityAtSlo(c.hours, slo, profile.tokens_per_second) : c.estimate;
  // Without any SLO (the feature's or the deployment's) the profile stands and there is nothing to say.
  const label = !e.slo
    ? null
    : e.sizingSource === 'measured'
      ? `measured at your SLO: ${tpsText(e.sizingTpsPerReplica)} tok/s per replica (profile: ${tpsText(e.profileTpsPerReplica)}) on ${c.deployment}`
      : e.sizingSource === 'lower_bound'
        ? `at least ${tpsText(e.sizingTpsPerReplica)} tok/s per replica at your SLO, measured on ${c.deployment} (profile: ${tpsText(e.profileTpsPerReplica)})`
        : e.source === 'lower_bound'
          ? `profile ${tpsText(e.profileTpsPerReplica)} tok/s per replica (${c.deployment} held your SLO up to ${tpsText(e.capacityTpsPerReplica!)} tok/s per replica, its busiest hour: a lower bound)`
          : `profile ${tpsText(e.profileTpsPerReplica)} tok/s per replica (${c.deployment}: ${e.reason})`;
  return { tps: e.sizingTpsPerReplica, estimate: e, deployment: c.deployment, label };
}

/** The capacity assumption as the feature's assumptions JSON lists it. */
function capacityAssumption(u: UsedCapacity): Record<string, unknown> | undefined {
  if (!u.estimate) return undefined;
  const e = u.estimate;
  return {
    deployment: u.deployment,
    slo: e.slo,
    tokens_per_second_per_replica: u.tps,
    source: e.sizingSource,
    estimate_source: e.source,
    estimate_tps_per_replica: e.capacityTpsPerReplica,
    profile_tps_per_replica: e.profileTpsPerReplica,
    busy_hours: e.busyHours,
    violation_hours: e.sloViolationHours,
    evidence: e.evidence,
    latency_binds: e.latencyBinds,
    label: u.label,
    reason: e.reason,
  };
}

export interface Modelled {
  blendedRatePer1M: string | null;
  blendedRatePer1MOutput: string | null;
  overheadCost: string;
  counterfactualArchitecture: 'api' | 'self_hosted' | null;
  counterfactualCost: string | null;
  counterfactualRatePer1M: string | null;
  breakEvenTokens: string | null;
  breakEvenBinding: string | null;
  recommendation: string | null;
  recommendationReason: string | null;
  hybridReplicas: number | null;
  hybridCost: string | null;
  hybridLocalShare: number | null;
  unpricedTokens: number;
  fullyLoadedCost: string;
  /** What following the recommendation saves this month (≥ 0; 0 when staying or undecided). */
  recommendedSaving: string;
  bindingFactor: string | null;
  assumptions: Record<string, unknown>;
}

/** Interactive decode speed of one stream, used to turn request rates into concurrent sessions for KV sizing. */
export const STREAM_TOKENS_PER_SECOND = 30;

const per1M = (cost: Dec, tokens: number): string | null => (tokens > 0 ? cost.times(1_000_000).dividedBy(tokens).toDecimalPlaces(6).toFixed() : null);

function replicaHourCost(config: Config, profile: Profile): number {
  const gpu = config.gpus[profile.gpu]!;
  return Number(gpu.hourly_price) * profile.gpus_per_replica;
}

/** Replicas needed per hour to hold the hour's concurrent sessions' KV cache (memory bound). */
function memoryReplicas(config: Config, profile: Profile, load: number[], t: FeatureTokens): number[] | 'does-not-fit' | undefined {
  const shape = profile.model_shape;
  const total = t.uncached + t.cacheRead + t.cacheWrite + t.output;
  if (!shape || total === 0 || t.requests === 0) return undefined;
  const gpu = config.gpus[profile.gpu]!;
  const streams = concurrentStreamsPerReplica({
    gpuMemGiB: gpu.memory_gib,
    gpus: profile.gpus_per_replica,
    usableFraction: shape.usable_memory_fraction,
    weightsGiB: shape.weights_gib,
    kvBytesPerToken: kvBytesPerToken({ layers: shape.layers, kvHeads: shape.kv_heads, headDim: shape.head_dim, dtypeBytes: shape.dtype_bytes }),
    context: shape.context_tokens,
  });
  if (streams <= 0) return 'does-not-fit';
  const outPerRequest = t.output / t.requests;
  const secondsPerRequest = Math.max(1, outPerRequest / STREAM_TOKENS_PER_SECOND);
  return load.map((tokens) => {
    const requests = (t.requests * tokens) / total;
    const concurrent = (requests / 3600) * secondsPerRequest;
    return concurrent > 0 ? Math.ceil(concurrent / streams) : 0;
  });
}

/** A profile as the report's assumptions list it: what sizing and break-even rest on. */
function profileAssumption(config: Config, profile: Profile): Record<string, unknown> {
  const gpu = config.gpus[profile.gpu]!;
  return {
    model_class: profile.model_class,
    gpu: `${profile.gpus_per_replica} × ${profile.gpu} at ${gpu.hourly_price}/GPU-hour`,
    tokens_per_second_per_replica: profile.tokens_per_second,
    max_utilization: profile.max_utilization,
    min_replicas: profile.min_replicas,
    provisioning: profile.provisioning,
  };
}

function sizingText(profileName: string, profile: Profile, cf: { peakReplicas: number; replicaHours: number; bound: string }, hours: number, capacity: UsedCapacity, latencyBinds: boolean): string {
  const how =
    profile.provisioning === 'static'
      ? `${cf.peakReplicas} × ${profileName} paid every hour (static), sized for the peak hour`
      : `${(cf.replicaHours / hours).toFixed(1)} × ${profileName} on average (autoscaled hour by hour, peak ${cf.peakReplicas})`;
  const decides = cf.bound === 'memory' ? 'KV-cache memory' : latencyBinds ? 'the latency SLO' : 'throughput';
  return `${how} at ${formatPercent(profile.max_utilization)} max utilization; ${decides} decides the count${capacity.label ? `; ${capacity.label}` : ''}`;
}

/** Days after the report month within which a retiring comparator is flagged. */
export const RETIREMENT_WINDOW_DAYS = 60;

const retirementTables = new WeakMap<Config, RetirementTable>();
/** The shipped table with the config's overrides (no API dates), cached per config. */
function retirementTable(config: Config): RetirementTable {
  let t = retirementTables.get(config);
  if (!t) retirementTables.set(config, (t = buildRetirementTable({ config })));
  return t;
}

/**
 * A model the feature is compared against (self-hosted: its API comparator) or runs on (API) that
 * is retired at the report month or retires within RETIREMENT_WINDOW_DAYS of its end, with the
 * successor to compare against: `counterfactual.successor` (on `successor_provider`, else the
 * model's provider), else the one the retirement table names. Both are priced for the same tokens.
 */
export interface LifecycleNote {
  role: 'comparator' | 'runs_on';
  provider: string;
  model: string;
  status: Retirement['status'];
  /** Shutdown date (YYYY-MM-DD), null when unknown. */
  date: string | null;
  origin: string;
  successor: string | null;
  successor_provider: string | null;
  /** Cost of the same tokens at the model's and the successor's dated list prices (null: no price). */
  cost: string | null;
  successor_cost: string | null;
  successor_rate_per_1m: string | null;
  basis: string;
  /** The comparator had no list price any more, so the counterfactual above is the successor's. */
  comparator_replaced: boolean;
}

function lifecycleOf(table: RetirementTable, feature: FeatureConfig, provider: string, model: string, month: Date): { r: Retirement; successor: string | null; successorProvider: string } | null {
  const r = retirementFor(model, provider, monthKey(month), RETIREMENT_WINDOW_DAYS, table);
  if (!r) return null;
  return { r, successor: feature.counterfactual.successor ?? r.successor ?? null, successorProvider: feature.counterfactual.successor_provider ?? provider };
}

/** A lifecycle note before pricing: the retirement, its successor, and no costs yet. */
function unpricedNote(role: LifecycleNote['role'], provider: string, model: string, life: NonNullable<ReturnType<typeof lifecycleOf>>, basis: string): LifecycleNote {
  return {
    role,
    provider,
    model,
    status: life.r.status,
    date: life.r.date,
    origin: life.r.origin,
    successor: life.successor,
    successor_provider: life.successor ? life.successorProvider : null,
    cost: null,
    successor_cost: null,
    successor_rate_per_1m: null,
    basis,
    comparator_replaced: false,
  };
}

const priceTokens = (config: Config, t: { uncached: number; cacheRead: number; cacheWrite: number; output: number }, prices: NonNullable<ReturnType<typeof unitPrices>>, provider: string, batch: boolean, apiOverhead: number) =>
  selfHostedToApi({
    uncachedInputTokens: t.uncached,
    cacheReadTokens: t.cacheRead,
    cacheWriteTokens: t.cacheWrite,
    outputTokens: t.output,
    prices,
    batchDiscount: batch ? (config.prices.batch_discount[provider] ?? 0) : 0,
    apiOverhead,
  });

/** API features: each retiring model they ran on this month, its usage priced at it and at the successor. */
function runsOnLifecycle(config: Config, table: RetirementTable, feature: FeatureConfig, t: FeatureTokens, month: Date): LifecycleNote[] {
  const out = new Map<string, LifecycleNote & { tokens: { uncached: number; cacheRead: number; cacheWrite: number; output: number }; batch: boolean }>();
  for (const u of t.byModel) {
    if (!u.model) continue;
    const life = lifecycleOf(table, feature, u.provider, u.model, month);
    if (!life) continue;
    const k = `${u.provider}|${u.model}|${u.batch}`;
    const n = out.get(k) ?? {
      ...unpricedNote('runs_on', u.provider, u.model, life, "this month's usage at dated list prices"),
      tokens: { uncached: 0, cacheRead: 0, cacheWrite: 0, output: 0 },
      batch: u.batch,
    };
    n.tokens.uncached += Number(u.uncached_input_tokens);
    n.tokens.cacheRead += Number(u.cache_read_tokens);
    n.tokens.cacheWrite += Number(u.cache_write_tokens);
    n.tokens.output += Number(u.output_tokens);
    out.set(k, n);
  }
  return [...out.values()].map(({ tokens, batch, ...n }) => {
    const cur = unitPrices({ provider: n.provider, model: n.model, at: month }, config);
    const suc = n.successor ? unitPrices({ provider: n.successor_provider!, model: n.successor, at: month }, config) : null;
    const sc = suc ? priceTokens(config, tokens, suc, n.successor_provider!, batch, 0) : null;
    return {
      ...n,
      cost: cur ? estimate(priceTokens(config, tokens, cur, n.provider, batch, 0).cost) : null,
      successor_cost: sc ? estimate(sc.cost) : null,
      successor_rate_per_1m: sc ? estimate(sc.ratePer1M) : null,
    };
  });
}

export function modelFeature(i: ModelInput): Modelled {
  const { config, tokens: t } = i;
  const total = t.uncached + t.cacheRead + t.cacheWrite + t.output;
  const hours = hoursInMonth(i.month);
  const overheadRate = i.architecture === 'self_hosted' ? config.overhead.self_hosted : config.overhead.api;
  const overhead = i.actualCost.times(overheadRate).toDecimalPlaces(2).plus(i.architecture === 'self_hosted' ? i.opsShare : 0);
  const loaded = i.actualCost.plus(overhead);
  const base: Modelled = {
    blendedRatePer1M: per1M(loaded, total),
    blendedRatePer1MOutput: per1M(loaded, t.output),
    overheadCost: money(overhead),
    counterfactualArchitecture: null,
    counterfactualCost: null,
    counterfactualRatePer1M: null,
    breakEvenTokens: null,
    breakEvenBinding: null,
    recommendation: null,
    recommendationReason: null,
    hybridReplicas: null,
    hybridCost: null,
    hybridLocalShare: null,
    unpricedTokens: unpriced(config, t, i.month),
    fullyLoadedCost: money(loaded),
    recommendedSaving: '0',
    bindingFactor: null,
    assumptions: { blended_rate_basis: 'actual cost + overhead (+ ops share for self-hosted) per 1M input+output tokens' },
  };
  const minMonths = config.report.min_months_for_recommendation;
  if (!i.feature) {
    base.recommendationReason = total > 0 || !i.actualCost.isZero() ? 'unattributed spend: add attribution rules for it' : null;
    return base;
  }
  const loadedNum = loaded.toNumber();
  if (i.architecture === 'api') {
    const lifecycle = runsOnLifecycle(config, i.retirements ?? retirementTable(config), i.feature, t, i.month);
    if (lifecycle.length) base.assumptions = { ...base.assumptions, lifecycle };
    const profileName = i.feature.counterfactual.profile;
    const profile = profileName ? config.profiles[profileName] : undefined;
    if (!profile || total === 0) {
      base.recommendationReason = profile ? 'no usage this month' : 'no counterfactual profile configured (features[].counterfactual.profile)';
      return base;
    }
    if (loaded.isNegative()) {
      // Credits or refunds larger than the month's spend leave no positive API price to compare against.
      base.recommendationReason = 'net API cost is not positive this month (credits exceed spend): nothing to compare';
      return base;
    }
    const rhc = replicaHourCost(config, profile);
    const opsForMove = i.opsTotal.isZero() ? 0 : i.opsTotal.times(total).dividedBy(i.selfTokensTotal + total).toNumber();
    const memory = memoryReplicas(config, profile, i.hourlyLoad, t);
    if (memory === 'does-not-fit') {
      // One misconfigured profile must not fail the whole month: this feature gets no counterfactual, and says why.
      base.recommendationReason = `profile ${profileName}: the model's weights leave no GPU memory for the KV cache of one ${profile.model_shape!.context_tokens}-token stream`;
      return base;
    }
    const capacity = capacityFor(profile, i.profileDeployment, i.feature.latency_slo, false);
    const size = (tps: number) =>
      apiToSelfHosted({
        hourlyTokens: i.hourlyLoad,
        tps,
        maxUtilization: profile.max_utilization,
        minReplicas: profile.min_replicas,
        provisioning: profile.provisioning,
        replicaHourCost: rhc,
        overhead: config.overhead.self_hosted,
        opsMonthly: opsForMove,
        ...(memory ? { memoryReplicasPerHour: memory } : {}),
      });
    const cf = size(capacity.tps);
    // The SLO binds when a measured capacity below the profile, not raw throughput, sets the replica count.
    const latencyBinds = Boolean(capacity.estimate?.latencyBinds) && cf.bound === 'throughput' && cf.replicaHours > size(profile.tokens_per_second).replicaHours;
    const apiPricePer1M = (loadedNum / total) * 1e6;
    const be = breakEven({ replicaMonthCost: rhc * hours, overhead: config.overhead.self_hosted, opsFixed: opsForMove, tps: capacity.tps, maxUtilization: profile.max_utilization, hoursInMonth: hours, apiPricePer1M });
    const hy = hybridOptimum({ hourlyTokens: i.hourlyLoad, capPerReplicaHour: capacity.tps * 3600 * profile.max_utilization, replicaHourCost: rhc, overhead: config.overhead.self_hosted, opsFixed: opsForMove, apiPricePer1M });
    const rec = recommend({ architecture: 'api', dataMonths: i.dataMonths, minMonths, actualCost: loadedNum, counterfactualCost: cf.cost, hybrid: hy, breakEven: be, utilization: cf.impliedUtilization, latencyBinds, requires: i.feature.requires, currency: config.currency });
    const capAssumption = capacityAssumption(capacity);
    return {
      ...base,
      ...saving('api', loaded, rec, cf.cost, hy),
      counterfactualArchitecture: 'self_hosted',
      counterfactualCost: estimate(cf.cost),
      counterfactualRatePer1M: estimate((cf.cost / total) * 1e6),
      breakEvenTokens: be.steppedVolume === null ? null : String(Math.ceil(be.steppedVolume)),
      breakEvenBinding: be.binding,
      recommendation: rec.recommendation,
      recommendationReason: rec.sufficient ? `${rec.reason}; binding factor: ${rec.binding}` : rec.reason,
      hybridReplicas: hy.replicas,
      hybridCost: estimate(hy.cost),
      hybridLocalShare: hy.localShare,
      assumptions: {
        ...base.assumptions,
        profiles: { [profileName!]: profileAssumption(config, profile) },
        ...(capAssumption ? { capacity_at_slo: capAssumption } : {}),
        counterfactual: {
          sizing: sizingText(profileName!, profile, cf, hours, capacity, latencyBinds),
          peakReplicas: cf.peakReplicas,
          replicaHours: cf.replicaHours,
          impliedUtilization: cf.impliedUtilization,
          bound: cf.bound,
          memory_bound_sizing: Boolean(memory),
          stream_tokens_per_second: STREAM_TOKENS_PER_SECOND,
          ops_share: opsForMove,
        },
        break_even: { ...be, replicaMonthCost: rhc * hours, apiPricePer1M, opsFixed: opsForMove },
        hybrid: hy,
        recommendation: rec,
        ...(lifecycle.length ? { lifecycle } : {}),
      },
    };
  }
  // Self-hosted → API at the comparable model's dated list price.
  let provider = i.feature.counterfactual.api_provider;
  let model = i.feature.counterfactual.api_model;
  let prices = provider && model ? unitPrices({ provider, model, at: i.month }, config) : null;
  // A retired or retiring comparator: say so and price the successor for the same tokens.
  const life = provider && model ? lifecycleOf(i.retirements ?? retirementTable(config), i.feature, provider, model, i.month) : null;
  const successorPrices = life?.successor ? unitPrices({ provider: life.successorProvider, model: life.successor, at: i.month }, config) : null;
  let note: LifecycleNote | null = null;
  if (life) {
    note = unpricedNote('comparator', provider!, model!, life, "this month's tokens at dated list prices (the counterfactual)");
    if (!prices && successorPrices) {
      // The retired comparator has no list price any more: compare against its successor instead.
      note.comparator_replaced = true;
      provider = life.successorProvider;
      model = life.successor!;
      prices = successorPrices;
    }
  }
  if (note) base.assumptions = { ...base.assumptions, lifecycle: [note] };
  if (!prices || total === 0) {
    base.recommendationReason = !provider || !model ? 'no comparable API model configured (features[].counterfactual.api_model)' : !prices ? `no list price for ${provider}/${model}` : 'no usage this month';
    if (!prices) base.unpricedTokens = total;
    return base;
  }
  const batchDiscount = i.feature.batch ? (config.prices.batch_discount[provider!] ?? 0) : 0;
  const cf = selfHostedToApi({
    uncachedInputTokens: t.uncached,
    cacheReadTokens: t.cacheRead,
    cacheWriteTokens: t.cacheWrite,
    outputTokens: t.output,
    prices,
    batchDiscount,
    apiOverhead: config.overhead.api,
  });
  if (note) {
    const sc = note.comparator_replaced ? cf : successorPrices ? priceTokens(config, t, successorPrices, note.successor_provider!, i.feature.batch, config.overhead.api) : null;
    note.cost = note.comparator_replaced ? null : estimate(cf.cost);
    note.successor_cost = sc ? estimate(sc.cost) : null;
    note.successor_rate_per_1m = sc ? estimate(sc.ratePer1M) : null;
  }
  const dp = i.deploymentProfile;
  let be: ReturnType<typeof breakEven> | undefined;
  let hy: ReturnType<typeof hybridOptimum> | undefined;
  let utilization: number | undefined;
  let capacity: UsedCapacity | undefined;
  let latencyBinds = false;
  if (dp) {
    // Self-hosted features are modelled at the rate actually paid (COST-MODEL §10), catalog price only without billing,
    // and at the capacity their deployment sustains at the feature's SLO (§11).
    const rhc = dp.billedReplicaHourCost ?? replicaHourCost(config, dp.profile);
    capacity = capacityFor(dp.profile, dp, i.feature.latency_slo, true);
    const tps = capacity.tps;
    const peakTps = i.hourlyLoad.reduce((m, x) => Math.max(m, x), 0) / 3600;
    latencyBinds = Boolean(capacity.estimate?.latencyBinds) && throughputReplicas(peakTps, tps, dp.profile.max_utilization) > throughputReplicas(peakTps, dp.profile.tokens_per_second, dp.profile.max_utilization);
    be = breakEven({ replicaMonthCost: rhc * hours, overhead: config.overhead.self_hosted, opsFixed: i.opsShare.toNumber(), tps, maxUtilization: dp.profile.max_utilization, hoursInMonth: hours, apiPricePer1M: cf.ratePer1M ?? 0 });
    hy = hybridOptimum({ hourlyTokens: i.hourlyLoad, capPerReplicaHour: tps * 3600 * dp.profile.max_utilization, replicaHourCost: rhc, overhead: config.overhead.self_hosted, opsFixed: i.opsShare.toNumber(), apiPricePer1M: cf.ratePer1M ?? 0 });
    utilization = total / (dp.replicas * tps * 3600 * hours);
  }
  const capAssumption = capacity ? capacityAssumption(capacity) : undefined;
  const rec = recommend({ architecture: 'self_hosted', dataMonths: i.dataMonths, minMonths, actualCost: loadedNum, counterfactualCost: cf.cost, ...(hy ? { hybrid: hy } : {}), ...(be ? { breakEven: be } : {}), ...(utilization !== undefined ? { utilization } : {}), latencyBinds, requires: i.feature.requires, currency: config.currency });
  return {
    ...base,
    ...(hy ? saving('self_hosted', loaded, rec, cf.cost, hy) : saving('self_hosted', loaded, rec, cf.cost)),
    counterfactualArchitecture: 'api',
    counterfactualCost: estimate(cf.cost),
    counterfactualRatePer1M: estimate(cf.ratePer1M),
    breakEvenTokens: be && be.steppedVolume !== null ? String(Math.ceil(be.steppedVolume)) : null,
    breakEvenBinding: be?.binding ?? null,
    recommendation: rec.recommendation,
    recommendationReason: rec.sufficient ? `${rec.reason}; binding factor: ${rec.binding}` : rec.reason,
    hybridReplicas: hy?.replicas ?? null,
    hybridCost: hy ? estimate(hy.cost) : null,
    hybridLocalShare: hy?.localShare ?? null,
    assumptions: {
      ...base.assumptions,
      prices: [
        {
          provider,
          model,
          ...(prices.effectiveFrom ? { effectiveFrom: prices.effectiveFrom } : { effectiveFrom: 'catalog' }),
          inputPer1M: prices.inputPer1M,
          cachedInputPer1M: prices.cachedInputPer1M,
          // Cache writes are listed where the catalog prices them apart from input.
          ...(prices.cacheWritePer1M !== prices.inputPer1M ? { cacheWritePer1M: prices.cacheWritePer1M } : {}),
          outputPer1M: prices.outputPer1M,
          ...(batchDiscount > 0 ? { batch_discount: batchDiscount } : {}),
        },
      ],
      counterfactual: { ...cf, sizing: `${provider} ${model} at dated list prices; prefix-cache hits priced as cache reads` },
      ...(dp ? { profiles: { [dp.profileName]: { ...profileAssumption(config, dp.profile), deployment: dp.name, replicas: dp.replicas, token_utilization: utilization } } } : {}),
      ...(capAssumption ? { capacity_at_slo: capAssumption } : {}),
      ...(be && dp ? { break_even: { ...be, replicaHourCostBasis: dp.billedReplicaHourCost !== null ? 'billed effective cost per replica-hour' : 'catalog GPU price', replicaMonthCost: (dp.billedReplicaHourCost ?? replicaHourCost(config, dp.profile)) * hours, apiPricePer1M: cf.ratePer1M, opsFixed: i.opsShare.toNumber() } } : {}),
      ...(hy ? { hybrid: hy } : {}),
      recommendation: rec,
      ...(note ? { lifecycle: [note] } : {}),
    },
  };
}

/** recommended_saving and the binding factor of a sufficient recommendation (COST-MODEL §10). */
function saving(architecture: 'api' | 'self_hosted', loaded: Dec, rec: ReturnType<typeof recommend>, counterfactualCost: number, hybrid?: { cost: number }): Pick<Modelled, 'recommendedSaving' | 'bindingFactor'> {
  if (!rec.sufficient || rec.recommendation === null) return { recommendedSaving: '0', bindingFactor: null };
  const target = rec.recommendation === 'hybrid' ? hybrid?.cost : rec.recommendation === architecture ? null : counterfactualCost;
  const saved = target === null || target === undefined ? new D(0) : loaded.minus(new D(target).toDecimalPlaces(2));
  return { recommendedSaving: money(saved.isNegative() ? new D(0) : saved.toDecimalPlaces(2)), bindingFactor: rec.binding };
}

function unpriced(config: Config, t: FeatureTokens, month: Date): number {
  let n = 0;
  for (const u of t.byModel) {
    if (!u.model || !unitPrices({ provider: u.provider, model: u.model, at: month }, config)) {
      n += Number(u.uncached_input_tokens) + Number(u.cache_read_tokens) + Number(u.cache_write_tokens) + Number(u.output_tokens);
    }
  }
  return n;
}
