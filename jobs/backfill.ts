import type { PlannedStep } from '../src/pipeline/planner.ts';
import { enqueuePlan } from './enqueue.ts';
import { connectRedis, DEFAULT_PREFIX, type RetryOptions } from './queues.ts';
import { waitForFlow, type FlowOutcome, type FlowProgress } from './wait.ts';

export interface QueuedBackfillResult {
  status: 'added' | 'running';
  rootJobId: string;
  jobIds: string[];
  replaced: number;
  /** Only with `wait`. */
  outcome?: FlowOutcome;
}

/**
 * `breakeven backfill` without --inline: the plan becomes one BullMQ flow (see enqueuePlan for
 * what a second run of the same or an overlapping range does); with `wait`, polls until the flow's
 * root finishes, reporting progress.
 */
export async function queueBackfill(
  redisUrl: string,
  plan: readonly PlannedStep[],
  opts: { prefix?: string; retry?: RetryOptions; wait?: boolean; pollMs?: number; onProgress?: (p: FlowProgress) => void } = {},
): Promise<QueuedBackfillResult> {
  const prefix = opts.prefix ?? DEFAULT_PREFIX;
  const connection = connectRedis(redisUrl, { role: 'producer', connectionName: `${prefix}-cli` });
  // Errors surface through the failing command; the listener only keeps ioredis from crashing.
  connection.on('error', () => {});
  try {
    const r = await enqueuePlan(connection, plan, { prefix, ...(opts.retry ? { retry: opts.retry } : {}) });
    const result: QueuedBackfillResult = { status: r.status, rootJobId: r.root.jobId, jobIds: r.jobs.map((j) => j.jobId), replaced: r.replaced };
    if (opts.wait) {
      result.outcome = await waitForFlow(connection, r.jobs, { prefix, ...(opts.pollMs ? { pollMs: opts.pollMs } : {}), ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
    }
    return result;
  } finally {
    await connection.quit().catch(() => connection.disconnect());
  }
}
