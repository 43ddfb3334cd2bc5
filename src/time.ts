import { InputError } from './errors.ts';

/** Calendar helpers, all in UTC. A month is named 'YYYY-MM'; a day 'YYYY-MM-DD'. */
const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;

export function parseMonth(s: string, what = 'month'): Date {
  const m = /^(\d{4})-(\d{2})$/.exec(s);
  if (!m) throw new InputError(`${what} must be YYYY-MM, got "${s}"`);
  if (Number(m[2]) < 1 || Number(m[2]) > 12) throw new InputError(`${what} "${s}" is not a calendar month (the month is 01–12)`);
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1));
}

export function parseDay(s: string, what = 'date'): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) throw new InputError(`${what} must be YYYY-MM-DD, got "${s}"`);
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  // The shape is right but the day does not exist (2026-02-30, 2026-13-01): say that, not the format.
  if (d.toISOString().slice(0, 10) !== s) throw new InputError(`${what} "${s}" is not a calendar date`);
  return d;
}

export const monthKey = (d: Date): string => d.toISOString().slice(0, 7);
export const dayKey = (d: Date): string => d.toISOString().slice(0, 10);
export const monthStart = (d: Date): Date => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
export const addMonths = (d: Date, n: number): Date => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1));
export const addDays = (d: Date, n: number): Date => new Date(d.getTime() + n * DAY_MS);
export const addHours = (d: Date, n: number): Date => new Date(d.getTime() + n * HOUR_MS);
export const startOfDay = (d: Date): Date => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
export const startOfHour = (d: Date): Date => new Date(Math.floor(d.getTime() / HOUR_MS) * HOUR_MS);
export const hoursInMonth = (month: Date): number => (addMonths(month, 1).getTime() - month.getTime()) / HOUR_MS;

/** The last month that has fully ended before `now`. */
export const lastFullMonth = (now: Date): Date => addMonths(monthStart(now), -1);

/** Splits [start, end) into consecutive windows of at most `days` days, aligned on UTC midnight. */
export function dayWindows(start: Date, end: Date, days = 1): Array<{ start: Date; end: Date }> {
  const out: Array<{ start: Date; end: Date }> = [];
  let s = start;
  while (s < end) {
    const next = addDays(startOfDay(s), days);
    const e = next < end ? next : end;
    out.push({ start: s, end: e });
    s = e;
  }
  return out;
}

/** The months [from, to] inclusive, as first days. */
export function monthRange(from: Date, to: Date): Date[] {
  const out: Date[] = [];
  for (let m = monthStart(from); m <= to; m = addMonths(m, 1)) out.push(m);
  return out;
}
