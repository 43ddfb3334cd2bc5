import type { Ctx } from '../src/context.ts';
import { SOURCE_NAMES } from '../src/ingest/sources.ts';
import { SOURCES } from '../src/sources/registry.ts';
import { addDays, dayKey, lastFullMonth, monthKey, startOfDay } from '../src/time.ts';
import type { QueueSet } from './enqueue.ts';
import { ingestQueueOf, jobOptions, type QueueName, type RetryOptions } from './queues.ts';

/** Scheduler job names (beside the step names) the workers know how to run. */
export const SCHEDULED_JOBS = ['plan-ingest', 'month-close', 'monthly-report'] as const;
export type ScheduledJobName = (typeof SCHEDULED_JOBS)[number];

import { AWS_BILL_CLOSE_DAY } from '../src/pipeline/incremental.ts';
export { AWS_BILL_CLOSE_DAY };
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
  // Sources whose bill is restated until it closes get a daily month-close re-pull (src/sources descriptors).
  for (const source of SOURCE_NAMES.filter((s) => SOURCES[s].monthClose)) {
    const close = { queue: ingestQueueOf(source), id: `month-close:${source}` };
    if (config.sources[source].enabled) wanted.push({ ...close, name: 'month-close', pattern: MONTH_CLOSE_CRON, tz, data: { source } });
    else unwanted.push(close);
  }
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

// The planners live in src/pipeline/ (pure, shared with the inline driver and tests); jobs only schedule them.
export { incrementalWindow, monthCloseWindow, planScheduledIngest } from '../src/pipeline/incremental.ts';
export { readWatermark } from '../src/db/repositories/sync-state.ts';

/** The month the monthly report covers when it fires: the last full month. */
export const reportMonthFor = (now: Date): string => monthKey(lastFullMonth(now));

/** The day the alerts evaluate after a scheduled ingest: yesterday (UTC), the last whole day pulled. */
export const alertDayFor = (now: Date): string => dayKey(addDays(startOfDay(now), -1));
