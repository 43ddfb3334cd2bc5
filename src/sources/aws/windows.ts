import type { Ctx } from '../../context.ts';
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

export interface IncrementalInput {
  /** sync_state.watermark (end of the last committed window) or null before the first run. */
  watermark: Date | null;
  lookbackDays: number;
  now: Date;
}

/**
 * What an incremental AWS run re-pulls: from the watermark minus the restatement lookback and —
 * until the 10th, while last month's bill may still be restated — from the start of last month,
 * up to today (the open month is Estimated and is replaced on every pull). A first run starts at
 * the beginning of last month. Returns null when there is nothing to pull.
 */
export function planAwsIncremental(input: IncrementalInput): Window | null {
  const end = startOfDay(input.now);
  const previousMonth = addMonths(monthStart(input.now), -1);
  let start = input.watermark ? startOfDay(addDays(input.watermark, -input.lookbackDays)) : previousMonth;
  if (input.now.getUTCDate() <= BILL_CLOSE_DAY && previousMonth < start) start = previousMonth;
  return start < end ? { start, end } : null;
}

/** planAwsIncremental with the watermark from sync_state and the lookback from config. */
export async function planAwsIncrementalRange(ctx: Ctx, account = 'default'): Promise<Window | null> {
  const state = await ctx.db.selectFrom('sync_state').select('watermark').where('source', '=', 'aws').where('account', '=', account).executeTakeFirst();
  return planAwsIncremental({ watermark: state?.watermark ?? null, lookbackDays: ctx.config.sources.aws.lookback_days, now: ctx.clock.now() });
}
