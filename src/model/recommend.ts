import { toNumber } from './num.ts';
import { formatAmount, formatPercent } from './format.ts';
import type { BreakEvenBinding } from './break-even.ts';
import type { Requirement } from '../config/schema.ts';

/**
 * A move to another architecture is recommended only when the model says it saves at least this
 * share of the current actual cost: counterfactuals are estimates (list prices, throughput
 * profiles), and switching has costs the model does not see (migration, on-call, vendor terms).
 */
export const SWITCH_MARGIN = 0.1;

/** Self-hosted deployments busier than this are not called out as a utilization problem. */
export const LOW_UTILIZATION = 0.5;

export type Architecture = 'api' | 'self_hosted';
export type Recommendation = 'api' | 'self_hosted' | 'hybrid';
export type RecommendationBinding = 'utilization' | 'volume' | 'price' | 'latency' | 'capacity' | 'requirement';

const REQUIREMENT_WORDS: Record<Requirement, string> = { data_residency: 'data residency', no_third_party: 'the no-third-party rule' };

export interface RecommendInput {
  architecture: Architecture;
  /** Complete months of data for the feature. */
  dataMonths: number;
  /** config min_months_for_recommendation (default 3). */
  minMonths: number;
  /** What the current architecture really cost (money of record) for the period compared. */
  actualCost: number | string;
  /** The other architecture, same work, same period. */
  counterfactualCost: number | string;
  /** hybridOptimum for the same period and prices (only its replicas, cost and peak are used). */
  hybrid?: { replicas: number; cost: number; peakReplicas?: number };
  breakEven?: { binding: BreakEvenBinding };
  /** Token-based utilization of the self-hosted capacity (actual for self-hosted, implied for API). */
  utilization?: number | null;
  /** Override SWITCH_MARGIN. */
  margin?: number;
  /**
   * COST-MODEL §11: the self-hosted replica count is set by the latency SLO (a measured capacity at
   * the SLO below the profile's throughput), not by raw throughput.
   */
  latencyBinds?: boolean;
  /** features[].requires: with any of them the API (and a hybrid's API spill) is not an option. */
  requires?: readonly Requirement[];
  /** Reporting currency of the costs (for the requirement's priced sentence). */
  currency?: string;
}

export interface RecommendResult {
  /** null = not enough data; the figures are still reported. */
  recommendation: Recommendation | null;
  label: string;
  binding: RecommendationBinding;
  reason: string;
  sufficient: boolean;
  /** With `requires`: what honouring it costs per month over the cheapest option it rules out (≥ 0), else null. */
  requirementCost: number | null;
}

const names: Record<Architecture, string> = { api: 'API', self_hosted: 'self-hosted' };

interface Option {
  kind: Recommendation;
  cost: number;
  replicas?: number;
}

/**
 * COST-MODEL §7. Picks the cheapest of: stay, the counterfactual, and a genuine hybrid (0 < N < peak);
 * moving away from the current architecture needs a saving of at least `margin` of the actual cost.
 * The binding factor is derived from what decided the comparison; 'latency' when self-hosting does
 * not win outright and the SLO, not throughput, sets its replica count (`latencyBinds`).
 */
