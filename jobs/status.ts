import type { Redis } from 'ioredis';
import { QueueSet } from './enqueue.ts';
import { DEFAULT_PREFIX, QUEUE_NAMES } from './queues.ts';
import { openRedis } from './redis.ts';
import { errorMessage } from '../src/errors.ts';

export interface QueueFailedJob {
  id: string;
  /** The step (the job's name): ingest, compute, report, deliver, alerts. */
  name: string;
  /** What the step ran on, from its payload: `openai 2026-09-01..2026-10-01`, `2026-09`, a day. */
  window: string | null;
  reason: string;
  attemptsMade: number;
  failedAt: string | null;
}

export interface QueueScheduler {
  id: string;
  jobName: string;
  pattern: string | null;
  every: number | null;
  tz: string | null;
  /** Next run, ISO 8601. */
  next: string | null;
}

export interface QueueInfo {
  name: string;
  counts: Record<string, number>;
  /** Most recent failed jobs (newest first), with their error. */
  failed: QueueFailedJob[];
  schedulers: QueueScheduler[];
}

export interface QueueStatus {
  prefix: string;
  queues: QueueInfo[];
}

/** Reads the queues over an existing connection (the worker's dashboard uses this). */
export async function readQueueStatus(connection: Redis, opts: { prefix?: string; failedLimit?: number } = {}): Promise<QueueStatus> {
  const prefix = opts.prefix ?? DEFAULT_PREFIX;
  const limit = opts.failedLimit ?? 10;
  const queues = new QueueSet(connection, prefix);
  try {
    const infos = await Promise.all(
      QUEUE_NAMES.map(async (name): Promise<QueueInfo> => {
        const q = queues.get(name);
        const [counts, failed, schedulers] = await Promise.all([
          q.getJobCounts('waiting', 'active', 'delayed', 'waiting-children', 'prioritized', 'completed', 'failed'),
          q.getFailed(0, limit - 1),
          q.getJobSchedulers(0, -1, true),
        ]);
        return {
          name,
          counts,
          failed: failed.filter(Boolean).map((j) => ({
            id: String(j.id),
            name: j.name,
            window: jobWindow(j.data),
            // Job errors are redacted when thrown (toJobError); again here for jobs failed before that.
            reason: errorMessage(j.failedReason ?? ''),
            attemptsMade: j.attemptsMade,
            failedAt: j.finishedOn ? new Date(j.finishedOn).toISOString() : null,
          })),
          schedulers: schedulers.map((s) => ({
            id: s.id ?? s.key,
            jobName: s.name,
            pattern: s.pattern ?? null,
            every: s.every ?? null,
            tz: s.tz ?? null,
            next: s.next ? new Date(s.next).toISOString() : null,
          })),
        };
      }),
    );
    return { prefix, queues: infos };
  } finally {
    await queues.close();
  }
}

/**
 * Counts per queue, recent failed jobs with their reasons, and next scheduled runs — for
 * `breakeven status`. Opens and closes its own connection; fails (rather than hanging) when Redis
 * is unreachable.
 */
export async function queueStatus(redisUrl: string, opts: { prefix?: string; failedLimit?: number; timeoutMs?: number } = {}): Promise<QueueStatus> {
  const connection = await openRedis(redisUrl, { connectionName: `${opts.prefix ?? DEFAULT_PREFIX}-status`, reconnect: false, ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) });
  try {
    return await readQueueStatus(connection, opts);
  } finally {
    connection.disconnect();
  }
}

/** A step payload's subject in one short phrase (source and [from, to), month or day). */
export function jobWindow(data: unknown): string | null {
  if (!data || typeof data !== 'object') return null;
  const d = data as Record<string, unknown>;
  const str = (k: string) => (typeof d[k] === 'string' ? (d[k] as string) : null);
  const range = str('from') && str('to') ? `${str('from')}..${str('to')}` : null;
  const what = range ?? str('month') ?? str('day');
  if (!what) return null;
  return str('source') ? `${str('source')} ${what}` : what;
}
