import type { PlannedStep } from '../src/pipeline/planner.ts';
import { enqueuePlan } from './enqueue.ts';
import { DEFAULT_PREFIX, type RetryOptions } from './queues.ts';
import { openRedis } from './redis.ts';
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
 * root finishes, reporting progress. An unreachable Redis or a rejected password fails at once with
 * one line; during `wait` a Redis restart is survived (see waitForFlow).
 */
export async function queueBackfill(
  redisUrl: string,
  plan: readonly PlannedStep[],
  opts: {
    prefix?: string;
    retry?: RetryOptions;
    wait?: boolean;
    pollMs?: number;
    onProgress?: (p: FlowProgress) => void;
    onNotice?: (line: string) => void;
    redisTimeoutMs?: number;
    idleMs?: number;
  } = {},
): Promise<QueuedBackfillResult> {
  const prefix = opts.prefix ?? DEFAULT_PREFIX;
  const connection = await openRedis(redisUrl, { connectionName: `${prefix}-cli`, ...(opts.redisTimeoutMs ? { timeoutMs: opts.redisTimeoutMs } : {}) });
  try {
    const r = await enqueuePlan(connection, plan, { prefix, ...(opts.retry ? { retry: opts.retry } : {}) });
    const result: QueuedBackfillResult = { status: r.status, rootJobId: r.root.jobId, jobIds: r.jobs.map((j) => j.jobId), replaced: r.replaced };
    if (opts.wait) {
      result.outcome = await waitForFlow(connection, r.jobs, {
        prefix,
        ...(opts.pollMs ? { pollMs: opts.pollMs } : {}),
        ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
        ...(opts.onNotice ? { onNotice: opts.onNotice } : {}),
        ...(opts.idleMs ? { idleMs: opts.idleMs } : {}),
      });
    }
    return result;
  } finally {
    await connection.quit().catch(() => connection.disconnect());
    connection.disconnect();
  }
}
