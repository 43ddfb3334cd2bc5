import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { startOpenAISimulator, type OpenAISimulator } from '../../../src/simulators/openai.ts';
import { createTestDatabase, type TestDb } from '../../helpers/db.ts';
import { scrubbedEnv, startCli, type CliProcess } from '../../helpers/cli-process.ts';
import { redisUrl } from '../../helpers/env.ts';
import { adminRedis, deletePrefix, testPrefix, waitFor } from './helpers/redis.ts';

/**
 * The real commands end to end: `breakeven worker` in its own process and `breakeven backfill
 * --wait` enqueueing onto it, both finding each other through BREAKEVEN_QUEUE_PREFIX.
 */
const EXAMPLE = new URL('../../../breakeven.config.example.yaml', import.meta.url).pathname;
const GRACE_MS = 30_000;

type Proc = CliProcess;

/** `breakeven <args>` with this shell's environment minus what would point it elsewhere, plus `env`. */
const start = (args: string[], env: Record<string, string>, cwd: string): Proc => startCli(args, { env: { ...scrubbedEnv(), ...env }, cwd });

/** A worker process on its own prefix; resolves once it says it is ready. */
async function startWorker(prefix: string, openaiKey: string): Promise<Proc> {
  const w = start(['worker', '--config', config], { ...baseEnv(prefix), OPENAI_ADMIN_KEY: openaiKey, BREAKEVEN_HTTP_PORT: '0' }, cwd);
  workers.push(w);
  await waitFor('the worker to be ready', async () => {
    if (w.child.exitCode !== null) throw new Error(`worker exited early (${w.child.exitCode}): ${w.stderr()}`);
    return w.stderr().includes('worker ready:');
  }, 60_000);
  return w;
}

async function backfill(prefix: string, from: string, to: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = start(['backfill', '--from', from, '--to', to, '--sources', 'openai', '--wait', '--config', config], { ...baseEnv(prefix), OPENAI_ADMIN_KEY: 'sk-admin-test' }, cwd);
  const timer = setTimeout(() => p.child.kill('SIGKILL'), 120_000);
  const { code } = await p.exit.finally(() => clearTimeout(timer));
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

const baseEnv = (prefix: string): Record<string, string> => ({ DATABASE_URL: db.url, REDIS_URL: redisUrl(), BREAKEVEN_QUEUE_PREFIX: prefix, OPENAI_BASE_URL: sim.url });

const goodPrefix = testPrefix();
const badPrefix = testPrefix();
const workers: Proc[] = [];
let db: TestDb;
let sim: OpenAISimulator;
let admin: Redis;
let cwd: string;
let config: string;

beforeAll(async () => {
  db = await createTestDatabase();
  // The commands run on the real clock; the simulator's "now" must be the same one.
  sim = await startOpenAISimulator({ now: () => new Date() });
  admin = adminRedis();
  cwd = await mkdtemp(join(tmpdir(), 'bk-cli-backfill-'));
  const doc = parse(await readFile(EXAMPLE, 'utf8')) as { sources: Record<string, { enabled: boolean }> };
  for (const s of ['anthropic', 'aws', 'prometheus', 'opencost']) doc.sources[s]!.enabled = false;
  config = join(cwd, 'breakeven.config.yaml');
  await writeFile(config, stringify(doc));
});

afterAll(async () => {
  for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
  await Promise.all(workers.map((w) => w.exit));
  if (admin) {
    await deletePrefix(admin, goodPrefix);
    await deletePrefix(admin, badPrefix);
    admin.disconnect();
  }
  await sim?.close();
  await db?.drop();
  if (cwd) await rm(cwd, { recursive: true, force: true });
});

describe('breakeven worker + breakeven backfill --wait (queued)', () => {
  it('refuses a BREAKEVEN_QUEUE_PREFIX that is not a safe Redis key prefix (exit 2, value not echoed)', async () => {
    const p = start(['worker', '--config', config], { ...baseEnv('bk:test*'), BREAKEVEN_HTTP_PORT: '0' }, cwd);
    const { code } = await p.exit;
    expect(code).toBe(2);
    expect(p.stderr()).toMatch(/^breakeven: environment variable BREAKEVEN_QUEUE_PREFIX is invalid: use 1–64 letters/);
    expect(p.stderr()).not.toContain('bk:test*');
  });

  it('runs a two-month backfill through the worker, then the worker stops cleanly on SIGTERM', async () => {
    const worker = await startWorker(goodPrefix, 'sk-admin-test');
    const r = await backfill(goodPrefix, '2026-09', '2026-10');
    expect(r.stderr).toContain('warning: only 2 month(s) of data will exist after this backfill; recommendations need 3');
    expect(r.stderr).toMatch(/backfill 2026-09\.\.2026-10: \d+\/6 jobs done/);
    expect(r.stderr).toContain('backfill 2026-09..2026-10: 6/6 jobs done');
    expect(r.stdout).toContain('backfill 2026-09..2026-10: queued 6 jobs as flow report:all:2026-10 (openai)');
    expect(r.stdout).toContain('backfill 2026-09..2026-10: done');
    expect(r.code, r.stderr).toBe(0);

    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      const usage = await c.query<{ month: string; n: string }>(
        `select to_char(bucket_start, 'YYYY-MM') as month, count(*) as n from usage_facts where provider = 'openai' group by 1 order by 1`,
      );
      expect(usage.rows.map((u) => u.month)).toEqual(['2026-09', '2026-10']);
      for (const u of usage.rows) expect(Number(u.n), u.month).toBeGreaterThan(100);
      const results = await c.query<{ month: string; n: string }>(`select to_char(month, 'YYYY-MM') as month, count(*) as n from feature_monthly_results group by 1 order by 1`);
      expect(results.rows.map((u) => u.month)).toEqual(['2026-09', '2026-10']);
      for (const u of results.rows) expect(Number(u.n), u.month).toBeGreaterThan(0);
    } finally {
      await c.end();
    }
    // The jobs ran on our prefix, and only there.
    expect(await admin.exists(`${goodPrefix}:ingest-openai:ingest:openai:2026-09-01..2026-10-01`)).toBe(1);
    expect(await admin.exists(`breakeven:ingest-openai:ingest:openai:2026-09-01..2026-10-01`)).toBe(0);

    const t0 = Date.now();
    worker.child.kill('SIGTERM');
    const exit = await Promise.race([worker.exit, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), GRACE_MS + 5_000))]);
    expect(exit, worker.stderr()).toEqual({ code: 0, signal: null });
    expect(Date.now() - t0).toBeLessThan(GRACE_MS);
    expect(worker.stderr()).toContain('worker stopped');
  }, 180_000);

  it('a backfill whose ingest is refused (401) exits 1 naming the failed job', async () => {
    const worker = await startWorker(badPrefix, 'bad');
    const r = await backfill(badPrefix, '2026-08', '2026-08');
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^breakeven: backfill 2026-08\.\.2026-08 failed: ingest:openai:2026-08-01\.\.2026-09-01 \(.*401/m);
    // Non-retryable: one attempt, not five with backoff.
    const q = new Queue('ingest-openai', { connection: admin, prefix: badPrefix });
    try {
      const job = await q.getJob('ingest:openai:2026-08-01..2026-09-01');
      expect(await job?.getState()).toBe('failed');
      expect(job?.attemptsMade).toBe(1);
    } finally {
      await q.close();
    }
    worker.child.kill('SIGTERM');
    expect(await worker.exit).toEqual({ code: 0, signal: null });
  }, 180_000);
});
