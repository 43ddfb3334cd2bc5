import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { acquireDirLock } from './lock.ts';
import { PGlitePool } from './pglite-pool.ts';
import { RetryingPool } from './retrying-pool.ts';
import { silentLogger, type Logger } from '../log.ts';
import type { Database } from './types.ts';

// Type OIDs whose driver-boundary representation we fix on both drivers: exact strings for
// bigint and numeric (pg's default; never a float), 'YYYY-MM-DD' strings for date.
const INT8 = 20;
const NUMERIC = 1700;
const DATE = 1082;

export type Db = Kysely<Database>;

export interface DbHandle {
  db: Db;
  kind: 'postgres' | 'pglite';
  /** Where it points, without credentials (for logs and status). */
  where: string;
  close(): Promise<void>;
}

/** A connection URL without its password, for logs, status and errors (Postgres and Redis alike). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}


export async function connectDb(opts: { databaseUrl?: string | undefined; dataDir: string; log?: Pick<Logger, 'warn'> }): Promise<DbHandle> {
  if (opts.databaseUrl) {
    const identity = (v: string) => v;
    const pool = new pg.Pool({
      connectionString: opts.databaseUrl,
      max: 10,
      // A server that accepts the TCP connection and never answers must not hang a command.
      connectionTimeoutMillis: 15_000,
      keepAlive: true,
      // Every date and hour boundary in breakeven is UTC; pin the session so the server's zone can't move them.
      options: '-c TimeZone=UTC',
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === DATE || oid === INT8 || oid === NUMERIC ? identity : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
      },
    });
    // Clients that also stream COPY (the ingest write path) and survive dropped connections (retrying-pool.ts).
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new RetryingPool(pool, opts.log ?? silentLogger) }) });
    return { db, kind: 'postgres', where: redactUrl(opts.databaseUrl), close: () => db.destroy() };
  }
  const dir = resolve(opts.dataDir);
  const releaseLock = acquireDirLock(dir);
  try {
    mkdirSync(dir, { recursive: true });
    const identity = (v: string) => v;
    const lite = await PGlite.create(dir, { parsers: { [INT8]: identity, [NUMERIC]: identity, [DATE]: identity } });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new PGlitePool(lite) }) });
    return {
      db,
      kind: 'pglite',
      where: dir,
      close: async () => {
        try {
          await db.destroy();
        } finally {
          releaseLock();
        }
      },
    };
  } catch (err) {
    releaseLock();
    throw err;
  }
}
