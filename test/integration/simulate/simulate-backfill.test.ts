import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { addMonths, monthKey, monthStart } from '../../../src/time.ts';
import { createTestDatabase, type TestDb } from '../../helpers/db.ts';
import { scrubbedEnv, startCli, type CliProcess } from '../../helpers/cli-process.ts';
import { redisUrl } from '../../helpers/env.ts';
import { adminRedis, deletePrefix, testPrefix, waitFor } from '../jobs/helpers/redis.ts';

/**
 * The README's production walk-through, as a newcomer runs it: `breakeven simulate` in one
 * process, its printed environment exported into `worker` and `backfill --wait`, and the report
 * found in the configured report.out_dir (not in the demo's ./out).
 */

type Proc = CliProcess;

/** `breakeven <args>` with this shell's environment minus what would point it elsewhere, plus `env`. */
const start = (args: string[], env: Record<string, string>): Proc => startCli(args, { env: { ...scrubbedEnv(), ...env }, cwd });

const prefix = testPrefix();
const procs: Proc[] = [];
let db: TestDb;
let admin: Redis;
let cwd: string;

/** `simulate` on a port base of its own (tests run in parallel); another base if those ports are taken. */
async function startSimulate(): Promise<{ sim: Proc; env: Record<string, string>; portBase: number }> {
  for (let attempt = 0; ; attempt++) {
    const portBase = 20_000 + Math.floor(Math.random() * 20_000);
    const sim = start(['simulate', '--port-base', String(portBase)], {});
    procs.push(sim);
    const ready = await waitFor('simulate to print its environment', async () => {
      if (sim.child.exitCode !== null) return 'exited';
      return sim.stderr().includes('simulators running') ? 'ready' : false;
    }, 60_000);
    if (ready === 'ready') {
      const env = Object.fromEntries([...sim.stdout().matchAll(/^export ([A-Z_]+)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
      return { sim, env, portBase };
    }
    if (attempt >= 3 || !sim.stderr().includes('already in use')) throw new Error(`simulate failed: ${sim.stderr()}`);
  }
}

beforeAll(async () => {
  db = await createTestDatabase();
  admin = adminRedis();
  cwd = await mkdtemp(join(tmpdir(), 'bk-simulate-'));
});

afterAll(async () => {
  for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  await Promise.all(procs.map((p) => p.exit));
  if (admin) {
    await deletePrefix(admin, prefix);
    admin.disconnect();
  }
  await db?.drop();
  if (cwd) await rm(cwd, { recursive: true, force: true });
});

describe('breakeven simulate → worker → backfill --wait (README walk-through)', () => {
  it('prints the environment for every source on fixed ports; a backfill through the worker lands its report in report.out_dir; Ctrl-C stops simulate', async () => {
    const { sim, env, portBase } = await startSimulate();
    // Fixed ports: port base + the simulator's position, in the order the README lists.
    expect(env.OPENAI_BASE_URL).toBe(`http://127.0.0.1:${portBase}/v1`);
    expect(env.ANTHROPIC_BASE_URL).toBe(`http://127.0.0.1:${portBase + 1}`);
    expect(env.AWS_ENDPOINT_URL_COST_EXPLORER).toBe(`http://127.0.0.1:${portBase + 2}`);
    expect(env.PROMETHEUS_URL).toBe(`http://127.0.0.1:${portBase + 3}`);
    expect(env.OPENCOST_URL).toBe(`http://127.0.0.1:${portBase + 4}`);
    expect(Object.keys(env)).toEqual(expect.arrayContaining(['OPENAI_ADMIN_KEY', 'ANTHROPIC_ADMIN_KEY', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'BREAKEVEN_CONFIG']));

    // The demo company's config, with the reports directory the README sets.
    const doc = parse(await readFile(env.BREAKEVEN_CONFIG!, 'utf8')) as { report: Record<string, unknown> };
    doc.report.out_dir = 'reports/monthly';
    const config = join(cwd, 'breakeven.config.yaml');
    await writeFile(config, stringify(doc));
    const shared = { ...env, BREAKEVEN_CONFIG: config, DATABASE_URL: db.url, REDIS_URL: redisUrl(), BREAKEVEN_QUEUE_PREFIX: prefix };

    const migrate = start(['migrate'], shared);
    expect((await migrate.exit).code, migrate.stderr()).toBe(0);
    const worker = start(['worker'], { ...shared, BREAKEVEN_HTTP_PORT: '0' });
    procs.push(worker);
    await waitFor('the worker to be ready', async () => {
      if (worker.child.exitCode !== null) throw new Error(`worker exited early (${worker.child.exitCode}): ${worker.stderr()}`);
      return worker.stderr().includes('worker ready:');
    }, 90_000);

    const month = monthKey(addMonths(monthStart(new Date()), -1));
    const backfill = start(['backfill', '--from', month, '--to', month, '--wait'], shared);
    const timer = setTimeout(() => backfill.child.kill('SIGKILL'), 170_000);
    const done = await backfill.exit.finally(() => clearTimeout(timer));
    expect(done.code, backfill.stderr()).toBe(0);
    expect(backfill.stdout()).toMatch(new RegExp(`queued \\d+ jobs as flow report:all:${month} \\(openai, anthropic, aws, prometheus, opencost\\)`));
    expect(backfill.stdout()).toContain(`backfill ${month}..${month}: done`);

    const dir = join(cwd, 'reports', 'monthly');
    expect((await readdir(dir)).sort()).toEqual([`report-${month}.csv`, `report-${month}.eml`, `report-${month}.html`, `report-${month}.txt`]);
    const text = await readFile(join(dir, `report-${month}.txt`), 'utf8');
    expect(text).toContain('support-chat');
    // The demo's directory is left alone.
    expect(existsSync(join(cwd, 'out'))).toBe(false);

    worker.child.kill('SIGTERM');
    expect((await worker.exit).code, worker.stderr()).toBe(0);
    sim.child.kill('SIGINT');
    expect(await sim.exit).toEqual({ code: 0, signal: null });
    expect(sim.stderr()).toContain('simulators stopped (SIGINT)');
  }, 300_000);
});
