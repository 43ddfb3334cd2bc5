import { Decimal } from 'decimal.js';

/** Days of history a spike is measured against (INTERFACES.md: the trailing 14-day median). */
export const SPIKE_WINDOW_DAYS = 14;

/** The median of `values` (a day without data counts as 0); null for an empty list. */
export function median(values: readonly Decimal[]): Decimal | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a.comparedTo(b));
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : sorted[mid - 1]!.plus(sorted[mid]!).div(2);
}

/**
 * Month-end spend projected from the days so far at their average daily rate: month-to-date ÷
 * days elapsed (including `day`) × days in the month.
 */
export function projectMonthEnd(monthToDate: Decimal, dayOfMonth: number, daysInMonth: number): Decimal {
  if (dayOfMonth < 1 || dayOfMonth > daysInMonth) throw new RangeError(`day ${dayOfMonth} is outside a ${daysInMonth}-day month`);
  return monthToDate.div(dayOfMonth).times(daysInMonth);
}

/**
 * A spike: the day's value above factor × the trailing median. No baseline (a median of 0, e.g. a
 * feature that just started) raises nothing: any growth from nothing would otherwise alert.
 */
export function spike(today: Decimal, trailing: readonly Decimal[], factor: number): { spiking: boolean; baseline: Decimal | null; threshold: Decimal | null } {
  const baseline = median(trailing);
  if (!baseline || baseline.lte(0)) return { spiking: false, baseline, threshold: null };
  const threshold = baseline.times(factor);
  return { spiking: today.gt(threshold), baseline, threshold };
}
