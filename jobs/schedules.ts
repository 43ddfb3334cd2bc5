import type { Ctx } from '../src/context.ts';
import { SOURCE_NAMES, type SourceName } from '../src/ingest/sources.ts';
import { addDays, addMonths, dayKey, lastFullMonth, monthKey, monthStart, startOfDay } from '../src/time.ts';
import type { QueueSet } from './enqueue.ts';
import { ingestQueueOf, jobOptions, type QueueName, type RetryOptions } from './queues.ts';

/** Scheduler job names (beside the step names) the workers know how to run. */
export const SCHEDULED_JOBS = ['plan-ingest', 'month-close', 'monthly-report'] as const;
export type ScheduledJobName = (typeof SCHEDULED_JOBS)[number];

/** Until this day of the month AWS may still restate last month's bill (SOURCES.md). */
export const AWS_BILL_CLOSE_DAY = 10;
/** Daily between the 1st and the close day, after the daily ingest. */
const MONTH_CLOSE_CRON = '45 3 1-10 * *';

export interface SchedulerSpec {
  queue: QueueName;
  id: string;
  name: ScheduledJobName;
  pattern: string;
  tz: string;
  data: Record<string, unknown>;
}

/** The schedulers the config asks for, with stable ids (registering again replaces, never adds). */
export function schedulerSpecs(config: Ctx['config']): { wanted: SchedulerSpec[]; unwanted: Array<{ queue: QueueName; id: string }> } {
  const tz = config.schedule.timezone;
  const wanted: SchedulerSpec[] = [];
  const unwanted: Array<{ queue: QueueName; id: string }> = [];
  for (const source of SOURCE_NAMES) {
    const queue = ingestQueueOf(source);
    const spec = { queue, id: `plan-ingest:${source}`, name: 'plan-ingest' as const, pattern: config.schedule.ingest_cron, tz, data: { source } };
    if (config.sources[source].enabled) wanted.push(spec);
    else unwanted.push({ queue, id: spec.id });
  }
  const close = { queue: ingestQueueOf('aws'), id: 'month-close:aws' };
  if (config.sources.aws.enabled) wanted.push({ ...close, name: 'month-close', pattern: MONTH_CLOSE_CRON, tz, data: { source: 'aws' } });
  else unwanted.push(close);
  wanted.push({ queue: 'report', id: 'monthly-report', name: 'monthly-report', pattern: config.schedule.report_cron, tz, data: {} });
  return { wanted, unwanted };
}

/** Upserts the wanted schedulers and removes those of sources now disabled. */
export async function registerSchedulers(ctx: Ctx, queues: QueueSet, retry?: RetryOptions): Promise<SchedulerSpec[]> {
  const { wanted, unwanted } = schedulerSpecs(ctx.config);
  for (const s of wanted) {
    await queues.get(s.queue).upsertJobScheduler(s.id, { pattern: s.pattern, tz: s.tz }, { name: s.name, data: s.data, opts: jobOptions(retry) });
  }
  for (const u of unwanted) await queues.get(u.queue).removeJobScheduler(u.id);
  ctx.log.info({ schedulers: wanted.map((s) => `${s.id} (${s.pattern} ${s.tz})`) }, 'job schedulers registered');
  return wanted;
}

/**
 * The window a scheduled ingest re-reads, computed when it runs (not when it was scheduled): from
 * the watermark minus the source's restatement lookback, up to today's midnight (whole days only:
 * the step's payload is day-granular and today is still filling). A first run starts at the
 * beginning of last month; older history is what `breakeven backfill` is for.
 */
export function incrementalWindow(input: { watermark: Date | null; lookbackDays: number; now: Date }): { from: string; to: string } | null {
  const to = startOfDay(input.now);
  const from = input.watermark ? startOfDay(addDays(input.watermark, -input.lookbackDays)) : addMonths(monthStart(input.now), -1);
  return from < to ? { from: dayKey(from), to: dayKey(to) } : null;
}

/** AWS month close: re-pull all of last month while its bill may still be restated (until the 10th). */
export function monthCloseWindow(now: Date): { from: string; to: string } | null {
  if (now.getUTCDate() > AWS_BILL_CLOSE_DAY) return null;
  return { from: dayKey(addMonths(monthStart(now), -1)), to: dayKey(monthStart(now)) };
}

export async function readWatermark(ctx: Ctx, source: SourceName): Promise<Date | null> {
  const row = await ctx.db
    .selectFrom('sync_state')
    .select((eb) => eb.fn.min('watermark').as('watermark'))
    .where('source', '=', source)
    .executeTakeFirst();
  return row?.watermark ? new Date(row.watermark) : null;
}

/** The ingest payload a `plan-ingest` job runs now, or null when there is nothing new to pull. */
export async function planScheduledIngest(ctx: Ctx, source: SourceName): Promise<{ source: SourceName; from: string; to: string } | null> {
  const w = incrementalWindow({ watermark: await readWatermark(ctx, source), lookbackDays: ctx.config.sources[source].lookback_days, now: ctx.clock.now() });
  return w ? { source, ...w } : null;
}

/** The month the monthly report covers when it fires: the last full month. */
export const reportMonthFor = (now: Date): string => monthKey(lastFullMonth(now));
