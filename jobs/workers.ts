import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Ctx } from '../src/context.ts';
import { errorMessage } from '../src/errors.ts';
import { SOURCE_NAMES, type SourceName } from '../src/ingest/sources.ts';
import { planRange } from '../src/pipeline/planner.ts';
import { runStep, STEP_NAMES, type StepName } from '../src/pipeline/steps.ts';
import { parseMonth } from '../src/time.ts';
import { enqueuePlan, QueueSet } from './enqueue.ts';
import { queueAlertsAfterIngest } from './alerts.ts';
import { toJobError } from './errors.ts';
import { createWorkerMetrics, type WorkerMetrics } from './metrics.ts';
import { connectRedis, DEFAULT_PREFIX, QUEUE_NAMES, sourceOfQueue, type QueueName, type RetryOptions } from './queues.ts';
import { AWS_BILL_CLOSE_DAY, monthCloseWindow, planScheduledIngest, registerSchedulers, reportMonthFor, type SchedulerSpec } from './schedules.ts';

/** The step runner the processors call; injectable so tests can drive the queue mechanics. */
export type StepRunner = (ctx: Ctx, name: StepName, payload: unknown) => Promise<unknown>;

export interface RateLimit {
  /** At most `max` jobs of the queue start per `duration` ms, across all worker processes. */
  max: number;
  duration: number;
}

/**
 * Per-vendor job rate limits. A job is a window (up to a month), i.e. several paged requests; the
 * fetch helper still honours each 429's Retry-After. Cost Explorer is the strict one: every request
 * costs $0.01, so at most one AWS window starts every two seconds.
 */
export const DEFAULT_LIMITS: Record<SourceName, RateLimit> = {
  openai: { max: 2, duration: 1_000 },
  anthropic: { max: 2, duration: 1_000 },
  aws: { max: 1, duration: 2_000 },
  prometheus: { max: 5, duration: 1_000 },
  opencost: { max: 5, duration: 1_000 },
};

export interface StallSettings {
  /** How long a worker's lock on a job lasts without renewal (renewed every half of it). */
  lockDuration: number;
  /** How often workers look for jobs whose lock expired (their worker died) and requeue them. */
  stalledInterval: number;
  /** Requeues allowed before a job that keeps killing its worker is failed. */
  maxStalledCount: number;
}

export const DEFAULT_STALL: StallSettings = { lockDuration: 60_000, stalledInterval: 30_000, maxStalledCount: 2 };

export interface StartWorkersOptions {
  redisUrl: string;
  /** Redis key prefix (tests use a unique one per file); default ctx.env.BREAKEVEN_QUEUE_PREFIX. */
  prefix?: string;
  /** Parallel jobs per queue in this process (default 1). */
  concurrency?: number;
  limiter?: Partial<Record<SourceName, RateLimit>>;
  retry?: RetryOptions;
  stall?: Partial<StallSettings>;
  runStep?: StepRunner;
  /** Register the job schedulers from ctx.config (default true). */
  schedulers?: boolean;
  /** Which queues to work (default all). */
  queues?: readonly QueueName[];
  connectionName?: string;
}

export interface WorkersHandle {
  workers: Worker[];
  queues: QueueSet;
  metrics: WorkerMetrics;
  connection: Redis;
  schedulers: SchedulerSpec[];
  /** Jobs this process is running right now. */
  inFlight(): number;
  /** Redis reachable and every worker running. */
  healthy(): boolean;
  /**
   * Graceful stop: take no new jobs, let in-flight jobs finish for up to `graceMs`, then close.
   * Jobs still running at the deadline are left locked; their lock expires and another worker's
   * stalled check puts them back in the queue (each step is idempotent, so a rerun converges).
   */
  close(opts?: { graceMs?: number }): Promise<{ handedBack: number }>;
}

