import type { Ctx } from '../src/context.ts';
import type { SourceName } from '../src/ingest/sources.ts';
import type { QueueSet } from './enqueue.ts';
import { jobOptions, type RetryOptions } from './queues.ts';
import { alertDayFor } from './schedules.ts';

/**
 * After a scheduled ingest: queue the `alerts` step for yesterday, once per (source, day) — each
 * source's data can raise an alert the earlier ones could not; sends stay once per (alert, day)
 * because they are claimed. Nothing is queued when no alert rules are configured.
 */
export async function queueAlertsAfterIngest(ctx: Ctx, queues: QueueSet, source: SourceName, retry?: RetryOptions): Promise<string | null> {
  if (ctx.config.alerts.length === 0) return null;
  const day = alertDayFor(ctx.clock.now());
  const jobId = `alerts:${source}:${day}`;
  await queues.get('report').add('alerts', { day, send: true }, { ...jobOptions(retry), jobId });
  return jobId;
}
