import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMonths, monthKey, monthStart } from '../../../src/time.ts';
import { startOpenAISimulator, type OpenAISimulator } from '../../../src/simulators/openai.ts';
import { createTestDatabase, type TestDb } from '../../helpers/db.ts';

const run = promisify(execFile);
const BIN = new URL('../../../bin/breakeven.js', import.meta.url).pathname;
const CONFIG = new URL('../../../breakeven.config.example.yaml', import.meta.url).pathname;

async function cli(args: string[], env: Record<string, string>, cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !['REDIS_URL', 'DATABASE_URL', 'OPENAI_ADMIN_KEY', 'OPENAI_BASE_URL'].includes(k)));
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: { ...base, LOG_LEVEL: 'silent', ...env }, ...(cwd ? { cwd } : {}), timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let db: TestDb;
let sim: OpenAISimulator;
let cwd: string;
beforeAll(async () => {
  db = await createTestDatabase();
  sim = await startOpenAISimulator();
  cwd = await mkdtemp(join(tmpdir(), 'bk-cli-'));
});
afterAll(async () => {
  await sim?.close();
  await db?.drop();
  await rm(cwd, { recursive: true, force: true });
});

describe('breakeven backfill / worker', () => {
  it('backfill without REDIS_URL and without --inline exits 2 with a clear message', async () => {
    const r = await cli(['backfill', '--from', '2026-01', '--to', '2026-02', '--config', CONFIG], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('breakeven: backfill needs REDIS_URL (e.g. redis://127.0.0.1:6379) to enqueue its jobs for `breakeven worker`; or add --inline to run it in this process\n');
  });

  it('worker without REDIS_URL exits 2 with a clear message', async () => {
    const r = await cli(['worker', '--config', CONFIG], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^breakeven: worker needs REDIS_URL/);
  });

  it('rejects bad usage with exit 2', async () => {
    expect((await cli(['backfill', '--from', '2026-03', '--to', '2026-02', '--inline', '--config', CONFIG], {})).stderr).toContain('--to (2026-02) is before --from (2026-03)');
    const bad = await cli(['backfill', '--from', '2026-01', '--to', '2026-02', '--sources', 'openai,gcp', '--inline', '--config', CONFIG], {});
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--sources: unknown source "gcp"');
    expect((await cli(['worker', '--concurrency', '0', '--config', CONFIG], { REDIS_URL: 'redis://127.0.0.1:6379' })).code).toBe(2);
  });

  it('backfill --inline runs the plan in-process and warns when fewer than 3 months of data will exist', async () => {
    const month = monthKey(addMonths(monthStart(new Date()), -1));
    const r = await cli(['backfill', '--from', month, '--to', month, '--sources', 'openai', '--inline', '--json', '--config', CONFIG], {
      DATABASE_URL: db.url,
      OPENAI_ADMIN_KEY: 'sk-admin-test',
      OPENAI_BASE_URL: sim.url,
    }, cwd);
    expect(r.stderr).toContain('warning: only 1 month(s) of data will exist after this backfill; recommendations need 3');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { mode: string; steps: string[] };
    expect(out.mode).toBe('inline');
    expect(out.steps).toEqual([`ingest:openai:${month}-01..${monthKey(addMonths(monthStart(new Date()), 0))}-01`, `compute:${month}`, `report:${month}`]);
    // Like the worker's report jobs: report.out_dir (default ./out/worker), not the demo's ./out.
    expect((await readdir(join(cwd, 'out', 'worker'))).sort()).toContain(`report-${month}.html`);
    expect((await readdir(join(cwd, 'out'))).filter((f) => f.startsWith('report-'))).toEqual([]);
  });
});