export function recommend(input: RecommendInput): RecommendResult {
  if (input.requires && input.requires.length > 0) return recommendRequired(input, input.requires);
  const margin = input.margin ?? SWITCH_MARGIN;
  const actual = toNumber('actualCost', input.actualCost);
  const counterfactual = toNumber('counterfactualCost', input.counterfactualCost);
  const current: Option = { kind: input.architecture, cost: actual };
  const options: Option[] = [current, { kind: input.architecture === 'api' ? 'self_hosted' : 'api', cost: counterfactual }];
  const h = input.hybrid;
  if (h && h.replicas > 0 && (h.peakReplicas === undefined || h.replicas < h.peakReplicas)) {
    options.push({ kind: 'hybrid', cost: h.cost, replicas: h.replicas });
  }

  const cheapest = options.reduce((best, o) => (o.cost < best.cost ? o : best));
  const saving = actual > 0 ? (actual - cheapest.cost) / actual : 0;
  const move = cheapest !== current && saving >= margin;
  const chosen = move ? cheapest : current;
  const label = chosen.kind === 'hybrid' ? `hybrid (${chosen.replicas} replica${chosen.replicas === 1 ? '' : 's'})` : chosen.kind === 'api' ? 'api' : 'self-hosted';
  const binding = bindingFor(input, chosen.kind);

  const sufficient = input.dataMonths >= input.minMonths;
  if (!sufficient) {
    return { recommendation: null, label: 'insufficient data', binding, reason: `insufficient data: ${input.dataMonths} of ${input.minMonths} months`, sufficient, requirementCost: null };
  }

  let reason: string;
  if (move) {
    const target = chosen.kind === 'hybrid' ? label : chosen.kind === 'api' ? 'the API' : 'self-hosting';
    reason = `${target[0]!.toUpperCase()}${target.slice(1)} would cost ${formatPercent(saving)} less than today's ${names[input.architecture]} cost`;
  } else if (cheapest !== current) {
    reason = `${cheapest.kind === 'hybrid' ? 'A hybrid' : cheapest.kind === 'api' ? 'The API' : 'Self-hosting'} would save only ${formatPercent(saving)}, below the ${formatPercent(margin)} switching margin`;
  } else {
    reason = `${input.architecture === 'api' ? 'The API' : 'Self-hosting'} is already the cheapest option`;
  }
  return { recommendation: chosen.kind, label, binding, reason, sufficient, requirementCost: null };
}

/**
 * A feature that requires self-hosting (data residency, no third party) is self-hosted whatever the
 * price: the API and a hybrid's spill are ruled out, and the recommendation prices the constraint
 * against the cheapest option it rules out. The data-months rule still applies to the figures.
 */
function recommendRequired(input: RecommendInput, requires: readonly Requirement[]): RecommendResult {
  const actual = toNumber('actualCost', input.actualCost);
  const counterfactual = toNumber('counterfactualCost', input.counterfactualCost);
  const selfCost = input.architecture === 'self_hosted' ? actual : counterfactual;
  const apiCost = input.architecture === 'api' ? actual : counterfactual;
  const h = input.hybrid;
  const hybridCost = h && h.replicas > 0 && (h.peakReplicas === undefined || h.replicas < h.peakReplicas) ? h.cost : Infinity;
  const cheapestRuledOut = Math.min(apiCost, hybridCost);
  const extra = Math.max(0, selfCost - cheapestRuledOut);
  const by = requires.map((r) => REQUIREMENT_WORDS[r]).join(' and ');
  const sufficient = input.dataMonths >= input.minMonths;
  const move = input.architecture === 'api';
  const reason = !sufficient
    ? `insufficient data: ${input.dataMonths} of ${input.minMonths} months (self-hosting is required by ${by})`
    : extra > 0
      ? `${move ? 'Moving to self-hosting' : 'Self-hosting'} is required by ${by}; it costs ${formatAmount(extra, input.currency ?? 'USD')}/month more than ${cheapestRuledOut === apiCost ? 'the API' : 'a hybrid'} would`
      : `Self-hosting is required by ${by}, and it is also the cheapest option`;
  return {
    recommendation: sufficient ? 'self_hosted' : null,
    label: sufficient ? 'self-hosted' : 'insufficient data',
    binding: 'requirement',
    reason,
    sufficient,
    requirementCost: extra,
  };
}

function bindingFor(input: RecommendInput, chosen: Recommendation): RecommendationBinding {
  const lowUtil = input.utilization != null && input.utilization < LOW_UTILIZATION;
  // The SLO made self-hosting need more replicas than throughput alone would: what holds it back.
  if (input.latencyBinds && chosen !== 'self_hosted') return 'latency';
  if (chosen === 'hybrid') return 'utilization';
  if (chosen === 'api') {
    // Self-hosting loses: idle capacity, too little volume, a too-cheap API or a too-slow replica.
    if (input.architecture === 'self_hosted' && lowUtil) return 'utilization';
    return input.breakEven?.binding ?? (lowUtil ? 'utilization' : 'price');
  }
  // Self-hosting wins: the volume keeps the replicas busy enough.
  return 'volume';
}
