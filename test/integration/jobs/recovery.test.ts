import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueBackfill } from '../../../jobs/backfill.ts';
import { QueueSet } from '../../../jobs/enqueue.ts';
import { connectRedis, jobOptions } from '../../../jobs/queues.ts';
import { startWorkers, type WorkersHandle } from '../../../jobs/workers.ts';
import { fixedClock } from '../../../src/clock.ts';
import { planRange } from '../../../src/pipeline/planner.ts';
import { runStep } from '../../../src/pipeline/steps.ts';
import { parseMonth } from '../../../src/time.ts';
import { startOpenAISimulator, type OpenAISimulator } from '../../../src/simulators/openai.ts';
import { createTestContext, type TestCtx } from '../../helpers/db.ts';
import { redisUrl } from '../../helpers/env.ts';
import { adminRedis, deletePrefix, killConnections, snapshot, testPrefix, waitFor } from './helpers/redis.ts';

const NOW = '2026-11-24T12:00:00Z';
const clock = fixedClock(NOW);
const prefix = testPrefix();
let sim: OpenAISimulator;
let ctx: TestCtx;
let reference: TestCtx;
let admin: Redis;
const env = () => ({ OPENAI_ADMIN_KEY: 'sk-admin-test', OPENAI_BASE_URL: sim.url });
const slow = (ms: number): typeof fetch => async (input, init) => {
  await new Promise((r) => setTimeout(r, ms));
  return fetch(input, init);
};

beforeAll(async () => {
  sim = await startOpenAISimulator({ now: () => clock.now() });
  [ctx, reference] = await Promise.all([createTestContext({ clock, env: env(), fetch: slow(40) }), createTestContext({ clock, env: env() })]);
  admin = adminRedis();
});

afterAll(async () => {
  await deletePrefix(admin, prefix);
  admin.disconnect();
  await Promise.all([ctx?.destroy(), reference?.destroy()]);
  await sim?.close();
});

async function expectSameRows(a: TestCtx, b: TestCtx) {
  for (const table of ['usage_facts', 'cost_line_items']) {
    const [x, y] = await Promise.all([snapshot(a.db, table), snapshot(b.db, table)]);
    expect(x.length, table).toBeGreaterThan(0);
    expect(x, table).toEqual(y);
  }
}

describe('recovery', () => {
  it('a job whose worker process is SIGKILLed mid-job is recovered by another worker, without duplicate rows', async () => {
    const payload = { source: 'openai', from: '2026-10-01', to: '2026-10-08' } as const;
    await runStep(reference, 'ingest', payload);

    let child: ChildProcess | undefined;
    let rescuer: WorkersHandle | undefined;
    const connection = connectRedis(redisUrl(), { role: 'producer', connectionName: `${prefix}-test` });
    const queues = new QueueSet(connection, prefix);
    try {
      child = spawn(process.execPath, ['--import', 'tsx', new URL('./helpers/worker-child.ts', import.meta.url).pathname], {
        env: { ...process.env, BK_CHILD: JSON.stringify({ databaseUrl: ctx.testDb.url, redisUrl: redisUrl(), prefix, openaiUrl: sim.url, now: NOW, delayMs: 150 }) },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await waitFor('the child worker', async () => (child!.stdout!.read()?.toString() ?? '').includes('ready'), 30_000);
      const q = queues.get('ingest-openai');
      const jobId = 'ingest:openai:2026-10-01..2026-10-08';
      await q.add('ingest', payload, { ...jobOptions({ attempts: 3, backoffMs: 50 }), jobId });
      // Kill it once some days are committed and others are not.
      await waitFor('a committed window', async () => (await ctx.db.selectFrom('ingestion_runs').select('id').where('status', '=', 'succeeded').execute()).length >= 2, 30_000, 20);
      expect(await q.getJobState(jobId)).toBe('active');
      child.kill('SIGKILL');
      await once(child, 'exit');

      rescuer = await startWorkers(ctx, { redisUrl: redisUrl(), prefix, schedulers: false, queues: ['ingest-openai'], limiter: { openai: { max: 100, duration: 1000 } }, stall: { lockDuration: 1_000, stalledInterval: 300 } });
      await waitFor('the recovered job to complete', async () => (await q.getJobState(jobId)) === 'completed', 30_000);
      const job = (await q.getJob(jobId))!;
      expect(job.attemptsMade).toBe(1);
      expect(job.stalledCounter).toBe(1);
      await expectSameRows(ctx, reference);
    } finally {
      child?.kill('SIGKILL');
      await rescuer?.close({ graceMs: 5_000 });
      await queues.close();
      connection.disconnect();
    }
  });

  it('a backfill completes although its Redis connections are killed mid-flow', async () => {
    const plan = planRange({ from: parseMonth('2026-09'), to: parseMonth('2026-10'), sources: ['openai'], until: clock.now() });
    const workers = await startWorkers(ctx, { redisUrl: redisUrl(), prefix, schedulers: false, concurrency: 2, retry: { attempts: 5, backoffMs: 100 }, limiter: { openai: { max: 100, duration: 1000 } } });
    try {
      const wait = queueBackfill(redisUrl(), plan, { prefix, wait: true, pollMs: 100 });
      let kills = 0;
      for (let i = 0; i < 3; i++) {
        await waitFor('more committed windows', async () => (await ctx.db.selectFrom('ingestion_runs').select('id').where('window_start', '>=', new Date('2026-09-01')).execute()).length >= 8 * (i + 1), 30_000, 20);
        kills += await killConnections(admin, prefix);
      }
      expect(kills).toBeGreaterThanOrEqual(6);
      const result = await wait;
      expect(result.outcome).toEqual({ ok: true, failed: [] });
      await runStep(reference, 'ingest', { source: 'openai', from: '2026-09-01', to: '2026-11-01' });
      await expectSameRows(ctx, reference);
      const computed = await ctx.db.selectFrom('feature_monthly_results').select('month').distinct().execute();
      expect(computed.map((r) => String(r.month)).sort()).toEqual(['2026-09-01', '2026-10-01']);
    } finally {
      await workers.close({ graceMs: 5_000 });
    }
  });
});
