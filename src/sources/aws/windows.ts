import { addDays, addMonths, monthStart, startOfDay } from '../../time.ts';

export interface Window {
  start: Date;
  end: Date;
}

/** Day after which the previous month's bill is taken as closed (no more restatements). */
export const BILL_CLOSE_DAY = 10;

const ceilDay = (d: Date) => (startOfDay(d).getTime() === d.getTime() ? d : addDays(startOfDay(d), 1));

/**
 * [start, end) in whole UTC days, never past today (Cost Explorer's today is still filling and a
 * request for the future buys nothing), split at month boundaries: each window is one request chain
 * and one transaction, and a month is the most a single chain needs.
 */
export function monthWindows(range: Window, now: Date): Window[] {
  const start = startOfDay(range.start);
  const today = startOfDay(now);
  const end = ceilDay(range.end) < today ? ceilDay(range.end) : today;
  const out: Window[] = [];
  for (let s = start; s < end; ) {
    const next = addMonths(monthStart(s), 1);
    const e = next < end ? next : end;
    out.push({ start: s, end: e });
    s = e;
  }
  return out;
}

