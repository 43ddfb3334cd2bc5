import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDb } from '../../helpers/db.ts';
import { readRawBody } from '../../../src/ingest/raw-archive.ts';
import { redisUrl } from '../../helpers/env.ts';
import { waitFor } from '../jobs/helpers/redis.ts';
import { closedPort, fakeHttp, stalledSocket } from './fakes.ts';
import { ownRedis } from './own-redis.ts';

/** The cases as an operator meets them: the real commands, one line on stderr, exit 1, no secret anywhere. */
const run = promisify(execFile);
const BIN = new URL('../../../bin/breakeven.js', import.meta.url).pathname;
const CONFIG = new URL('../../../breakeven.config.example.yaml', import.meta.url).pathname;
const SCRUB = ['REDIS_URL', 'DATABASE_URL', 'BREAKEVEN_QUEUE_PREFIX', 'BREAKEVEN_CONFIG', 'BREAKEVEN_HTTP_PORT', 'OPENAI_ADMIN_KEY', 'OPENAI_BASE_URL', 'ANTHROPIC_ADMIN_KEY', 'REPORT_TO', 'SMTP_URL'];
const base = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !SCRUB.includes(k)));
const KEY = 'sk-admin-cli-faults-0123456789abcdef';
const PASSWORD = 'cli-redis-pw-42x';

async function cli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args, '--config', CONFIG], { env: { ...base(), LOG_LEVEL: '', DATABASE_URL: db.url, ...env }, timeout: 150_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
const errorLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('breakeven: '));

let db: TestDb;
let locked: Awaited<ReturnType<typeof ownRedis>>;
beforeAll(async () => {
  db = await createTestDatabase();
  locked = await ownRedis({ password: PASSWORD });
});
afterAll(async () => {
  await locked?.destroy();
  await db?.drop();
});

describe('vendors that misbehave', () => {
  it('ingest against a vendor that never answers: one line naming the base URL and OPENAI_BASE_URL, exit 1', async () => {
    const s = await stalledSocket();
    try {
      const r = await cli(['ingest', 'openai', '--from', '2026-10-01', '--to', '2026-10-02'], { OPENAI_ADMIN_KEY: KEY, OPENAI_BASE_URL: `${s.url}/v1`, BREAKEVEN_HTTP_TIMEOUT_MS: '300' });
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`breakeven: openai: no answer from ${s.url}/v1 within 300 ms, 3 attempts; check OPENAI_BASE_URL or raise BREAKEVEN_HTTP_TIMEOUT_MS\n`);
      expect(s.connections()).toBeGreaterThanOrEqual(3);
    } finally {
      await s.close();
    }
  });

  it('a vendor error that echoes the key: not printed, not in raw_payloads, ingestion_runs or sync_state', async () => {
    const srv = await fakeHttp((req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `Incorrect API key provided: ${String(req.headers.authorization).replace('Bearer ', '')}` } }));
    });
    try {
      const r = await cli(['ingest', 'openai', '--from', '2026-10-01', '--to', '2026-10-02'], { OPENAI_ADMIN_KEY: KEY, OPENAI_BASE_URL: `${srv.url}/v1` });
      expect(r.code).toBe(1);
      expect(errorLines(r.stderr)).toHaveLength(1);
      expect(r.stderr).toContain('HTTP 401');
      expect(r.stdout + r.stderr).not.toContain(KEY);
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      try {
        const raw = await c.query<{ body: string | null; body_gz: Buffer | null }>('select body, body_gz from raw_payloads');
        expect(raw.rows.length).toBeGreaterThan(0);
        for (const row of raw.rows) expect(readRawBody(row)).not.toContain(KEY);
        for (const q of ['select error as t from ingestion_runs', 'select last_error as t from sync_state']) {
          const { rows } = await c.query<{ t: string | null }>(q);
          expect(rows.length).toBeGreaterThan(0);
          for (const row of rows) expect(row.t ?? '').not.toContain(KEY);
        }
      } finally {
        await c.end();
      }
    } finally {
      await srv.close();
    }
  });
});

describe('Redis that is down or locked', () => {
  it('backfill with a wrong Redis password: one line, exit 1, the password nowhere', async () => {
    const r = await cli(['backfill', '--from', '2026-09', '--to', '2026-09', '--sources', 'openai'], { REDIS_URL: `redis://:${PASSWORD}-wrong@127.0.0.1:${locked.port}`, BREAKEVEN_QUEUE_PREFIX: 'bk-cli-faults' });
    expect(r.code).toBe(1);
    expect(errorLines(r.stderr)).toEqual([`breakeven: Redis at redis://:***@127.0.0.1:${locked.port} rejected the credentials (WRONGPASS); check the password in REDIS_URL`]);
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it('status with Redis down answers for the database and says the queues are unavailable in one line', async () => {
    const port = await closedPort();
    const r = await cli(['status'], { REDIS_URL: `redis://:${PASSWORD}@127.0.0.1:${port}` });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`queues: unavailable: Redis at redis://:***@127.0.0.1:${port} is unreachable (ECONNREFUSED); check REDIS_URL and that Redis is running`);
    expect(r.stderr).toBe('');
    expect(r.stdout).not.toContain(PASSWORD);
  });

  it('a worker with a wrong Redis password exits 1 with one line', async () => {
    const r = await cli(['worker'], { REDIS_URL: `redis://:nope@127.0.0.1:${locked.port}`, BREAKEVEN_HTTP_PORT: '0' });
    expect(r.code).toBe(1);
    expect(errorLines(r.stderr)).toEqual([`breakeven: Redis at redis://:***@127.0.0.1:${locked.port} rejected the credentials (WRONGPASS); check the password in REDIS_URL`]);
  });

  it('a worker survives its idle database connections being killed, stops on SIGTERM, and listened on 127.0.0.1 as its log says', async () => {
    const child = spawn(process.execPath, [BIN, 'worker', '--config', CONFIG], {
      env: { ...base(), LOG_LEVEL: 'info', DATABASE_URL: db.url, REDIS_URL: redisUrl(), BREAKEVEN_QUEUE_PREFIX: 'bk-cli-faults-sigterm', BREAKEVEN_HTTP_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exit = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    await waitFor('the worker to be ready', async () => /worker ready: .*http:\/\/127\.0\.0\.1:\d+\/healthz/.test(err), 90_000);
    const url = /(http:\/\/127\.0\.0\.1:\d+)\/healthz/.exec(err)![1]!;
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    // A Postgres restart / pgbouncer recycle while the worker idles: it used to die of the pool's unhandled 'error'.
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ n: number }>('select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
      expect(rows[0]!.n).toBeGreaterThan(0);
    } finally {
      await admin.end();
    }
    await new Promise((r) => setTimeout(r, 1_000));
    expect(child.exitCode).toBeNull();
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(err).not.toMatch(/^\s+at /m);
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(err).toContain('worker stopped');
  });
});
