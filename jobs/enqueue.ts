import { FlowProducer, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { BreakevenError } from '../src/errors.ts';
import type { PlannedStep } from '../src/pipeline/planner.ts';
import { flattenTree, planToTree, toFlowJob, type FlowNode } from './flow-tree.ts';
import { DEFAULT_PREFIX, type QueueName, type RetryOptions } from './queues.ts';

/** A backfill overlapping one still running: retry later (or wait for the other to finish). */
export class FlowOverlapError extends BreakevenError {
  override readonly retryable = true;
}

export interface EnqueueResult {
  /** `added`: a new flow; `running`: the same flow is already queued/running, nothing was added. */
  status: 'added' | 'running';
  root: FlowNode;
  jobs: FlowNode[];
  /** Finished jobs of an earlier run with the same ids, removed so this run can reuse the ids. */
  replaced: number;
}

const FINISHED = new Set(['completed', 'failed', 'unknown']);

/** Queue handles over one connection, for lookups (closing them leaves the connection open). */
export class QueueSet {
  private readonly queues = new Map<string, Queue>();
  constructor(
    readonly connection: Redis,
    readonly prefix: string = DEFAULT_PREFIX,
  ) {}
  get(name: QueueName | string): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: this.connection, prefix: this.prefix });
      // Without a listener BullMQ prints every connection error (with its command, i.e. the AUTH
      // password) to the console; the failing call reports it instead.
      q.on('error', () => {});
      this.queues.set(name, q);
    }
    return q;
  }
  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
  }
}

export async function jobStates(queues: QueueSet, nodes: readonly FlowNode[]): Promise<string[]> {
  return Promise.all(nodes.map((n) => queues.get(n.queue).getJobState(n.jobId)));
}

/**
 * Enqueues a plan as one BullMQ flow, idempotently:
 * - the same flow already in progress (its root exists and has not finished) → nothing is added;
 * - another in-progress flow owns some of these ids (an overlapping range) → FlowOverlapError,
 *   since adding around it would re-parent its jobs;
 * - jobs with these ids that finished earlier (a previous backfill of the range) are history: they
 *   are removed so the new run can use the ids — re-running a range after changing attribution
 *   rules is the point of a backfill.
 */
export async function enqueuePlan(
  connection: Redis,
  plan: readonly PlannedStep[],
  opts: { prefix?: string; retry?: RetryOptions } = {},
): Promise<EnqueueResult> {
  const prefix = opts.prefix ?? DEFAULT_PREFIX;
  const root = planToTree(plan);
  const jobs = flattenTree(root);
  const queues = new QueueSet(connection, prefix);
  const flows = new FlowProducer({ connection, prefix });
  flows.on('error', () => {});
  try {
    const states = await jobStates(queues, jobs);
    const rootState = states[states.length - 1]!;
    if (!FINISHED.has(rootState)) return { status: 'running', root, jobs, replaced: 0 };
    const busy = jobs.findIndex((_, i) => !FINISHED.has(states[i]!));
    if (busy >= 0) {
      throw new FlowOverlapError(
        `job ${jobs[busy]!.jobId} is already ${states[busy]} in another run overlapping this range; wait for it to finish (breakeven status shows the queues), then run this again`,
      );
    }
    let replaced = 0;
    for (const [i, n] of jobs.entries()) {
      if (states[i] === 'unknown') continue;
      replaced += await queues.get(n.queue).remove(n.jobId, { removeChildren: false });
    }
    await flows.add(toFlowJob(root, opts.retry));
    return { status: 'added', root, jobs, replaced };
  } finally {
    await flows.close();
    await queues.close();
  }
}
