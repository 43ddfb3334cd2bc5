import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { envSchema } from '../../src/config/env.ts';
import { loadConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { createContext, type OwnedCtx } from '../../src/context.ts';
import { fixedClock, type Clock } from '../../src/clock.ts';
import { silentLogger } from '../../src/log.ts';
import type { FetchFn } from '../../src/sources/http.ts';
import { adminUrl } from './env.ts';

export interface TestDb {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A fresh database per test file (so files run in parallel), dropped afterwards. */
export async function createTestDatabase(): Promise<TestDb> {
  const name = `bk_test_${Date.now()}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  await admin.end();
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl() });
      await c.connect();
      try {
        // A pool's end() resolves before its sockets are gone; a forced drop then kills them and the
        // test process sees 57P01 errors. Wait for the test's own connections to go first.
        for (let i = 0; i < 40; i++) {
          const { rows } = await c.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where datname = $1', [name]);
          if (rows[0]!.n === 0) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        await c.query(`drop database if exists "${name}" with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}

export function exampleConfig(): Config {
  return loadConfig({ path: new URL('../../breakeven.config.example.yaml', import.meta.url).pathname }).config;
}

export interface TestCtx extends OwnedCtx {
  testDb: TestDb;
  /** Closes the context and drops the database. */
  destroy(): Promise<void>;
}

/**
 * A migrated database and a context on it: example config unless given, a fixed clock, silent logs,
 * retries that do not actually sleep, and extra environment (base URLs of simulators) as needed.
 */
export async function createTestContext(opts: {
  config?: Config;
  clock?: Clock;
  env?: Record<string, string>;
  fetch?: FetchFn;
} = {}): Promise<TestCtx> {
  const testDb = await createTestDatabase();
  const env = envSchema.parse({ DATABASE_URL: testDb.url, LOG_LEVEL: 'silent', ...opts.env });
  const ctx = await createContext({
    env,
    config: opts.config ?? exampleConfig(),
    clock: opts.clock ?? fixedClock('2026-11-24T12:00:00Z'),
    log: silentLogger,
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  });
  ctx.sleep = async () => {};
  return {
    ...ctx,
    testDb,
    destroy: async () => {
      await ctx.close();
      await testDb.drop();
    },
  };
}
