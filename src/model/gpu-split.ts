import { Decimal } from 'decimal.js';
import { allocateLargestRemainder } from './allocate.ts';

/**
 * Splitting a shared GPU node pool's bill over the deployments that ran on it: the SHARES come
 * from OpenCost (GPU-hours per deployment and hour, idle GPU-hours per node and hour), the MONEY
 * from the bill (the pool's effective cost from Cost Explorer by node-pool tag, or FOCUS). Pure.
 *
 * Every cell — (deployment, hour) and (idle node, hour) — gets cost × its GPU-hours ÷ all GPU-hours
 * of the period, in ONE largest-remainder pass, so the parts sum to the bill exactly (to the cent,
 * or to the bill's own precision when it has more decimals). Idle stays separate: it is the
 * utilization tax of the pool, never silently spread over deployments.
 */

export interface DeploymentHourShare {
  deployment: string;
  /** Hour start, ISO 8601 (or any key the caller groups by). */
  hour: string;
  /** GPU-hours in that hour, a decimal string (fractional for MIG and time-slicing). */
  gpuHours: string;
}

export interface IdleHourShare {
  node: string;
  hour: string;
  /** Idle GPU-hours; null = unknown (OpenCost gave no rate to derive them) → weight 0, counted in idleUnknown. */
  gpuHours: string | null;
}

export interface PoolSplitInput {
  /** The pool's effective cost for the period the shares cover (a day, or one hour), exact decimal. */
  cost: string;
  deployments: readonly DeploymentHourShare[];
  idle: readonly IdleHourShare[];
  /** Decimals of the parts; default max(2, decimals of cost) as in allocateLargestRemainder. */
  scale?: number;
}

export interface PoolSplit {
  /** One row per input deployment cell, in input order. */
  deployments: Array<DeploymentHourShare & { cost: string }>;
  /** One row per input idle cell, in input order (negative idle counts as 0: an over-committed node has no idle). */
  idle: Array<IdleHourShare & { cost: string }>;
  /** Per deployment over the period (sorted by name). */
  byDeployment: Array<{ deployment: string; gpuHours: string; cost: string }>;
  idleCost: string;
  /**
   * Cost of a period in which OpenCost reported no GPU-hours at all on the pool: not spread over
   * anybody, kept visible (the caller reports it as unattributed). Otherwise '0'.
   */
  unsharedCost: string;
  /** Idle cells whose GPU-hours were unknown. */
  idleUnknown: number;
}

function checkHours(v: string, where: string): Decimal {
  let d: Decimal;
  try {
    d = new Decimal(v);
  } catch {
    throw new RangeError(`${where}: ${JSON.stringify(v)} is not a decimal number of GPU-hours`);
  }
  if (!d.isFinite()) throw new RangeError(`${where}: ${v} is not finite`);
  return d;
}

export function splitPoolCost(input: PoolSplitInput): PoolSplit {
  const depWeights = input.deployments.map((d, i) => {
    const h = checkHours(d.gpuHours, `deployments[${i}].gpuHours`);
    if (h.isNegative()) throw new RangeError(`deployments[${i}].gpuHours must not be negative, got ${d.gpuHours}`);
    return h.toFixed();
  });
  let idleUnknown = 0;
  const idleWeights = input.idle.map((d, i) => {
    if (d.gpuHours === null) {
      idleUnknown++;
      return '0';
    }
    const h = checkHours(d.gpuHours, `idle[${i}].gpuHours`);
    return h.isNegative() ? '0' : h.toFixed();
  });
  const weights = [...depWeights, ...idleWeights];
  const total = weights.reduce((a, w) => a.plus(w), new Decimal(0));
  // The whole cost at the parts' scale (this also validates cost and scale).
  const whole = allocateLargestRemainder(input.cost, [1], input.scale)[0]!;
  const dp = whole.split('.')[1]?.length ?? 0;
  const zero = new Decimal(0).toFixed(dp);

  let parts: string[];
  let unsharedCost = zero;
  if (total.isZero()) {
    parts = weights.map(() => zero);
    unsharedCost = whole;
  } else {
    parts = allocateLargestRemainder(input.cost, weights, input.scale);
  }

  const deployments = input.deployments.map((d, i) => ({ ...d, cost: parts[i]! }));
  const idle = input.idle.map((d, i) => ({ ...d, cost: parts[depWeights.length + i]! }));
  const byDep = new Map<string, { gpuHours: Decimal; cost: Decimal }>();
  deployments.forEach((d, i) => {
    const r = byDep.get(d.deployment) ?? { gpuHours: new Decimal(0), cost: new Decimal(0) };
    byDep.set(d.deployment, { gpuHours: r.gpuHours.plus(depWeights[i]!), cost: r.cost.plus(d.cost) });
  });
  return {
    deployments,
    idle,
    byDeployment: [...byDep.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([deployment, r]) => ({ deployment, gpuHours: r.gpuHours.toFixed(), cost: r.cost.toFixed(dp) })),
    idleCost: idle.reduce((a, r) => a.plus(r.cost), new Decimal(0)).toFixed(dp),
    unsharedCost,
    idleUnknown,
  };
}
