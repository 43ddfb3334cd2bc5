import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueuePlan } from '../../../jobs/enqueue.ts';
import { serveWorkerHttp, type WorkerHttp } from '../../../jobs/http.ts';
import { jobOptions } from '../../../jobs/queues.ts';
import { queueStatus } from '../../../jobs/status.ts';
import { waitForFlow } from '../../../jobs/wait.ts';
import { startWorkers, type WorkersHandle } from '../../../jobs/workers.ts';
import { fixedClock } from '../../../src/clock.ts';
import type { Ctx } from '../../../src/context.ts';
import { BreakevenError } from '../../../src/errors.ts';
import { planRange } from '../../../src/pipeline/planner.ts';
import { runStep, type StepName } from '../../../src/pipeline/steps.ts';
import { parseMonth } from '../../../src/time.ts';
import { startOpenAISimulator, type OpenAISimulator } from '../../../src/simulators/openai.ts';
import { createTestContext, type TestCtx } from '../../helpers/db.ts';
import { redisUrl } from '../../helpers/env.ts';
import { adminRedis, deletePrefix, testPrefix, waitFor } from './helpers/redis.ts';

const clock = fixedClock('2026-11-24T12:00:00Z');
const prefix = testPrefix();
let sim: OpenAISimulator;
let ctx: TestCtx;
let workers: WorkersHandle;
let http: WorkerHttp;
let admin: Redis;
const computeCalls: string[] = [];

/** Real ingest (against the simulator, with a key it refuses); compute scripted per month. */
async function runner(c: Ctx, name: StepName, payload: unknown): Promise<unknown> {
  if (name !== 'compute') return runStep(c, name, payload);
  const month = (payload as { month: string }).month;
  computeCalls.push(month);
  if (month === '2026-01' && computeCalls.filter((m) => m === month).length === 1) throw new Error('connection terminated unexpectedly');
  if (month === '2026-02') throw new BreakevenError('no FX rate for <script>alert(1)</script>');
  return { month };
}

beforeAll(async () => {
  sim = await startOpenAISimulator({ now: () => clock.now() });
  ctx = await createTestContext({ clock, env: { OPENAI_ADMIN_KEY: 'not-an-admin-key', OPENAI_BASE_URL: sim.url } });
  admin = adminRedis();
  workers = await startWorkers(ctx, { redisUrl: redisUrl(), prefix, schedulers: false, runStep: runner, retry: { attempts: 5, backoffMs: 50 } });
  http = await serveWorkerHttp(ctx, workers, { port: 0, host: '127.0.0.1', prefix });
});

afterAll(async () => {
  await http?.close();
  await workers?.close({ graceMs: 5_000 });
  await deletePrefix(admin, prefix);
  admin.disconnect();
  await ctx?.destroy();
  await sim?.close();
});

describe('job failures', () => {
  it('fails a job at once (attemptsMade 1) when the vendor answers 401, keeping the error', async () => {
    const q = workers.queues.get('ingest-openai');
    await q.add('ingest', { source: 'openai', from: '2026-10-01', to: '2026-10-02' }, { ...jobOptions({ attempts: 5, backoffMs: 50 }), jobId: 'ingest:openai:2026-10-01..2026-10-02' });
    const job = await waitFor('the job to fail', async () => {
      const j = await q.getJob('ingest:openai:2026-10-01..2026-10-02');
      return (await j?.getState()) === 'failed' ? j : undefined;
    });
    const failed = (await q.getJob(job.id!))!;
    expect(failed.attemptsMade).toBe(1);
    expect(failed.failedReason).toMatch(/^SourceHttpError: openai: HTTP 401 from http:\/\/127\.0\.0\.1:\d+\/v1\/organization\/usage\/completions/);
    expect(sim.requests).toBe(1);
  });

  it('retries a retryable failure with backoff and then completes', async () => {
    const q = workers.queues.get('compute');
    await q.add('compute', { month: '2026-01' }, { ...jobOptions({ attempts: 3, backoffMs: 50 }), jobId: 'compute:all:2026-01' });
    await waitFor('the job to complete', async () => (await q.getJobState('compute:all:2026-01')) === 'completed');
    expect(computeCalls.filter((m) => m === '2026-01')).toHaveLength(2);
    const job = (await q.getJob('compute:all:2026-01'))!;
    expect(job.returnvalue).toEqual({ month: '2026-01' });
  });

  it('fails a flow from the failing child up to its root, naming the child first', async () => {
    const plan = planRange({ from: parseMonth('2026-02'), to: parseMonth('2026-02'), sources: [], report: true });
    const r = await enqueuePlan(workers.connection, plan, { prefix, retry: { attempts: 4, backoffMs: 50 } });
    expect(r.jobs.map((j) => j.jobId)).toEqual(['compute:all:2026-02', 'report:all:2026-02']);
    const outcome = await waitForFlow(workers.connection, r.jobs, { prefix, pollMs: 50 });
    expect(outcome.ok).toBe(false);
    expect(outcome.failed[0]).toMatchObject({ jobId: 'compute:all:2026-02', queue: 'compute', attemptsMade: 1 });
    expect(outcome.failed[0]!.reason).toContain('no FX rate for <script>');
    expect(outcome.failed.map((f) => f.jobId)).toEqual(['compute:all:2026-02', 'report:all:2026-02']);
    expect(computeCalls.filter((m) => m === '2026-02')).toHaveLength(1);
  });

  it('serves /healthz, /metrics and an escaped queue page', async () => {
    const health = await fetch(`${http.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true, redis: 'ready', workers: 7 }); // one per queue: ingest × 5 sources, compute, report

    const metrics = await (await fetch(`${http.url}/metrics`)).text();
    expect(metrics).toContain('breakeven_jobs_total{queue="ingest-openai",outcome="failed"} 1');
    expect(metrics).toContain('breakeven_jobs_total{queue="compute",outcome="retried"} 1');
    expect(metrics).toContain('breakeven_queue_jobs{queue="compute",state="failed"} 1');
    expect(metrics).toMatch(/breakeven_cost_explorer_spend_usd 0\n/);

    const page = await (await fetch(`${http.url}/`)).text();
    expect(page).toContain('no FX rate for &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).not.toContain('<script>alert(1)');
    expect(page).toContain('ingest:openai:2026-10-01..2026-10-02');
  });

  it('reports counts and failed jobs with their reasons for `breakeven status`', async () => {
    const status = await queueStatus(redisUrl(), { prefix });
    expect(status.queues.map((q) => q.name)).toEqual(['ingest-openai', 'ingest-anthropic', 'ingest-aws', 'ingest-prometheus', 'ingest-opencost', 'compute', 'report']);
    const compute = status.queues.find((q) => q.name === 'compute')!;
    expect(compute.counts).toMatchObject({ completed: 1, failed: 1, active: 0, waiting: 0 });
    expect(compute.failed).toEqual([expect.objectContaining({ id: 'compute:all:2026-02', name: 'compute', attemptsMade: 1, reason: 'BreakevenError: no FX rate for <script>alert(1)</script>' })]);
    expect(status.queues.find((q) => q.name === 'report')!.failed[0]!.id).toBe('report:all:2026-02');
  });
});