export async function startWorkers(ctx: Ctx, opts: StartWorkersOptions): Promise<WorkersHandle> {
  const prefix = opts.prefix ?? ctx.env.BREAKEVEN_QUEUE_PREFIX ?? DEFAULT_PREFIX;
  const run = opts.runStep ?? runStep;
  const stall = { ...DEFAULT_STALL, ...opts.stall };
  const connection = connectRedis(opts.redisUrl, { role: 'worker', connectionName: opts.connectionName ?? `${prefix}-worker`, timeoutMs: ctx.env.BREAKEVEN_REDIS_TIMEOUT_MS });
  connection.on('error', (err: Error) => ctx.log.warn({ err: err.message }, 'redis connection error'));
  const queues = new QueueSet(connection, prefix);
  const metrics = createWorkerMetrics(ctx, queues);
  let active = 0;

  const ingest = async (job: Job, payload: { source: SourceName; from: string; to: string }) => {
    const result = (await run(ctx, 'ingest', payload)) as { rows?: number; requests?: number } | undefined;
    if (typeof result?.rows === 'number') metrics.rowsIngested.inc({ source: payload.source }, result.rows);
    if (typeof result?.requests === 'number') metrics.vendorRequests.inc({ source: payload.source }, result.requests);
    ctx.log.info({ jobId: job.id, source: payload.source, window: `${payload.from}..${payload.to}`, rows: result?.rows }, 'ingest job done');
    return { ...payload, ...(result && typeof result === 'object' ? result : { result }) };
  };

  const dispatch = async (job: Job): Promise<unknown> => {
    const now = ctx.clock.now();
    switch (job.name) {
      case 'plan-ingest': {
        const source = job.data?.source as SourceName;
        if (!SOURCE_NAMES.includes(source)) throw new UnrecoverableError(`plan-ingest without a known source: ${JSON.stringify(source)}`);
        const payload = await planScheduledIngest(ctx, source);
        const result = payload ? await ingest(job, payload) : { source, skipped: 'nothing new to pull' };
        const alertsJob = await queueAlertsAfterIngest(ctx, queues, source, opts.retry);
        return alertsJob ? { ...result, alertsJob } : result;
      }
      case 'month-close': {
        const source = job.data?.source as SourceName;
        if (!SOURCE_NAMES.includes(source)) throw new UnrecoverableError(`month-close without a known source: ${JSON.stringify(source)}`);
        const w = monthCloseWindow(now);
        return w ? ingest(job, { source, ...w }) : { skipped: `past day ${AWS_BILL_CLOSE_DAY} of the month: last month's bill is closed` };
      }
      case 'monthly-report': {
        const month = reportMonthFor(now);
        const send = ctx.config.report.recipients.length > 0 || Boolean(ctx.env.REPORT_TO) || Boolean(ctx.config.report.channels?.length);
        const plan = planRange({ from: parseMonth(month), to: parseMonth(month), sources: [], report: true, send });
        const r = await enqueuePlan(connection, plan, { prefix, ...(opts.retry ? { retry: opts.retry } : {}) });
        return { month, status: r.status, jobs: r.jobs.map((j) => j.jobId) };
      }
      default: {
        if (!(STEP_NAMES as readonly string[]).includes(job.name)) throw new UnrecoverableError(`unknown job name "${job.name}"`);
        if (job.name === 'ingest') return ingest(job, job.data);
        return run(ctx, job.name as StepName, job.data);
      }
    }
  };

  const processor = async (job: Job) => {
    active++;
    try {
      return await dispatch(job);
    } catch (err) {
      throw toJobError(err);
    } finally {
      active--;
    }
  };

  const workers: Worker[] = [];
  for (const name of opts.queues ?? QUEUE_NAMES) {
    const source = sourceOfQueue(name);
    const limiter = source ? (opts.limiter?.[source] ?? DEFAULT_LIMITS[source]) : undefined;
    const worker = new Worker(name, processor, {
      connection,
      prefix,
      concurrency: opts.concurrency ?? 1,
      ...(limiter ? { limiter } : {}),
      lockDuration: stall.lockDuration,
      stalledInterval: stall.stalledInterval,
      maxStalledCount: stall.maxStalledCount,
      name: `${process.pid}`,
    });
    const log = ctx.log.child({ queue: name });
    worker.on('error', (err) => log.warn({ err: errorMessage(err) }, 'worker error'));
    worker.on('stalled', (jobId) => log.warn({ jobId }, 'job stalled (its worker stopped renewing the lock); requeued'));
    worker.on('completed', (job) => {
      metrics.jobs.inc({ queue: name, outcome: 'completed' });
      log.debug({ jobId: job.id, step: job.name }, 'job completed');
    });
    worker.on('failed', (job, err) => {
      const final = !job || err.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
      metrics.jobs.inc({ queue: name, outcome: final ? 'failed' : 'retried' });
      log.warn({ jobId: job?.id, step: job?.name, attemptsMade: job?.attemptsMade, final, err: err.message }, final ? 'job failed' : 'job failed; will retry');
    });
    workers.push(worker);
  }
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  const schedulers = opts.schedulers === false ? [] : await registerSchedulers(ctx, queues, opts.retry);
  ctx.log.info({ queues: workers.map((w) => w.name), prefix, concurrency: opts.concurrency ?? 1 }, 'workers started');

  let closed: Promise<{ handedBack: number }> | undefined;
  return {
    workers,
    queues,
    metrics,
    connection,
    schedulers,
    inFlight: () => active,
    healthy: () => connection.status === 'ready' && workers.every((w) => w.isRunning()),
    close: (o = {}) =>
      (closed ??= (async () => {
        await Promise.all(workers.map((w) => w.pause(true)));
        const deadline = Date.now() + (o.graceMs ?? 30_000);
        while (active > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        const handedBack = active;
        if (handedBack) ctx.log.warn({ jobs: handedBack }, 'shutdown grace period over; unfinished jobs go back to the queue when their lock expires');
        await Promise.all(workers.map((w) => w.close(handedBack > 0)));
        await queues.close();
        await connection.quit().catch(() => connection.disconnect());
        ctx.log.info('workers stopped');
        return { handedBack };
      })()),
  };
}
