import { ceilTol, requireNumber } from './num.ts';
import { formatMoney, formatTokens } from './format.ts';

/**
 * When self-hosting never breaks even, its per-token cost at full capacity within this factor of the
 * API price counts as a capacity problem (a faster throughput profile or cheaper GPU could close the
 * gap); beyond it the API's price is what decides. §5: €13.9 vs €10 → capacity; vs €0.075 (185×) → price.
 */
export const CAPACITY_BAND = 10;

export type BreakEvenBinding = 'price' | 'capacity' | 'volume';

export interface BreakEvenInput {
  /** Cost of one replica (deployment) for the month, before overhead. */
  replicaMonthCost: number;
  overhead: number;
  /** Fixed monthly ops cost, paid once as soon as anything is self-hosted. */
  opsFixed: number;
  /** Sustained tokens/s of one replica; null or omitted = capacity ignored (only the simple reading). */
  tps?: number | null;
  maxUtilization: number;
  hoursInMonth: number;
  /** Blended API price per 1M tokens (from the feature's own token mix). */
  apiPricePer1M: number;
}

export interface BreakEvenResult {
  /** tps × 3600 × hours × max_utilization; null when capacity is ignored. */
  capacityPerReplicaMonth: number | null;
  /** Fixed monthly cost ÷ API price, ignoring capacity (the seeds' simple calculation); null if the API is free. */
  simpleVolume: number | null;
  /** Smallest V > 0 with C_self(V) ≤ C_api(V) on the capacity step function; null = never. */
  steppedVolume: number | null;
  /** Replicas running at the stepped break-even volume. */
  replicasAtBreakEven: number | null;
  /** All-in cost per 1M of one replica at full capacity: (replica × (1 + overhead) + ops) ÷ capacity. */
  selfCostPer1MAtFullCapacity: number | null;
  /** Per-1M cost of each additional full replica (ops excluded): the floor self-hosting approaches at volume. */
  marginalCostPer1M: number | null;
  /** selfCostPer1MAtFullCapacity ÷ API price (185 ≈ "185× more per token"). */
  priceRatio: number | null;
  binding: BreakEvenBinding;
  verdict: string;
}

/**
 * COST-MODEL §5. C_self(V) = ceil(V / cap) × R(1 + overhead) + ops, C_api(V) = V × price.
 * On step n (V in ((n−1)·cap, n·cap]) C_self is constant, so the step's best chance is its right end;
 * step n is feasible iff n·(cap·price − R') ≥ ops. The first feasible n is ceil(ops / (cap·price − R'))
 * (at least 1) and within it V* = (n·R' + ops) ÷ price, which always lies inside that step. With
 * cap·price < R' no step is feasible: never. V* only grows as the price falls (n and the numerator
 * grow, the divisor shrinks).
 */
export function breakEven(input: BreakEvenInput): BreakEvenResult {
  const replicaMonthCost = requireNumber('replicaMonthCost', input.replicaMonthCost, { min: 0 });
  const overhead = requireNumber('overhead', input.overhead, { min: 0 });
  const opsFixed = requireNumber('opsFixed', input.opsFixed, { min: 0 });
  const maxUtilization = requireNumber('maxUtilization', input.maxUtilization, { gt: 0, max: 1 });
  const hours = requireNumber('hoursInMonth', input.hoursInMonth, { gt: 0 });
  const pricePer1M = requireNumber('apiPricePer1M', input.apiPricePer1M, { min: 0 });
  const tps = input.tps == null ? null : requireNumber('tps', input.tps, { gt: 0 });

  const replicaCost = replicaMonthCost * (1 + overhead);
  const fixed = replicaCost + opsFixed;
  const price = pricePer1M / 1_000_000;
  const simpleVolume = price > 0 ? fixed / price : null;

  if (tps === null) {
    return {
      capacityPerReplicaMonth: null,
      simpleVolume,
      steppedVolume: simpleVolume,
      replicasAtBreakEven: simpleVolume === null ? null : 1,
      selfCostPer1MAtFullCapacity: null,
      marginalCostPer1M: null,
      priceRatio: null,
      binding: simpleVolume === null ? 'price' : 'volume',
      verdict:
        simpleVolume === null
          ? 'never at this price: the API price is zero'
          : `breaks even at ${formatTokens(simpleVolume)} tokens/month (capacity not checked: no tokens/s given)`,
    };
  }

  const cap = tps * 3600 * hours * maxUtilization;
  const selfCostPer1M = (fixed / cap) * 1_000_000;
  const marginalCostPer1M = (replicaCost / cap) * 1_000_000;
  const priceRatio = pricePer1M > 0 ? selfCostPer1M / pricePer1M : null;

  let n: number | null = null;
  if (price > 0) {
    const marginPerReplica = cap * price - replicaCost;
    if (marginPerReplica > 0) n = Math.max(1, ceilTol(opsFixed / marginPerReplica));
    else if (marginPerReplica === 0 && opsFixed === 0) n = 1;
  }
  const steppedVolume = n === null ? null : (n * replicaCost + opsFixed) / price;

  const capText = `one replica serves ${formatTokens(cap)}`;
  const unitText = `self-hosting costs ${formatMoney(selfCostPer1M)}/1M at full capacity vs ${formatMoney(pricePer1M)}/1M on the API`;
  let binding: BreakEvenBinding;
  let verdict: string;
  if (steppedVolume !== null && n === 1) {
    binding = 'volume';
    verdict = `breaks even at ${formatTokens(steppedVolume)} tokens/month (${capText})`;
  } else if (steppedVolume !== null) {
    binding = 'capacity';
    verdict = `breaks even at ${formatTokens(steppedVolume)} tokens/month on ${n} replicas: ${capText}, too few to cover the fixed ops cost`;
  } else if (priceRatio !== null && priceRatio < CAPACITY_BAND) {
    binding = 'capacity';
    verdict = `never on this deployment: the simple reading needs ${formatTokens(simpleVolume!)} tokens/month but ${capText}; ${unitText}`;
  } else {
    binding = 'price';
    verdict =
      priceRatio === null
        ? 'never at this price: the API price is zero'
        : `never at this price: ${unitText} (${priceRatio.toFixed(1)}× more per token)`;
  }

  return {
    capacityPerReplicaMonth: cap,
    simpleVolume,
    steppedVolume,
    replicasAtBreakEven: n,
    selfCostPer1MAtFullCapacity: selfCostPer1M,
    marginalCostPer1M,
    priceRatio,
    binding,
    verdict,
  };
}
