/**
 * Exact counter arithmetic. Prometheus' increase() extrapolates to the window edges, so hourly sums
 * of it do not add up to what the counters really counted; token counts allocate money, so we diff
 * the counters' own values instead:
 *
 * - the value of a counter at an instant t is the latest sample at or before t (what a range query
 *   returns at step point t), so the increment of hour [H, H+1h) is value(H+1h) − value(H): every
 *   sample in (H, H+1h] counts for hour H ("evaluated at hour ends"), and day windows telescope
 *   exactly into days and months;
 * - a drop between two consecutive points is a restart from zero: the increment is the new value;
 * - the first point of a series in a query is only a baseline (as in increase()): a series that
 *   appears mid-window, e.g. after a scrape gap, must not count its whole history again.
 */
import { InputError } from '../../errors.ts';

export const HOUR_S = 3600;

/**
 * A counter sample below zero: no exporter counts negative tokens, so the series is broken (a
 * recording rule subtracting, an exporter bug). Rejected rather than stored as negative usage.
 */
export class NegativeCounterError extends InputError {
  constructor(
    readonly series: string,
    readonly at: number,
    readonly value: number,
  ) {
    super(
      `prometheus: counter ${series} has a negative sample (${value}) at ${new Date(at * 1000).toISOString()}; counters never go below zero — fix the exporter or recording rule behind it (nothing of this window was written)`,
    );
  }
}

/**
 * Increment between two consecutive readings of a counter, never negative: a drop means the
 * engine restarted and counted again from zero (Prometheus' own reset rule), so the increment is
 * the new value. A negative reading is refused (see NegativeCounterError).
 */
export function counterDelta(prev: number, cur: number, series = 'series', at = 0): number {
  if (cur < 0 || prev < 0) throw new NegativeCounterError(series, at, Math.min(cur, prev));
  return cur >= prev ? cur - prev : cur;
}

/** The hour (start, unix s) a point at `t` closes: points in (H, H+1h] belong to hour H. */
export function hourClosedBy(t: number): number {
  return (Math.ceil(t / HOUR_S) - 1) * HOUR_S;
}

/**
 * Hourly increments of one counter series from points at any step (ascending; null = NaN/Inf, skipped).
 * Only hours starting in [fromS, toS) are kept. With hourly points a gap of several hours lands its
 * whole increment in the hour closed by the point after the gap.
 */
export function hourlyIncrements(points: ReadonlyArray<readonly [number, number | null]>, fromS: number, toS: number, series = 'series'): Map<number, number> {
  const out = new Map<number, number>();
  let prev: number | null = null;
  for (const [t, v] of points) {
    if (v === null) continue;
    if (v < 0) throw new NegativeCounterError(series, t, v);
    if (prev !== null) {
      const h = hourClosedBy(t);
      if (h >= fromS && h < toS) out.set(h, (out.get(h) ?? 0) + counterDelta(prev, v, series, t));
    }
    prev = v;
  }
  return out;
}

/** Hours (start, unix s) in [fromS, toS) in which a `resets(x[65m])` series evaluated at hour ends reports a reset. */
export function resetHours(points: ReadonlyArray<readonly [number, number | null]>, fromS: number, toS: number): number[] {
  const out: number[] = [];
  for (const [t, v] of points) {
    const h = hourClosedBy(t);
    if (v !== null && v > 0 && h >= fromS && h < toS) out.push(h);
  }
  return out;
}

/** Consecutive hours merged into ranges [start, end] of hour boundaries (end = last hour + 1h). */
export function hourRanges(hours: Iterable<number>): Array<{ start: number; end: number }> {
  const sorted = [...new Set(hours)].sort((a, b) => a - b);
  const out: Array<{ start: number; end: number }> = [];
  for (const h of sorted) {
    const last = out[out.length - 1];
    if (last && last.end === h) last.end = h + HOUR_S;
    else out.push({ start: h, end: h + HOUR_S });
  }
  return out;
}
