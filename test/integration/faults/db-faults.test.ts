import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sql } from 'kysely';
import pg from 'pg';
import { Writable } from 'node:stream';
import { createTestContext, type TestCtx } from '../../helpers/db.ts';
import { adminUrl } from '../../helpers/env.ts';
import { fixedClock } from '../../../src/clock.ts';
import type { Env } from '../../../src/config/env.ts';
import { connectDb } from '../../../src/db/connect.ts';
import { createLogger } from '../../../src/log.ts';
import { connectorFor } from '../../../src/ingest/registry.ts';
import { ingestWindow } from '../../../src/ingest/window.ts';
import { readRawBody } from '../../../src/ingest/raw-archive.ts';
import { fakeHttp } from './fakes.ts';

const NOW = new Date('2026-11-24T12:00:00Z');
const FAKE_AWS = { AWS_ACCESS_KEY_ID: 'AKIDSIMULATOR', AWS_SECRET_ACCESS_KEY: 'not-a-real-secret-value' };
const d = (s: string) => new Date(`${s}T00:00:00Z`);
let ctx: TestCtx;

beforeAll(async () => {
  ctx = await createTestContext({ clock: fixedClock(NOW) });
  vi.stubEnv('AWS_PROFILE', '');
});
afterAll(async () => {
  await ctx?.destroy();
});

const ceAnswer = (extra: object) => JSON.stringify({ GroupDefinitions: [], ResultsByTime: [], DimensionValueAttributes: [], ...extra });

async function awsAgainst(handler: Parameters<typeof fakeHttp>[0]) {
  const srv = await fakeHttp(handler);
  ctx.env = { ...ctx.env, AWS_ENDPOINT_URL_COST_EXPLORER: srv.url, ...FAKE_AWS } as Env;
  return srv;
}

