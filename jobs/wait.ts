import type { Redis } from 'ioredis';
import { errorMessage } from '../src/errors.ts';
import type { FlowNode } from './flow-tree.ts';
import { QueueSet } from './enqueue.ts';
import { DEFAULT_PREFIX } from './queues.ts';
import { RedisUnavailableError } from './redis.ts';

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

/** Nothing can make progress: no worker consumes a queue holding waiting jobs, for too long. */
export class NoWorkerError extends RedisUnavailableError {}

export interface WaitOptions {
  prefix?: string;
  pollMs?: number;
  onProgress?: (p: FlowProgress) => void;
  /** A one-line notice (Redis lost/back, no worker consuming); `--wait` prints it on stderr. */
  onNotice?: (line: string) => void;
  signal?: AbortSignal;
  /** Give up after this long with Redis unreachable or no worker consuming (default 120 s). */
  idleMs?: number;
}

const READY = new Set(['waiting', 'prioritized']);

/**
 * Polls a flow's jobs until its root finishes. A completed job evicted by retention reads as
 * `unknown`, which after the flow was added can only mean it finished. Failed jobs are reported
 * children first, so the first one named is the cause (its parents fail because of it).
 *
 * A Redis restart does not end the wait: the connection reconnects and polling resumes (one
 * notice when Redis goes, one when it is back). When jobs are ready but no worker consumes their
 * queue, a notice says so; after `idleMs` of either, the wait ends with one line (the jobs stay
 * queued for a worker to pick up later).
 */
export async function waitForFlow(connection: Redis, jobs: readonly FlowNode[], opts: WaitOptions = {}): Promise<FlowOutcome> {
  const queues = new QueueSet(connection, opts.prefix ?? DEFAULT_PREFIX);
  const pollMs = opts.pollMs ?? 500;
  const idleMs = opts.idleMs ?? 120_000;
  const notice = opts.onNotice ?? (() => {});
  let redisDownSince: number | undefined;
  let idleSince: number | undefined;
  let idleQueue: string | undefined;
  let reconnected = false;
  try {
    for (;;) {
      if (opts.signal?.aborted) throw new Error('stopped waiting');
      let states: string[];
      let consumers: Map<string, number>;
      try {
        states = await Promise.all(jobs.map((n) => queues.get(n.queue).getJobState(n.jobId)));
        const readyQueues = [...new Set(jobs.filter((_, i) => READY.has(states[i]!)).map((n) => n.queue))];
        consumers = new Map(await Promise.all(readyQueues.map(async (q) => [q, await queues.get(q).getWorkersCount()] as const)));
      } catch (err) {
        const now = Date.now();
        if (redisDownSince === undefined) {
          redisDownSince = now;
          notice(`Redis connection lost (${errorMessage(err)}); reconnecting, still waiting`);
        } else if (now - redisDownSince > idleMs) {
          throw new RedisUnavailableError(
            `gave up waiting: Redis has been unreachable for ${Math.round(idleMs / 1000)} s (${errorMessage(err)}); the jobs stay queued — check REDIS_URL, then \`breakeven status\``,
          );
        }
        await sleep(pollMs);
        continue;
      }
      if (redisDownSince !== undefined) {
        notice('Redis is back; still waiting');
        reconnected = true;
      }
      redisDownSince = undefined;
      // A job evicted by retention reads `unknown` (= finished), but every job gone at once right
      // after a reconnect means Redis came back without its data: say so rather than report success.
      if (reconnected && states.every((st) => st === 'unknown')) {
        throw new RedisUnavailableError('gave up waiting: after Redis came back, none of the backfill\'s jobs exist any more (a Redis restart without persistence?); run the same backfill again');
      }
      const done = states.filter((s) => s === 'completed' || s === 'unknown').length;
      opts.onProgress?.({ done, total: jobs.length, active: jobs.filter((_, i) => states[i] === 'active').map((n) => n.id) });
      const rootState = states[states.length - 1];
      if (rootState === 'completed' || rootState === 'unknown') return { ok: true, failed: [] };
      if (rootState === 'failed') return { ok: false, failed: await failedJobs(queues, jobs, states) };
      const unconsumed = [...consumers].find(([, n]) => n === 0)?.[0];
      if (unconsumed && !states.includes('active')) {
        const now = Date.now();
        if (idleSince === undefined || idleQueue !== unconsumed) {
          idleSince = now;
          idleQueue = unconsumed;
          notice(`no worker is consuming queue ${unconsumed}: start \`breakeven worker\` with the same REDIS_URL and BREAKEVEN_QUEUE_PREFIX; still waiting up to ${Math.round(idleMs / 1000)} s`);
        } else if (now - idleSince > idleMs) {
          throw new NoWorkerError(
            `gave up waiting: no worker has consumed queue ${unconsumed} for ${Math.round(idleMs / 1000)} s; the jobs stay queued — start \`breakeven worker\` (same REDIS_URL and BREAKEVEN_QUEUE_PREFIX) and they run`,
          );
        }
      } else {
        idleSince = undefined;
        idleQueue = undefined;
      }
      await sleep(pollMs);
    }
  } finally {
    await queues.close().catch(() => {});
  }
}

async function failedJobs(queues: QueueSet, jobs: readonly FlowNode[], states: string[]): Promise<FailedJob[]> {
  const failed: FailedJob[] = [];
  for (const [i, n] of jobs.entries()) {
    if (states[i] !== 'failed') continue;
    const job = await queues.get(n.queue).getJob(n.jobId);
    failed.push({ jobId: n.jobId, queue: n.queue, reason: errorMessage(job?.failedReason ?? '(reason not kept)'), attemptsMade: job?.attemptsMade ?? 0 });
  }
  return failed;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
