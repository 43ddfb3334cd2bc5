import type { Config, FeatureConfig, Profile } from '../config/schema.ts';
import { unitPrices } from '../prices/catalog.ts';
import { apiToSelfHosted, selfHostedToApi } from '../model/counterfactual.ts';
import { breakEven } from '../model/break-even.ts';
import { hybridOptimum } from '../model/hybrid.ts';
import { recommend } from '../model/recommend.ts';
import { concurrentStreamsPerReplica, kvBytesPerToken } from '../model/kv.ts';
import { hoursInMonth } from '../time.ts';
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

function sizingText(profileName: string, profile: Profile, cf: { peakReplicas: number; replicaHours: number; bound: string }, hours: number): string {
  const how =
    profile.provisioning === 'static'
      ? `${cf.peakReplicas} × ${profileName} paid every hour (static), sized for the peak hour`
      : `${(cf.replicaHours / hours).toFixed(1)} × ${profileName} on average (autoscaled hour by hour, peak ${cf.peakReplicas})`;
  return `${how} at ${formatPercent(profile.max_utilization)} max utilization; ${cf.bound === 'memory' ? 'KV-cache memory' : 'throughput'} decides the count`;
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
    const cf = apiToSelfHosted({
      hourlyTokens: i.hourlyLoad,
      tps: profile.tokens_per_second,
      maxUtilization: profile.max_utilization,
      minReplicas: profile.min_replicas,
      provisioning: profile.provisioning,
      replicaHourCost: rhc,
      overhead: config.overhead.self_hosted,
      opsMonthly: opsForMove,
      ...(memory ? { memoryReplicasPerHour: memory } : {}),
    });
    const apiPricePer1M = (loadedNum / total) * 1e6;
    const be = breakEven({ replicaMonthCost: rhc * hours, overhead: config.overhead.self_hosted, opsFixed: opsForMove, tps: profile.tokens_per_second, maxUtilization: profile.max_utilization, hoursInMonth: hours, apiPricePer1M });
    const hy = hybridOptimum({ hourlyTokens: i.hourlyLoad, capPerReplicaHour: profile.tokens_per_second * 3600 * profile.max_utilization, replicaHourCost: rhc, overhead: config.overhead.self_hosted, opsFixed: opsForMove, apiPricePer1M });
    const rec = recommend({ architecture: 'api', dataMonths: i.dataMonths, minMonths, actualCost: loadedNum, counterfactualCost: cf.cost, hybrid: hy, breakEven: be, utilization: cf.impliedUtilization, requires: i.feature.requires, currency: config.currency });
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
        counterfactual: {
          sizing: sizingText(profileName!, profile, cf, hours),
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
      },
    };
  }
  // Self-hosted → API at the comparable model's dated list price.
  const provider = i.feature.counterfactual.api_provider;
  const model = i.feature.counterfactual.api_model;
  const prices = provider && model ? unitPrices({ provider, model, at: i.month }, config) : null;
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
  const dp = i.deploymentProfile;
  let be: ReturnType<typeof breakEven> | undefined;
  let hy: ReturnType<typeof hybridOptimum> | undefined;
  let utilization: number | undefined;
  if (dp) {
    // Self-hosted features are modelled at the rate actually paid (COST-MODEL §10), catalog price only without billing.
    const rhc = dp.billedReplicaHourCost ?? replicaHourCost(config, dp.profile);
    be = breakEven({ replicaMonthCost: rhc * hours, overhead: config.overhead.self_hosted, opsFixed: i.opsShare.toNumber(), tps: dp.profile.tokens_per_second, maxUtilization: dp.profile.max_utilization, hoursInMonth: hours, apiPricePer1M: cf.ratePer1M ?? 0 });
    hy = hybridOptimum({ hourlyTokens: i.hourlyLoad, capPerReplicaHour: dp.profile.tokens_per_second * 3600 * dp.profile.max_utilization, replicaHourCost: rhc, overhead: config.overhead.self_hosted, opsFixed: i.opsShare.toNumber(), apiPricePer1M: cf.ratePer1M ?? 0 });
    utilization = total / (dp.replicas * dp.profile.tokens_per_second * 3600 * hours);
  }
  const rec = recommend({ architecture: 'self_hosted', dataMonths: i.dataMonths, minMonths, actualCost: loadedNum, counterfactualCost: cf.cost, ...(hy ? { hybrid: hy } : {}), ...(be ? { breakEven: be } : {}), ...(utilization !== undefined ? { utilization } : {}), requires: i.feature.requires, currency: config.currency });
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
      ...(be && dp ? { break_even: { ...be, replicaHourCostBasis: dp.billedReplicaHourCost !== null ? 'billed effective cost per replica-hour' : 'catalog GPU price', replicaMonthCost: (dp.billedReplicaHourCost ?? replicaHourCost(config, dp.profile)) * hours, apiPricePer1M: cf.ratePer1M, opsFixed: i.opsShare.toNumber() } } : {}),
      ...(hy ? { hybrid: hy } : {}),
      recommendation: rec,
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
