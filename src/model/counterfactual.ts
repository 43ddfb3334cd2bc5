import { requireNumber } from './num.ts';
import { throughputReplicas, type SizingBound } from './sizing.ts';

export type Provisioning = 'static' | 'autoscale';

export interface ApiToSelfHostedInput {
  /** Tokens (input + output) in each hour of the month, in order; its length is the month's hours. */
  hourlyTokens: number[];
  /** Sustained tokens/s of one replica. */
  tps: number;
  maxUtilization: number;
  minReplicas: number;
  provisioning: Provisioning;
  /** Cost of one replica for one hour (GPU price × GPUs per replica). */
  replicaHourCost: number;
  /** Self-hosting overhead fraction (0.30 = 30 %), applied to replica cost. */
  overhead: number;
  /** The feature's share of the fixed monthly ops cost; charged only when any replica runs. */
  opsMonthly: number;
  /** Memory-bound replicas per hour (from concurrent sessions), same length as hourlyTokens. */
  memoryReplicasPerHour?: number[];
}

export interface ApiToSelfHostedResult {
  cost: number;
  replicaHours: number;
  peakReplicas: number;
  /** Tokens served ÷ (replica-hours × tps × 3600): how busy the paid replicas would be (0 when none). */
  impliedUtilization: number;
  bound: SizingBound;
  /** Replicas in each hour (static: the peak every hour). */
  replicasPerHour: number[];
  totalTokens: number;
  /** cost ÷ tokens × 10⁶; null without tokens. */
  ratePer1M: number | null;
}

/**
 * COST-MODEL §4, API feature → self-hosted. Per hour: replicas = max(throughput bound, memory bound,
 * min_replicas). Static pays the month's peak every hour; autoscale pays each hour's own count.
 * `bound` is the bound that set the peak hour (static) or the larger sum of replica-hours (autoscale).
 */
export function apiToSelfHosted(input: ApiToSelfHostedInput): ApiToSelfHostedResult {
  const { hourlyTokens, tps, maxUtilization, provisioning } = input;
  const minReplicas = requireNumber('minReplicas', input.minReplicas, { min: 0, integer: true });
  const replicaHourCost = requireNumber('replicaHourCost', input.replicaHourCost, { min: 0 });
  const overhead = requireNumber('overhead', input.overhead, { min: 0 });
  const opsMonthly = requireNumber('opsMonthly', input.opsMonthly, { min: 0 });
  const mem = input.memoryReplicasPerHour;
  if (mem && mem.length !== hourlyTokens.length) {
    throw new RangeError(`memoryReplicasPerHour has ${mem.length} hours, hourlyTokens ${hourlyTokens.length}`);
  }

  const thr = hourlyTokens.map((t, h) => throughputReplicas(requireNumber(`hourlyTokens[${h}]`, t, { min: 0 }) / 3600, tps, maxUtilization));
  const memH = hourlyTokens.map((_, h) => (mem ? requireNumber(`memoryReplicasPerHour[${h}]`, mem[h]!, { min: 0, integer: true }) : 0));
  const needed = thr.map((t, h) => Math.max(t, memH[h]!, minReplicas));
  const peakReplicas = needed.reduce((a, b) => Math.max(a, b), 0);

  let bound: SizingBound = 'throughput';
  let replicasPerHour: number[];
  if (provisioning === 'static') {
    replicasPerHour = needed.map(() => peakReplicas);
    const peakHour = needed.indexOf(peakReplicas);
    if (peakHour >= 0 && memH[peakHour]! > thr[peakHour]!) bound = 'memory';
  } else {
    replicasPerHour = needed;
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    if (sum(memH) > sum(thr)) bound = 'memory';
  }

  const replicaHours = replicasPerHour.reduce((a, b) => a + b, 0);
  const totalTokens = hourlyTokens.reduce((a, b) => a + b, 0);
  const cost = replicaHours * replicaHourCost * (1 + overhead) + (replicaHours > 0 ? opsMonthly : 0);
  return {
    cost,
    replicaHours,
    peakReplicas,
    impliedUtilization: replicaHours > 0 ? totalTokens / (replicaHours * tps * 3600) : 0,
    bound,
    replicasPerHour,
    totalTokens,
    ratePer1M: totalTokens > 0 ? (cost / totalTokens) * 1_000_000 : null,
  };
}

export interface ApiPrices {
  inputPer1M: number;
  cachedInputPer1M: number;
  cacheWritePer1M: number;
  outputPer1M: number;
}

export interface SelfHostedToApiInput {
  uncachedInputTokens: number;
  /** Prefix-cache hits observed in vLLM map to cache reads. */
  cacheReadTokens: number;
  cacheWriteTokens: number;
  outputTokens: number;
  prices: ApiPrices;
  /** 0..1; pass the provider's batch discount when the feature is marked batch, else 0. */
  batchDiscount: number;
  /** overhead.api fraction (guardrail calls, retries not in the bill). */
  apiOverhead: number;
}

export interface SelfHostedToApiResult {
  cost: number;
  /** cost ÷ all tokens (input of every class + output) × 10⁶; null without tokens. */
  ratePer1M: number | null;
}

/** COST-MODEL §4, self-hosted feature → API: Σ token class × dated list price, × (1 − batch), × (1 + overhead.api). */
export function selfHostedToApi(input: SelfHostedToApiInput): SelfHostedToApiResult {
  const u = requireNumber('uncachedInputTokens', input.uncachedInputTokens, { min: 0 });
  const r = requireNumber('cacheReadTokens', input.cacheReadTokens, { min: 0 });
  const w = requireNumber('cacheWriteTokens', input.cacheWriteTokens, { min: 0 });
  const o = requireNumber('outputTokens', input.outputTokens, { min: 0 });
  const p = input.prices;
  const batch = requireNumber('batchDiscount', input.batchDiscount, { min: 0, max: 1 });
  const overhead = requireNumber('apiOverhead', input.apiOverhead, { min: 0 });
  const list =
    u * requireNumber('inputPer1M', p.inputPer1M, { min: 0 }) +
    r * requireNumber('cachedInputPer1M', p.cachedInputPer1M, { min: 0 }) +
    w * requireNumber('cacheWritePer1M', p.cacheWritePer1M, { min: 0 }) +
    o * requireNumber('outputPer1M', p.outputPer1M, { min: 0 });
  const cost = (list / 1_000_000) * (1 - batch) * (1 + overhead);
  const tokens = u + r + w + o;
  return { cost, ratePer1M: tokens > 0 ? (cost / tokens) * 1_000_000 : null };
}