describe('AWS Cost Explorer faults (the real SDK against a local fake)', () => {
  it('a repeated NextPageToken stops after the second request, with one line naming the source and the page count', async () => {
    const srv = await awsAgainst((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(ceAnswer({ NextPageToken: 'tok-same' }));
    });
    try {
      const err = await connectorFor('aws').ingest(ctx, { start: d('2026-10-01'), end: d('2026-11-01') }).catch((e: unknown) => e);
      expect((err as Error).message).toBe("AWS Cost Explorer: GetCostAndUsage 2026-10-01..2026-11-01 returned the cursor of page 2 again after 2 pages (a pagination loop on the vendor's side); stopped");
      expect(srv.requests).toHaveLength(2);
      const state = await ctx.db.selectFrom('sync_state').selectAll().where('source', '=', 'aws').executeTakeFirstOrThrow();
      expect(state.last_error).toContain('pagination loop');
    } finally {
      await srv.close();
    }
  });

  it('an HTML answer is archived in raw_payloads like any bad page, and fails in one line without retries', async () => {
    const srv = await awsAgainst((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body><h1>502 Proxy Error</h1> upstream said key=AKIAABCDEFGHIJKLMNOP</body></html>');
    });
    try {
      const err = await connectorFor('aws').ingest(ctx, { start: d('2026-09-01'), end: d('2026-10-01') }).catch((e: unknown) => e);
      const msg = (err as Error).message;
      expect(msg.split('\n')).toHaveLength(1);
      expect(msg).toMatch(/^AWS Cost Explorer: unexpected response shape from http:\/\/127\.0\.0\.1:\d+ GetCostAndUsage: not JSON \(HTTP 200\): 502 Proxy Error upstream said key=\[redacted\]$/);
      expect(srv.requests).toHaveLength(1);
      const raw = await ctx.db.selectFrom('raw_payloads').selectAll().where('source', '=', 'aws').where('parse_error', 'like', 'not JSON (HTTP 200): 502%').execute();
      expect(raw).toHaveLength(1);
      expect(readRawBody(raw[0]!)).toContain('<h1>502 Proxy Error</h1>');
      expect(readRawBody(raw[0]!)).not.toContain('AKIAABCDEFGHIJKLMNOP');
    } finally {
      await srv.close();
    }
  });

  it('truncated JSON is archived too', async () => {
    const srv = await awsAgainst((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end('{"ResultsByTime":[{"TimePeriod":');
    });
    try {
      await expect(connectorFor('aws').ingest(ctx, { start: d('2026-08-01'), end: d('2026-09-01') })).rejects.toThrow(/not JSON \(HTTP 200\): \{"ResultsByTime":\[\{"TimePeriod":$/);
      const raw = await ctx.db.selectFrom('raw_payloads').selectAll().where('source', '=', 'aws').where('parse_error', 'like', 'not JSON%ResultsByTime%').execute();
      expect(raw).toHaveLength(1);
      expect(readRawBody(raw[0]!)).toBe('{"ResultsByTime":[{"TimePeriod":');
    } finally {
      await srv.close();
    }
  });
});

describe('ingestion runs killed mid-flight', () => {
  it('a stale `running` run is marked abandoned by the next run of that source (and only that source)', async () => {
    const insert = (source: string, startedAt: Date) =>
      ctx.db
        .insertInto('ingestion_runs')
        .values({ source, window_start: d('2026-07-01'), window_end: d('2026-07-02'), started_at: startedAt, status: 'running' })
        .returning('id')
        .executeTakeFirstOrThrow();
    const stale = await insert('openai', new Date(NOW.getTime() - 2 * 3_600_000));
    const recent = await insert('openai', new Date(NOW.getTime() - 60_000));
    const other = await insert('anthropic', new Date(NOW.getTime() - 2 * 3_600_000));
    await ingestWindow(ctx, { source: 'openai', start: d('2026-07-01'), end: d('2026-07-02') }, async () => ({ batch: {}, scope: { usageProvider: 'openai', costSource: 'openai' } }));
    const status = async (id: string) => (await ctx.db.selectFrom('ingestion_runs').select(['status', 'error', 'finished_at']).where('id', '=', id).executeTakeFirstOrThrow());
    expect(await status(stale.id)).toMatchObject({ status: 'abandoned', finished_at: NOW });
    expect((await status(stale.id)).error).toMatch(/^abandoned: still running 30 min after it started/);
    expect((await status(recent.id)).status).toBe('running');
    expect((await status(other.id)).status).toBe('running');
  });
});

describe('a dropped Postgres connection', () => {
  it('an idle connection killed by pg_terminate_backend is logged once and replaced; the next statements work', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (c: Buffer, _e, cb) => (lines.push(c.toString()), cb()) });
    const handle = await connectDb({ databaseUrl: ctx.testDb.url, dataDir: '', log: createLogger('warn', sink) });
    const admin = new pg.Client({ connectionString: adminUrl() });
    await admin.connect();
    try {
      // Several idle pooled connections.
      await Promise.all([1, 2, 3].map(() => sql`select pg_sleep(0.05)`.execute(handle.db)));
      const { rows } = await admin.query<{ n: number }>(
        `select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where datname = $1 and pid <> pg_backend_pid() and application_name = ''`,
        [ctx.testDb.name],
      );
      expect(rows[0]!.n).toBeGreaterThanOrEqual(3);
      // Immediately: a statement may land on a connection whose termination is still in flight; it is retried once.
      for (let i = 0; i < 5; i++) {
        const r = await sql<{ one: number }>`select 1 as one`.execute(handle.db);
        expect(r.rows[0]!.one).toBe(1);
      }
      await new Promise((r) => setTimeout(r, 200));
      expect(lines.some((l) => l.includes('database connection dropped while idle') || l.includes('retrying it once'))).toBe(true);
      expect(lines.join('')).not.toContain('"level":50');
    } finally {
      await admin.end();
      await handle.close();
    }
  });

  it('inside a transaction the error propagates (the step fails and is retried as a whole); the pool recovers', async () => {
    const handle = await connectDb({ databaseUrl: ctx.testDb.url, dataDir: '' });
    const admin = new pg.Client({ connectionString: adminUrl() });
    await admin.connect();
    try {
      const err = await handle.db
        .transaction()
        .execute(async (trx) => {
          const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
          await admin.query('select pg_terminate_backend($1)', [rows[0]!.pid]);
          await sql`select 1`.execute(trx);
        })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect(String((err as Error).message)).toMatch(/terminat|ECONNRESET|connection error/i);
      const r = await sql<{ one: number }>`select 1 as one`.execute(handle.db);
      expect(r.rows[0]!.one).toBe(1);
    } finally {
      await admin.end();
      await handle.close();
    }
  });
});

describe('the analyst role', () => {
  it('may read the views but not create temporary tables', async () => {
    const role = `bk_analyst_login_${Math.random().toString(36).slice(2, 8)}`;
    const admin = new pg.Client({ connectionString: adminUrl() });
    await admin.connect();
    await admin.query(`create role ${role} login in role breakeven_analyst`);
    const url = new URL(ctx.testDb.url);
    url.username = role;
    const analyst = new pg.Client({ connectionString: url.toString() });
    await analyst.connect();
    try {
      await analyst.query('select count(*) from usage_daily');
      await expect(analyst.query('create temp table scratch (a int)')).rejects.toThrow(/permission denied to create temporary tables/);
      // The role breakeven runs as keeps TEMP.
      await sql`create temp table app_scratch (a int)`.execute(ctx.db);
    } finally {
      await analyst.end();
      await admin.query(`drop owned by ${role}`).catch(() => {});
      await admin.query(`drop role ${role}`);
      await admin.end();
    }
  });
});
