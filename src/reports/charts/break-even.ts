import { COLORS, compact, legend, n, niceScale, plotHeight, plotWidth, svgOpen, text, yGrid, type Frame } from './svg.ts';

/**
 * The break-even picture for one feature: the API's linear cost against self-hosting's step
 * function (one step per replica), with this month's volume and the break-even volume marked.
 */
export interface BreakEvenCurve {
  feature: string;
  currencySymbol: string;
  /** Tokens one replica serves in a month at the profile's max utilization. */
  capacityPerReplicaMonth: number;
  /** Monthly cost of one replica, overhead included. */
  replicaMonthCost: number;
  /** Fixed monthly cost paid once anything is self-hosted (the ops share). */
  fixedMonthCost: number;
  apiPricePer1M: number;
  volume: number;
  /** The stepped break-even volume, or null for "never". */
  breakEvenVolume: number | null;
}

const num = (v: unknown): number | null => {
  const x = typeof v === 'string' ? Number(v) : typeof v === 'number' ? v : NaN;
  return Number.isFinite(x) ? x : null;
};

/**
 * Reads the curve from a feature row's `assumptions.break_even` (+ overheads / ops). Returns null
 * when the keys needed to draw it are missing: the card then says so instead of drawing nonsense.
 * The replica's cost with overhead is taken from selfCostPer1MAtFullCapacity × capacity when both
 * are present (so the curve matches what compute used), else replicaMonthCost × (1 + overhead).
 */
export function breakEvenCurveFrom(
  feature: string,
  assumptions: Record<string, unknown>,
  volume: number,
  breakEvenVolume: number | null,
  currencySymbol: string,
): BreakEvenCurve | null {
  const be = assumptions.break_even;
  if (!be || typeof be !== 'object') return null;
  const b = be as Record<string, unknown>;
  const cap = num(b.capacityPerReplicaMonth);
  const api = num(b.apiPricePer1M);
  if (!cap || cap <= 0 || api === null) return null;
  const overheads = (assumptions.overheads ?? {}) as Record<string, unknown>;
  const overhead = num(overheads.self_hosted) ?? 0;
  // One replica's monthly cost with overhead; the fixed ops cost is added once, below. (The model's
  // selfCostPer1MAtFullCapacity already includes ops, so it must not be used per step.)
  const marginal = num(b.marginalCostPer1M);
  const replica = marginal !== null ? (marginal * cap) / 1e6 : (num(b.replicaMonthCost) ?? NaN) * (1 + overhead);
  if (!Number.isFinite(replica) || replica <= 0) return null;
  const fixed = num(b.opsFixed) ?? num(b.fixedMonthCost) ?? 0;
  return { feature, currencySymbol, capacityPerReplicaMonth: cap, replicaMonthCost: replica, fixedMonthCost: fixed, apiPricePer1M: api, volume, breakEvenVolume };
}

/** The smallest volume where the step curve is at or below the API line, from the curve itself. */
export function curveCrossing(c: BreakEvenCurve, maxReplicas = MAX_STEPS): number | null {
  if (c.apiPricePer1M <= 0) return null;
  for (let k = 1; k <= maxReplicas; k++) {
    const v = Math.max((k - 1) * c.capacityPerReplicaMonth, ((k * c.replicaMonthCost + c.fixedMonthCost) / c.apiPricePer1M) * 1e6);
    if (v <= k * c.capacityPerReplicaMonth) return v;
  }
  return null;
}

const FRAME: Frame = { width: 600, height: 260, left: 64, right: 18, top: 34, bottom: 40 };
const MAX_STEPS = 400;

