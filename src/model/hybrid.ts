import { ceilTol, requireNumber } from './num.ts';

export interface HybridInput {
  /** Tokens in each hour of the month, in order; its length is the month's hours. */
  hourlyTokens: number[];
  /** Tokens one replica serves in an hour (tps × 3600 × max utilization, see capacityPerReplicaHour). */
  capPerReplicaHour: number;
  replicaHourCost: number;
  overhead: number;
  /** Fixed monthly ops cost, paid only when at least one replica runs. */
  opsFixed: number;
  /** Blended API price per 1M tokens for the spill. */
  apiPricePer1M: number;
}

export interface HybridResult {
  /** Optimal N; ties go to fewer replicas. */
  replicas: number;
  cost: number;
  /** Tokens served by the N replicas ÷ all tokens (0 without tokens). */
  localShare: number;
  /** C(0). */
  allApiCost: number;
  /** C(peak): static self-hosting sized for the peak hour, the same as apiToSelfHosted (static, min 0, no memory bound). */
  allSelfCost: number;
  peakReplicas: number;
  savingsVsApi: number;
  savingsVsSelf: number;
}

/**
 * COST-MODEL §6: C(N) = N × replica_hour_cost × hours × (1 + overhead) + ops·[N>0]
 * + Σ_h max(0, L_h − N × cap) × price, minimised over N = 0 … peak replicas. N = 0 is all-API and
 * N = peak all-self-hosted, so the optimum never costs more than the cheaper pure architecture.
 */
export function hybridOptimum(input: HybridInput): HybridResult {
  const cap = requireNumber('capPerReplicaHour', input.capPerReplicaHour, { gt: 0 });
  const replicaHourCost = requireNumber('replicaHourCost', input.replicaHourCost, { min: 0 });
  const overhead = requireNumber('overhead', input.overhead, { min: 0 });
  const opsFixed = requireNumber('opsFixed', input.opsFixed, { min: 0 });
  const price = requireNumber('apiPricePer1M', input.apiPricePer1M, { min: 0 }) / 1_000_000;
  const load = input.hourlyTokens.map((t, h) => requireNumber(`hourlyTokens[${h}]`, t, { min: 0 }));
  const hours = load.length;
  const total = load.reduce((a, b) => a + b, 0);
  // Per-hour ceil, like apiToSelfHosted, so N = peak is exactly its static replica count.
  const peakReplicas = load.reduce((m, t) => Math.max(m, ceilTol(t / cap)), 0);

  const evaluate = (n: number) => {
    let spill = 0;
    if (n < peakReplicas) for (const t of load) spill += Math.max(0, t - n * cap);
    const cost = n * replicaHourCost * hours * (1 + overhead) + (n > 0 ? opsFixed : 0) + spill * price;
    return { cost, local: total - spill };
  };

  const allApi = evaluate(0);
  let best = { n: 0, ...allApi };
  let allSelfCost = allApi.cost;
  for (let n = 1; n <= peakReplicas; n++) {
    const r = evaluate(n);
    if (r.cost < best.cost) best = { n, ...r };
    if (n === peakReplicas) allSelfCost = r.cost;
  }

  return {
    replicas: best.n,
    cost: best.cost,
    localShare: total > 0 ? best.local / total : 0,
    allApiCost: allApi.cost,
    allSelfCost,
    peakReplicas,
    savingsVsApi: allApi.cost - best.cost,
    savingsVsSelf: allSelfCost - best.cost,
  };
}
