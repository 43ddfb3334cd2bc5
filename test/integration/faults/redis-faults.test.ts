import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueBackfill } from '../../../jobs/backfill.ts';
import { openRedis, RedisUnavailableError } from '../../../jobs/redis.ts';
import { runWorker } from '../../../jobs/run-worker.ts';
import { queueStatus } from '../../../jobs/status.ts';
import { NoWorkerError } from '../../../jobs/wait.ts';
import { startWorkers } from '../../../jobs/workers.ts';
import { planRange } from '../../../src/pipeline/planner.ts';
import { parseMonth } from '../../../src/time.ts';
import { createTestContext, type TestCtx } from '../../helpers/db.ts';
import { waitFor } from '../jobs/helpers/redis.ts';
import { closedPort } from './fakes.ts';
import { ownRedis } from './own-redis.ts';

const PASSWORD = 'redis-pw-7f3a9c';
let ctx: TestCtx;
let redis: Awaited<ReturnType<typeof ownRedis>>;
let locked: Awaited<ReturnType<typeof ownRedis>>;

beforeAll(async () => {
  ctx = await createTestContext();
  redis = await ownRedis();
  locked = await ownRedis({ password: PASSWORD });
});
afterAll(async () => {
  await redis?.destroy();
  await locked?.destroy();
  await ctx?.destroy();
});

const computePlan = (month: string) => planRange({ from: parseMonth(month), to: parseMonth(month), sources: [], report: false, send: false });

