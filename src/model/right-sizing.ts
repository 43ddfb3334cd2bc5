import { Decimal } from 'decimal.js';
import { ceilTol, requireNumber } from './num.ts';

/**
 * COST-MODEL §11 right-sizing: the replicas a deployment's month of load needs at capacity ×
 * max_utilization (the capacity sizing uses, see estimateCapacityAtSlo), against what it runs now.
 * - static: the peak hour's count, every hour of the month;
 * - autoscale: each hour's own count (at least min_replicas), paid per hour.
 * The saving is (current replica-hours − recommended replica-hours) × the replica-hour cost, exact
 * decimal money; negative when the deployment runs fewer replicas than its load needs.
 */
const D = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_EVEN });

export interface RightSizingInput {
  /** The deployment's tokens per second (all replicas) in each hour of the month, in order; its length is the month's hours. */
  hourlyTokensPerSecond: readonly number[];
  capacityTpsPerReplica: number;
  maxUtilization: number;
  minReplicas: number;
  provisioning: 'static' | 'autoscale';
  /** Replicas running now (config deployments[].replicas), every hour. */
  currentReplicas: number;
  /** Cost of one replica for one hour (billed effective GPU cost per replica-hour), decimal money. */
  replicaHourCost: string | Decimal;
}

export interface RightSizingResult {
  /** static: the count to run; autoscale: the peak hour's count (the ceiling of the autoscaler). */
  recommendedReplicas: number;
  /** Fewest replicas any hour needs (autoscale's floor; equals recommendedReplicas for static). */
  minHourReplicas: number;
  recommendedReplicaHours: number;
  currentReplicaHours: number;
  /** Monthly saving at replicaHourCost, decimal string; negative = under-provisioned. */
  monthlySaving: string;
  /** Peak-hour load ÷ (current replicas × capacity), 0–∞: how hard the current fleet runs at the peak. */
  peakUtilization: number;
  /** Tokens served ÷ (current replica-hours × capacity × 3600): the month's token utilization. */
  averageUtilization: number;
}

export function rightSize(input: RightSizingInput): RightSizingResult {
  const cap = requireNumber('capacityTpsPerReplica', input.capacityTpsPerReplica, { gt: 0 });
  const u = requireNumber('maxUtilization', input.maxUtilization, { gt: 0, max: 1 });
  const minReplicas = requireNumber('minReplicas', input.minReplicas, { min: 0, integer: true });
  const current = requireNumber('currentReplicas', input.currentReplicas, { min: 0, integer: true });
  const cost = new D(input.replicaHourCost);
  if (!cost.isFinite() || cost.isNegative()) throw new RangeError(`replicaHourCost must be a finite amount ≥ 0, got ${String(input.replicaHourCost)}`);
  const load = input.hourlyTokensPerSecond.map((t, h) => requireNumber(`hourlyTokensPerSecond[${h}]`, t, { min: 0 }));
  const hours = load.length;
  const perHour = load.map((t) => Math.max(minReplicas, ceilTol(t / (cap * u))));
  const peak = perHour.reduce((m, n) => Math.max(m, n), minReplicas);
  const floor = perHour.length ? perHour.reduce((m, n) => Math.min(m, n), Infinity) : minReplicas;
  const recommendedReplicaHours = input.provisioning === 'static' ? peak * hours : perHour.reduce((a, n) => a + n, 0);
  const currentReplicaHours = current * hours;
  const peakLoad = load.reduce((m, t) => Math.max(m, t), 0);
  const total = load.reduce((a, t) => a + t, 0);
  return {
    recommendedReplicas: peak,
    minHourReplicas: input.provisioning === 'static' ? peak : floor,
    recommendedReplicaHours,
    currentReplicaHours,
    monthlySaving: cost.times(currentReplicaHours - recommendedReplicaHours).toFixed(),
    peakUtilization: current > 0 ? peakLoad / (current * cap) : peakLoad > 0 ? Infinity : 0,
    averageUtilization: currentReplicaHours > 0 ? total / (currentReplicaHours * cap) : 0,
  };
}
