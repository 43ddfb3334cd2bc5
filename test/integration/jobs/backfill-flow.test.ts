import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueBackfill } from '../../../jobs/backfill.ts';
import { startWorkers, type WorkersHandle } from '../../../jobs/workers.ts';
import { fixedClock } from '../../../src/clock.ts';
import { runInline } from '../../../src/pipeline/inline.ts';
import { planRange } from '../../../src/pipeline/planner.ts';
import { parseMonth } from '../../../src/time.ts';
import { startOpenAISimulator, type OpenAISimulator } from '../../../src/simulators/openai.ts';
import { createTestContext, type TestCtx } from '../../helpers/db.ts';
import { redisUrl } from '../../helpers/env.ts';
import { adminRedis, deletePrefix, snapshot, testPrefix } from './helpers/redis.ts';

const clock = fixedClock('2026-11-24T12:00:00Z');
const prefix = testPrefix();
let sim: OpenAISimulator;
let inlineCtx: TestCtx;
let queuedCtx: TestCtx;
let workers: WorkersHandle;
let admin: Redis;
let outDir: string;

const plan = () =>
  planRange({ from: parseMonth('2026-09'), to: parseMonth('2026-10'), sources: ['openai'], report: true, outDir, until: clock.now() });

beforeAll(async () => {
  sim = await startOpenAISimulator({ now: () => clock.now() });
  outDir = await mkdtemp(join(tmpdir(), 'bk-jobs-'));
  const env = { OPENAI_ADMIN_KEY: 'sk-admin-test', OPENAI_BASE_URL: sim.url };
  [inlineCtx, queuedCtx] = await Promise.all([createTestContext({ clock, env }), createTestContext({ clock, env })]);
  admin = adminRedis();
  workers = await startWorkers(queuedCtx, {
    redisUrl: redisUrl(),
    prefix,
    concurrency: 2,
    schedulers: false,
    retry: { attempts: 2, backoffMs: 100 },
    limiter: { openai: { max: 50, duration: 1000 } },
  });
});

afterAll(async () => {
  await workers?.close({ graceMs: 5_000 });
  await deletePrefix(admin, prefix);
  admin.disconnect();
  await Promise.all([inlineCtx?.destroy(), queuedCtx?.destroy()]);
  await sim?.close();
  await rm(outDir, { recursive: true, force: true });
});

describe('backfill as a BullMQ flow', () => {
  it('leaves exactly the rows an inline run leaves; a second enqueue while it runs adds nothing', async () => {
    await runInline(inlineCtx, plan());

    const first = await queueBackfill(redisUrl(), plan(), { prefix });
    expect(first.status).toBe('added');
    expect(first.rootJobId).toBe('report:all:2026-10');
    expect(first.jobIds).toHaveLength(6); // 2 ingests, 2 computes, 2 reports
    const second = await queueBackfill(redisUrl(), plan(), { prefix, wait: true, pollMs: 100 });
    expect(second.status).toBe('running');
    expect(second.outcome).toEqual({ ok: true, failed: [] });
    // Still one job per id: the second enqueue did not add to the flow.
    const counts = await workers.queues.get('ingest-openai').getJobCounts('completed', 'waiting', 'active', 'failed');
    expect(counts).toEqual({ completed: 2, waiting: 0, active: 0, failed: 0 });

    for (const table of ['usage_facts', 'cost_line_items', 'feature_monthly_results']) {
      const [a, b] = await Promise.all([snapshot(inlineCtx.db, table), snapshot(queuedCtx.db, table)]);
      expect(b.length, table).toBe(a.length);
      expect(b, table).toEqual(a);
    }
    expect((await snapshot(queuedCtx.db, 'usage_facts')).length).toBeGreaterThan(100);
  });

  it('runs the same range again once the first run has finished (finished jobs are replaced), converging to the same rows', async () => {
    const before = await snapshot(queuedCtx.db, 'usage_facts');
    const again = await queueBackfill(redisUrl(), plan(), { prefix, wait: true, pollMs: 100 });
    expect(again.status).toBe('added');
    expect(again.replaced).toBe(6);
    expect(again.outcome?.ok).toBe(true);
    expect(await snapshot(queuedCtx.db, 'usage_facts')).toEqual(before);
    const runs = await queuedCtx.db.selectFrom('ingestion_runs').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    const inlineRuns = await inlineCtx.db.selectFrom('ingestion_runs').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    expect(Number(runs.n)).toBe(2 * Number(inlineRuns.n));
  });
});
