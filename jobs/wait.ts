import type { Redis } from 'ioredis';
import type { FlowNode } from './flow-tree.ts';
import { QueueSet } from './enqueue.ts';
import { DEFAULT_PREFIX } from './queues.ts';

export interface FlowProgress {
  done: number;
  total: number;
  /** Jobs currently being processed. */
  active: string[];
}

export interface FailedJob {
  jobId: string;
  queue: string;
  reason: string;
  attemptsMade: number;
}

export interface FlowOutcome {
  ok: boolean;
  failed: FailedJob[];
}

/**
 * Polls a flow's jobs until its root finishes. A completed job evicted by retention reads as
 * `unknown`, which after the flow was added can only mean it finished. Failed jobs are reported
 * children first, so the first one named is the cause (its parents fail because of it).
 */
export async function waitForFlow(
  connection: Redis,
  jobs: readonly FlowNode[],
  opts: { prefix?: string; pollMs?: number; onProgress?: (p: FlowProgress) => void; signal?: AbortSignal } = {},
): Promise<FlowOutcome> {
  const queues = new QueueSet(connection, opts.prefix ?? DEFAULT_PREFIX);
  const pollMs = opts.pollMs ?? 500;
  try {
    for (;;) {
      const states = await Promise.all(jobs.map((n) => queues.get(n.queue).getJobState(n.jobId)));
      const done = states.filter((s) => s === 'completed' || s === 'unknown').length;
      opts.onProgress?.({ done, total: jobs.length, active: jobs.filter((_, i) => states[i] === 'active').map((n) => n.id) });
      const rootState = states[states.length - 1];
      if (rootState === 'completed' || rootState === 'unknown') return { ok: true, failed: [] };
      if (rootState === 'failed') {
        const failed: FailedJob[] = [];
        for (const [i, n] of jobs.entries()) {
          if (states[i] !== 'failed') continue;
          const job = await queues.get(n.queue).getJob(n.jobId);
          failed.push({ jobId: n.jobId, queue: n.queue, reason: job?.failedReason ?? '(reason not kept)', attemptsMade: job?.attemptsMade ?? 0 });
        }
        return { ok: false, failed };
      }
      if (opts.signal?.aborted) throw new Error('stopped waiting');
      await new Promise((r) => setTimeout(r, pollMs));
    }
  } finally {
    await queues.close();
  }
}
