import type { Ctx } from '../context.ts';
import { readWatermark } from '../db/repositories/sync-state.ts';
import type { SourceName } from '../ingest/sources.ts';
import { addDays, addMonths, dayKey, monthStart, startOfDay } from '../time.ts';

/** Until this day of the month AWS may still restate last month's bill (SOURCES.md). */
export const AWS_BILL_CLOSE_DAY = 10;

/**
 * The one incremental planner (every source, inline or scheduled): the window a scheduled ingest
 * re-reads, computed when it runs (not when it was scheduled): from the watermark minus the source's
 * restatement lookback, up to today's midnight (whole days only: the step's payload is day-granular
 * and today is still filling). A first run starts at the beginning of last month; older history is
 * what `breakeven backfill` is for.
 */
export function incrementalWindow(input: { watermark: Date | null; lookbackDays: number; now: Date }): { from: string; to: string } | null {
  const to = startOfDay(input.now);
  const from = input.watermark ? startOfDay(addDays(input.watermark, -input.lookbackDays)) : addMonths(monthStart(input.now), -1);
  return from < to ? { from: dayKey(from), to: dayKey(to) } : null;
}

/** Month close: re-pull all of last month while its bill may still be restated (until the 10th). */
export function monthCloseWindow(now: Date): { from: string; to: string } | null {
  if (now.getUTCDate() > AWS_BILL_CLOSE_DAY) return null;
  return { from: dayKey(addMonths(monthStart(now), -1)), to: dayKey(monthStart(now)) };
}

/** The ingest payload a scheduled run of `source` covers now, or null when there is nothing new to pull. */
export async function planScheduledIngest(ctx: Ctx, source: SourceName): Promise<{ source: SourceName; from: string; to: string } | null> {
  const w = incrementalWindow({ watermark: await readWatermark(ctx.db, source), lookbackDays: ctx.config.sources[source].lookback_days, now: ctx.clock.now() });
  return w ? { source, ...w } : null;
}