export function breakEvenChart(c: BreakEvenCurve): string {
  const f = FRAME;
  const w = plotWidth(f);
  const h = plotHeight(f);
  const candidates = [c.volume * 1.4, c.capacityPerReplicaMonth * 1.6];
  if (c.breakEvenVolume !== null) candidates.push(c.breakEvenVolume * 1.3);
  const xMax = Math.min(Math.max(...candidates, 1), c.capacityPerReplicaMonth * MAX_STEPS);
  const xs = niceScale(xMax, 5);
  const selfAt = (v: number) => Math.max(1, Math.ceil(v / c.capacityPerReplicaMonth - 1e-9)) * c.replicaMonthCost + c.fixedMonthCost;
  const apiAt = (v: number) => (v / 1e6) * c.apiPricePer1M;
  const ys = niceScale(Math.max(apiAt(xs.max), selfAt(xs.max), 1) * 1.05, 4);
  const X = (v: number) => f.left + (v / xs.max) * w;
  const Y = (v: number) => f.top + h - (Math.min(v, ys.max) / ys.max) * h;

  const parts: string[] = [svgOpen(f, `Break-even for ${c.feature}: API cost vs self-hosted cost by monthly volume`)];
  parts.push(yGrid(f, ys, (v) => `${c.currencySymbol}${compact(v)}`));
  for (let v = 0; v <= xs.max + xs.step / 1000; v += xs.step) {
    parts.push(text(X(v), f.height - f.bottom + 16, compact(v), `text-anchor="middle" fill="${COLORS.axis}"`));
  }
  parts.push(text(f.left + w / 2, f.height - 6, 'tokens per month', `text-anchor="middle" fill="${COLORS.axis}"`));

  // Self-hosted: a flat step per replica, a jump at each replica's capacity.
  const steps = Math.ceil(xs.max / c.capacityPerReplicaMonth);
  const level = (replicas: number) => replicas * c.replicaMonthCost + c.fixedMonthCost;
  let d = `M${n(X(0))} ${n(Y(level(1)))}`;
  for (let k = 1; k <= steps; k++) {
    d += ` H${n(X(Math.min(k * c.capacityPerReplicaMonth, xs.max)))}`;
    if (k < steps) d += ` V${n(Y(level(k + 1)))}`;
  }
  parts.push(`<path d="${d}" fill="none" stroke="${COLORS.self}" stroke-width="2.5"/>`);
  // The API line keeps its slope; where it leaves the y range it ends at the top edge.
  const apiEnd = c.apiPricePer1M > 0 ? Math.min(xs.max, (ys.max / c.apiPricePer1M) * 1e6) : xs.max;
  parts.push(`<line x1="${n(X(0))}" y1="${n(Y(0))}" x2="${n(X(apiEnd))}" y2="${n(Y(apiAt(apiEnd)))}" stroke="${COLORS.api}" stroke-width="2.5"/>`);

  parts.push(text(4, f.top - 8, 'per month', `fill="${COLORS.axis}"`));
  if (c.volume > 0 && c.volume <= xs.max) {
    const x = X(c.volume);
    parts.push(`<circle cx="${n(x)}" cy="${n(Y(apiAt(c.volume)))}" r="3.5" fill="${COLORS.api}"/>`);
    parts.push(`<circle cx="${n(x)}" cy="${n(Y(selfAt(c.volume)))}" r="3.5" fill="${COLORS.self}"/>`);
    parts.push(`<line x1="${n(x)}" x2="${n(x)}" y1="${f.top}" y2="${f.top + h}" stroke="${COLORS.marker}" stroke-width="1.5" stroke-dasharray="4 3"/>`);
    const right = x > f.left + w * 0.7;
    parts.push(text(right ? x - 4 : x + 4, f.top + 12, `this month ${compact(c.volume)}`, `fill="${COLORS.marker}" ${right ? 'text-anchor="end"' : ''}`));
  }
  if (c.breakEvenVolume !== null && c.breakEvenVolume <= xs.max) {
    const x = X(c.breakEvenVolume);
    const y = Y(apiAt(c.breakEvenVolume));
    parts.push(`<circle cx="${n(x)}" cy="${n(y)}" r="5" fill="#ffffff" stroke="${COLORS.good}" stroke-width="2.5"/>`);
    const right = x > f.left + w * 0.7;
    parts.push(text(right ? x - 8 : x + 8, y + 16, `break-even ${compact(c.breakEvenVolume)}`, `fill="${COLORS.good}" font-weight="bold" ${right ? 'text-anchor="end"' : ''}`));
  }
  if (c.breakEvenVolume === null && curveCrossing(c) === null) {
    parts.push(text(f.left + w - 4, f.top + 28, 'no break-even: self-hosting never cheaper', `text-anchor="end" fill="${COLORS.axis}" font-style="italic"`));
  }
  parts.push(
    legend(f.left, 16, [
      { color: COLORS.api, label: 'API (linear)' },
      { color: COLORS.self, label: 'Self-hosted (per replica)' },
      { color: COLORS.marker, label: 'this month', dashed: true },
    ]),
  );
  parts.push('</svg>');
  return parts.join('');
}
