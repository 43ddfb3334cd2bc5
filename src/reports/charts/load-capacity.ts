import { COLORS, compact, legend, n, niceScale, plotHeight, plotWidth, svgOpen, text, yGrid, type Frame } from './svg.ts';

export interface LoadPoint {
  /** Hour index from the start of the month. */
  hour: number;
  /** Served tokens per second, averaged over the hour. */
  tokensPerSecond: number;
  /** Provisioned tokens per second that hour (replicas up × profile throughput), or null if unknown. */
  capacity: number | null;
}

const FRAME: Frame = { width: 600, height: 220, left: 58, right: 12, top: 34, bottom: 30 };

/**
 * Hourly load against provisioned capacity for one self-hosted deployment: the gap between the
 * blue area and the orange line is what idle GPUs cost.
 */
export function loadCapacityChart(
  deployment: string,
  hoursInMonth: number,
  points: LoadPoint[],
  targetUtilization: number | null,
): string {
  const f = FRAME;
  const w = plotWidth(f);
  const h = plotHeight(f);
  const max = Math.max(...points.map((p) => Math.max(p.tokensPerSecond, p.capacity ?? 0)), 0);
  const ys = niceScale(max * 1.1 || 1, 4);
  const X = (hour: number) => f.left + (hour / Math.max(hoursInMonth, 1)) * w;
  const Y = (v: number) => f.top + h - (Math.min(v, ys.max) / ys.max) * h;
  const parts: string[] = [svgOpen(f, `Hourly load vs provisioned capacity for ${deployment}`)];
  parts.push(yGrid(f, ys, (v) => compact(v)));
  parts.push(text(f.left - 6, f.top - 8, 'tok/s', `text-anchor="end" fill="${COLORS.axis}"`));
  for (let day = 0; day * 24 < hoursInMonth; day++) {
    if (day === 0 || (day + 1) % 5 === 0) parts.push(text(X(day * 24 + 12), f.height - f.bottom + 15, String(day + 1), `text-anchor="middle" fill="${COLORS.axis}"`));
  }

  const sorted = [...points].sort((a, b) => a.hour - b.hour);
  if (sorted.length > 0) {
    // Served load as a step area: each hour's average held across that hour.
    let d = `M${n(X(sorted[0]!.hour))} ${n(Y(0))}`;
    for (const p of sorted) d += ` V${n(Y(p.tokensPerSecond))} H${n(X(p.hour + 1))}`;
    d += ` V${n(Y(0))} Z`;
    parts.push(`<path d="${d}" fill="${COLORS.load}" fill-opacity="0.35" stroke="${COLORS.load}" stroke-width="0.8"/>`);

    const cap = sorted.filter((p) => p.capacity !== null);
    if (cap.length > 0) {
      let c = `M${n(X(cap[0]!.hour))} ${n(Y(cap[0]!.capacity!))}`;
      for (const p of cap) c += ` V${n(Y(p.capacity!))} H${n(X(p.hour + 1))}`;
      parts.push(`<path d="${c}" fill="none" stroke="${COLORS.capacity}" stroke-width="2"/>`);
      if (targetUtilization !== null && targetUtilization < 1) {
        let t = `M${n(X(cap[0]!.hour))} ${n(Y(cap[0]!.capacity! * targetUtilization))}`;
        for (const p of cap) t += ` V${n(Y(p.capacity! * targetUtilization))} H${n(X(p.hour + 1))}`;
        parts.push(`<path d="${t}" fill="none" stroke="${COLORS.target}" stroke-width="1.2" stroke-dasharray="5 4"/>`);
      }
    }
  }
  const items: Array<{ color: string; label: string; dashed?: boolean }> = [
    { color: COLORS.load, label: 'served' },
    { color: COLORS.capacity, label: 'provisioned' },
  ];
  if (targetUtilization !== null && targetUtilization < 1) items.push({ color: COLORS.target, label: `${Math.round(targetUtilization * 100)}% target`, dashed: true });
  parts.push(legend(f.left, 16, items));
  parts.push('</svg>');
  return parts.join('');
}