describe('CLI-side Redis connections fail fast with one line', () => {
  it('unreachable', async () => {
    const port = await closedPort();
    const err = await openRedis(`redis://127.0.0.1:${port}`, { timeoutMs: 2_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RedisUnavailableError);
    expect((err as Error).message).toBe(`Redis at redis://127.0.0.1:${port} is unreachable (ECONNREFUSED); check REDIS_URL and that Redis is running`);
  });

  it('a wrong password: named as such, never printed', async () => {
    const url = `redis://:wrong-${PASSWORD}@127.0.0.1:${locked.port}`;
    const err = await queueStatus(url, { prefix: 'bk-x', timeoutMs: 2_000 }).catch((e: unknown) => e);
    expect((err as Error).message).toBe(`Redis at redis://:***@127.0.0.1:${locked.port} rejected the credentials (WRONGPASS); check the password in REDIS_URL`);
    expect((err as Error).message).not.toContain(PASSWORD);
  });

  it('no password where one is required', async () => {
    await expect(openRedis(`redis://127.0.0.1:${locked.port}`, { timeoutMs: 2_000 })).rejects.toThrow(/rejected the credentials \(NOAUTH\)/);
  });

  it('a server that accepts and never answers', async () => {
    const { stalledSocket } = await import('./fakes.ts');
    const s = await stalledSocket();
    try {
      const url = s.url.replace('http:', 'redis:');
      await expect(openRedis(url, { timeoutMs: 300 })).rejects.toThrow(`Redis at ${url} did not answer within 300 ms; check REDIS_URL or raise BREAKEVEN_REDIS_TIMEOUT_MS`);
    } finally {
      await s.close();
    }
  });
});

describe('backfill --wait', () => {
  it('says when no worker consumes, survives a Redis restart, and finishes once a worker runs', async () => {
    const prefix = 'bk-wait-restart';
    const notices: string[] = [];
    const waiting = queueBackfill(redis.url, computePlan('2026-03'), { prefix, wait: true, pollMs: 100, idleMs: 120_000, redisTimeoutMs: 2_000, onNotice: (l) => notices.push(l) });
    await waitFor('the no-worker notice', async () => notices.some((n) => n.startsWith('no worker is consuming queue compute')), 30_000);
    await redis.stop();
    await waitFor('the connection-lost notice', async () => notices.some((n) => n.startsWith('Redis connection lost')), 30_000);
    await redis.start();
    await waitFor('the reconnect notice', async () => notices.includes('Redis is back; still waiting'), 30_000);
    const ran: string[] = [];
    const w = await startWorkers(ctx, {
      redisUrl: redis.url,
      prefix,
      schedulers: false,
      queues: ['compute'],
      runStep: async (_c, name, payload) => (ran.push(`${name}:${(payload as { month: string }).month}`), { ok: true }),
    });
    try {
      const result = await waiting;
      expect(result.outcome).toEqual({ ok: true, failed: [] });
      expect(ran).toEqual(['compute:2026-03']);
    } finally {
      await w.close({ graceMs: 1_000 });
    }
  });

  it('gives up with one line when no worker consumes for the idle limit (the jobs stay queued)', async () => {
    const err = await queueBackfill(redis.url, computePlan('2026-04'), { prefix: 'bk-wait-idle', wait: true, pollMs: 100, idleMs: 500 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NoWorkerError);
    expect((err as Error).message).toBe(
      'gave up waiting: no worker has consumed queue compute for 1 s; the jobs stay queued — start `breakeven worker` (same REDIS_URL and BREAKEVEN_QUEUE_PREFIX) and they run',
    );
  });
});

describe('failed jobs on the queue page', () => {
  it('store and show their error text only after redaction', async () => {
    const prefix = 'bk-redacted-failures';
    const w = await startWorkers(ctx, {
      redisUrl: redis.url,
      prefix,
      schedulers: false,
      queues: ['compute'],
      retry: { attempts: 1, backoffMs: 10 },
      runStep: async () => {
        throw new Error('vendor said: bad key sk-admin-leakedleakedleaked99 for redis://:hunter2hunter2@10.1.1.1:6379');
      },
    });
    try {
      const r = await queueBackfill(redis.url, computePlan('2026-06'), { prefix, wait: true, pollMs: 100, retry: { attempts: 1, backoffMs: 10 } });
      expect(r.outcome?.ok).toBe(false);
      const reason = r.outcome!.failed[0]!.reason;
      expect(reason).toBe('vendor said: bad key sk-[redacted] for redis://:***@10.1.1.1:6379');
      const probe = await openRedis(redis.url);
      try {
        const stored = await probe.hget(`${prefix}:compute:compute:all:2026-06`, 'failedReason');
        expect(stored).toBe(reason);
      } finally {
        probe.disconnect();
      }
      const status = await queueStatus(redis.url, { prefix });
      expect(status.queues.find((q) => q.name === 'compute')!.failed[0]!.reason).toBe(reason);
    } finally {
      await w.close({ graceMs: 1_000 });
    }
  });
});

describe('the worker process', () => {
  it('with a wrong Redis password fails at once with one line', async () => {
    const err = await runWorker(ctx, { redisUrl: `redis://:nope@127.0.0.1:${locked.port}`, httpPort: 0, schedulers: false, stopSignal: new Promise(() => {}) }).catch((e: unknown) => e);
    expect((err as Error).message).toBe(`Redis at redis://:***@127.0.0.1:${locked.port} rejected the credentials (WRONGPASS); check the password in REDIS_URL`);
  });

  it('binds 127.0.0.1 by default and says so; a stop with a job that never ends still returns after the grace period', async () => {
    let ready: { url: string } | undefined;
    let stop!: () => void;
    const stopSignal = new Promise<void>((r) => (stop = r));
    const prefix = 'bk-worker-hang';
    const running = runWorker(ctx, {
      redisUrl: redis.url,
      prefix,
      httpPort: 0,
      schedulers: false,
      queues: ['compute'],
      graceMs: 500,
      stall: { lockDuration: 2_000, stalledInterval: 1_000 },
      runStep: () => new Promise(() => {}),
      onReady: (info) => (ready = info),
      stopSignal,
    });
    await waitFor('the worker to be ready', async () => ready, 30_000);
    expect(ready!.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await queueBackfill(redis.url, computePlan('2026-05'), { prefix });
    const probe = await openRedis(redis.url);
    try {
      await waitFor('the job to start', async () => (await probe.keys(`${prefix}:compute:active`)).length > 0 && (await probe.llen(`${prefix}:compute:active`)) > 0, 30_000);
    } finally {
      probe.disconnect();
    }
    stop();
    const result = await running;
    expect(result.handedBack).toBe(1);
  });
});
