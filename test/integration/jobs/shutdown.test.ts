import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobOptions } from '../../../jobs/queues.ts';
import { startWorkers } from '../../../jobs/workers.ts';
import { createTestContext, type TestCtx } from '../../helpers/db.ts';
import { redisUrl } from '../../helpers/env.ts';
import { adminRedis, deletePrefix, testPrefix, waitFor } from './helpers/redis.ts';

const prefix = testPrefix();
let ctx: TestCtx;
let admin: Redis;
const started: string[] = [];
// The stalled check is throttled per queue by whichever worker ran it last (a Redis key living
// stalledInterval ms), so every worker in this file checks often.
const FAST_STALL = { lockDuration: 1_000, stalledInterval: 300 };
const slowRunner = (ms: number) => async (_c: unknown, _n: string, payload: unknown) => {
  started.push((payload as { month: string }).month);
  await new Promise((r) => setTimeout(r, ms));
  return { done: (payload as { month: string }).month };
};

beforeAll(async () => {
  ctx = await createTestContext();
  admin = adminRedis();
});

afterAll(async () => {
  await deletePrefix(admin, prefix);
  admin.disconnect();
  await ctx?.destroy();
});

describe('graceful shutdown', () => {
  it('stops taking jobs, finishes the one in flight, and leaves no active job', async () => {
    const w = await startWorkers(ctx, { redisUrl: redisUrl(), prefix, schedulers: false, queues: ['compute'], runStep: slowRunner(800), stall: FAST_STALL });
    const q = w.queues.get('compute');
    await q.add('compute', { month: '2026-01' }, { ...jobOptions(), jobId: 'compute:all:2026-01' });
    await q.add('compute', { month: '2026-02' }, { ...jobOptions(), jobId: 'compute:all:2026-02' });
    await waitFor('the first job to start', async () => (await q.getJobState('compute:all:2026-01')) === 'active');
    const before = Date.now();
    const closing = w.close({ graceMs: 10_000 });
    const { handedBack } = await closing;
    expect(handedBack).toBe(0);
    expect(Date.now() - before).toBeGreaterThan(300);

    const check = await startWorkers(ctx, { redisUrl: redisUrl(), prefix, schedulers: false, queues: [], stall: FAST_STALL });
    try {
      const cq = check.queues.get('compute');
      expect(await cq.getJobState('compute:all:2026-01')).toBe('completed');
      expect(await cq.getJobState('compute:all:2026-02')).toBe('waiting');
      expect(await cq.getActiveCount()).toBe(0);
      expect(started).toEqual(['2026-01']);
      expect(w.connection.status).toBe('end');
    } finally {
      await check.close();
    }
  });

  it('after the grace period, hands an unfinished job back: another worker picks it up once its lock expires', async () => {
    const w = await startWorkers(ctx, { redisUrl: redisUrl(), prefix, schedulers: false, queues: ['compute'], runStep: slowRunner(4_000), stall: FAST_STALL });
    const q = w.queues.get('compute');
    // The waiting 2026-02 job from the first test starts first; then 2026-03.
    await waitFor('a job to start', async () => (await q.getActiveCount()) === 1);
    const { handedBack } = await w.close({ graceMs: 100 });
    expect(handedBack).toBe(1);

    const rescuer = await startWorkers(ctx, { redisUrl: redisUrl(), prefix, schedulers: false, queues: ['compute'], runStep: slowRunner(10), stall: FAST_STALL });
    try {
      const rq = rescuer.queues.get('compute');
      await waitFor('the handed-back job to complete', async () => (await rq.getJobState('compute:all:2026-02')) === 'completed', 20_000);
      expect((await rq.getJob('compute:all:2026-02'))!.returnvalue).toEqual({ done: '2026-02' });
      expect(await rq.getActiveCount()).toBe(0);
    } finally {
      await rescuer.close({ graceMs: 5_000 });
    }
  });
});
