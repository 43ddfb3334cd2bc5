/**
 * FinOps metric helpers (COST-MODEL §8) over pre-aggregated inputs. Each returns null when its
 * denominator is zero or missing, so a report prints "–" rather than 0 or Infinity.
 */

type Num = number | string;

function num(x: Num | null | undefined): number | null {
  if (x === null || x === undefined) return null;
  const n = typeof x === 'string' ? Number(x) : x;
  return Number.isFinite(n) ? n : null;
}

function ratio(a: Num | null | undefined, b: Num | null | undefined): number | null {
  const x = num(a);
  const y = num(b);
  return x === null || y === null || y === 0 ? null : x / y;
}

/** Token-based utilization: tokens served ÷ capacity (tokens the deployment could serve in the period). */
export function tokenUtilization(tokensServed: Num, capacityTokens: Num): number | null {
  return ratio(tokensServed, capacityTokens);
}

/** Capacity in tokens of `replicas` replicas at `tps` each over `hours` (at 100 %, for utilization). */
export function capacityTokens(tps: number, replicas: number, hours: number): number {
  return tps * replicas * hours * 3600;
}

export function costPerRequest(cost: Num, requests: Num): number | null {
  return ratio(cost, requests);
}

export function tokensPerRequest(tokens: Num, requests: Num): number | null {
  return ratio(tokens, requests);
}

/** Cost per 1M tokens (blended rate, §1). */
export function ratePer1M(cost: Num, tokens: Num): number | null {
  const r = ratio(cost, tokens);
  return r === null ? null : r * 1_000_000;
}

/** Prefix-cache hit rate: hits ÷ queries. */
export function cacheHitRate(hits: Num, queries: Num): number | null {
  return ratio(hits, queries);
}

/** Measured tokens/s per GPU: tokens served ÷ (GPU-hours × 3600), to compare with the profile. */
export function measuredTpsPerGpu(tokensServed: Num, gpuHours: Num): number | null {
  const r = ratio(tokensServed, gpuHours);
  return r === null ? null : r / 3600;
}

/** Share of cost spent in hours with zero tokens (the "utilization tax"). */
export function idleShare(idleCost: Num, totalCost: Num): number | null {
  return ratio(idleCost, totalCost);
}

/** Month-over-month change as a fraction (0.25 = +25 %); null without a previous value or from zero. */
export function monthOverMonth(current: Num | null | undefined, previous: Num | null | undefined): number | null {
  const c = num(current);
  const p = num(previous);
  if (c === null || p === null || p === 0) return null;
  return (c - p) / Math.abs(p);
}
