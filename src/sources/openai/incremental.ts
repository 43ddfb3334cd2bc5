import type { Ctx } from '../../context.ts';
import { addDays, addMonths, monthStart, startOfDay, startOfHour } from '../../time.ts';

export interface IncrementalInput {
  /** sync_state.watermark: the end of the last committed window, or null before the first run. */
  watermark: Date | null;
  lookbackDays: number;
  now: Date;
}

/**
 * The window an incremental run re-reads: from the watermark minus the restatement lookback (or,
 * on a first run, the start of the month three months back) to now floored to the hour (the current
 * hour is still filling). The start is floored to UTC midnight so daily cost buckets are always
 * requested whole: a partial-day cost bucket next to an earlier full-day one would count twice.
 * An empty window (start >= end) means there is nothing to do yet.
 */
export function planIncrementalWindow(input: IncrementalInput): { start: Date; end: Date } {
  const end = startOfHour(input.now);
  const start = input.watermark ? startOfDay(addDays(input.watermark, -input.lookbackDays)) : addMonths(monthStart(input.now), -3);
  return { start, end };
}

/** planIncrementalWindow for the OpenAI source, reading its watermark and config. */
export async function planOpenAIIncrementalWindow(ctx: Ctx, account = 'default'): Promise<{ start: Date; end: Date }> {
  const state = await ctx.db
    .selectFrom('sync_state')
    .select('watermark')
    .where('source', '=', 'openai')
    .where('account', '=', account)
    .executeTakeFirst();
  return planIncrementalWindow({
    watermark: state?.watermark ?? null,
    lookbackDays: ctx.config.sources.openai.lookback_days,
    now: ctx.clock.now(),
  });
}
