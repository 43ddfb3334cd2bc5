import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/clock.ts';
import { startAllSimulators, type RunningSimulators } from '../../../src/simulators/start-all.ts';
import { runCli } from '../../helpers/cli-process.ts';
import { createTestDatabase, type TestDb } from '../../helpers/db.ts';
import { redisUrl } from '../../helpers/env.ts';

/** `breakeven check` against the simulators while they run, and once they are gone. */
const root = new URL('../../..', import.meta.url).pathname;
let db: TestDb;
let sims: RunningSimulators;

interface Check {
  what: string;
  status: 'ok' | 'failed' | 'skipped';
  detail: string;
}

function check(env: Record<string, string>, json = true): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runCli(['check', '--config', 'breakeven.config.example.yaml', ...(json ? ['--json'] : [])], { cwd: root, env: { PATH: process.env.PATH ?? '', ...env } });
}

const byName = (stdout: string) => Object.fromEntries((JSON.parse(stdout) as { checks: Check[] }).checks.map((c) => [c.what, c])) as Record<string, Check>;

beforeAll(async () => {
  db = await createTestDatabase();
  sims = await startAllSimulators({ clock: systemClock });
});
afterAll(async () => {
  await sims?.close();
  await db?.drop();
});

describe('breakeven check', () => {
  it('with the simulators up: every source, the database and Redis ok, SMTP skipped (not set); exit 0', async () => {
    const r = await check({ ...sims.env, DATABASE_URL: db.url, REDIS_URL: redisUrl() });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const c = byName(r.stdout);
    expect(Object.keys(c)).toEqual(['config', 'openai', 'anthropic', 'aws', 'prometheus', 'opencost', 'database', 'redis', 'smtp']);
    for (const what of ['config', 'openai', 'anthropic', 'aws', 'prometheus', 'opencost', 'database', 'redis']) expect(c[what]!.status, `${what}: ${c[what]!.detail}`).toBe('ok');
    expect(c.smtp).toEqual({ what: 'smtp', status: 'skipped', detail: 'SMTP_URL not set: reports are written, not emailed' });
    expect(c.database!.detail).toMatch(/\(PostgreSQL \d+/);
    const human = await check({ ...sims.env, DATABASE_URL: db.url, REDIS_URL: redisUrl() }, false);
    expect(human.stdout.split('\n').filter(Boolean)).toHaveLength(9);
    expect(human.stdout).toMatch(/^ok {7}openai {6}usage API answered/m);
  });

  it('a wrong admin key names the key variable; a source without its key says which one is missing', async () => {
    const r = await check({ ...sims.env, OPENAI_ADMIN_KEY: 'not-a-key', ANTHROPIC_ADMIN_KEY: '', DATABASE_URL: db.url });
    expect(r.code).toBe(1);
    const c = byName(r.stdout);
    expect(c.openai!.status).toBe('failed');
    expect(c.openai!.detail).toMatch(/HTTP 401.*; check OPENAI_ADMIN_KEY$/);
    expect(c.anthropic).toMatchObject({ status: 'failed', detail: expect.stringContaining('ANTHROPIC_ADMIN_KEY is not set') });
    expect(c.redis!.status).toBe('skipped');
  });

  it('with the simulators down: each source fails in one line naming its URL variable, within the short timeout; exit 1', async () => {
    const env = { ...sims.env };
    await sims.close();
    const t0 = Date.now();
    const r = await check({ ...env, DATABASE_URL: 'postgres://postgres:pw@127.0.0.1:1/nope', REDIS_URL: 'redis://127.0.0.1:1', SMTP_URL: 'smtp://u:hunter2@127.0.0.1:1' });
    expect(Date.now() - t0).toBeLessThan(60_000);
    expect(r.code).toBe(1);
    const c = byName(r.stdout);
    expect(c.openai!.detail).toMatch(/cannot reach .*connection refused.*1 attempt; check OPENAI_BASE_URL/);
    expect(c.anthropic!.detail).toMatch(/check ANTHROPIC_BASE_URL/);
    expect(c.aws!.detail).toMatch(/AWS_ENDPOINT_URL_COST_EXPLORER/);
    expect(c.prometheus!.detail).toMatch(/check PROMETHEUS_URL/);
    expect(c.opencost!.detail).toMatch(/OPENCOST_URL/);
    expect(c.database!.detail).toMatch(/^postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/nope: .*; check DATABASE_URL/);
    expect(c.redis!.detail).toMatch(/check REDIS_URL/);
    expect(c.smtp!.detail).toMatch(/check SMTP_URL/);
    for (const k of Object.keys(c)) if (k !== 'config') expect(c[k]!.status, k).toBe('failed');
    expect(r.stdout).not.toContain('hunter2');
    expect(r.stdout).not.toContain(':pw@');
  });
});
