import type pg from 'pg';
import type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import type { Logger } from '../log.ts';
import { errorMessage } from '../errors.ts';
import { copyingPgClient } from './copy.ts';

/**
 * Errors that mean the connection itself is gone (a Postgres restart or failover, pgbouncer
 * recycling it, pg_terminate_backend), not that the statement was wrong.
 */
export function isConnectionLoss(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null;
  if (!e) return false;
  if (e.code && /^(57P01|57P02|57P03|08000|08003|08006|ECONNRESET|EPIPE|ECONNREFUSED)$/.test(e.code)) return true;
  return /Connection terminated|connection error and is not queryable|Client was closed and is not queryable|terminating connection/i.test(e.message ?? '');
}

/** How many dead pooled connections one statement may step over before giving up. */
const MAX_DEAD_CONNECTIONS = 10;

const TX_START = /^\s*(begin|start\s+transaction)\b/i;
const TX_END = /^\s*(commit|rollback|end|abort)\b/i;

/**
 * pg's Pool for Kysely, hardened against dropped connections:
 * - an idle connection that dies (restart, failover, pgbouncer, pg_terminate_backend) is logged
 *   once and dropped from the pool, which opens a fresh one on demand — instead of the unhandled
 *   'error' event that used to kill the process;
 * - a statement that fails because its connection was lost is retried once on a new connection
 *   when it ran outside a transaction (Kysely runs each such statement on its own lease); inside a
 *   transaction the error propagates, the transaction is lost as a whole, and the step fails (a
 *   queued job is retried by BullMQ; every step is idempotent).
 */
export class RetryingPool implements PostgresPool {
  constructor(
    readonly pool: pg.Pool,
    readonly log: Pick<Logger, 'warn'>,
  ) {
    pool.on('error', (err) => log.warn({ err: errorMessage(err) }, 'database connection dropped while idle; it is replaced on next use'));
  }

  async connect(): Promise<PostgresPoolClient> {
    // Cast as PGlitePool does: Kysely's client type also has a cursor overload we never use (no streaming).
    return new RetryingClient(this.pool, await this.pool.connect(), this.log) as unknown as PostgresPoolClient;
  }

  async end(): Promise<void> {
    await this.pool.end();
  }
}

class RetryingClient {
  #inTransaction = false;
  #broken = false;
  // pg's pool listens for errors only on idle clients: a leased one whose socket dies between two
  // statements (inside a transaction) would raise an unhandled 'error' and end the process.
  readonly #onError = (err: Error) => {
    this.#broken = true;
    this.log.warn({ err: errorMessage(err) }, 'database connection dropped while in use; the statement using it fails');
  };
  constructor(
    readonly pool: pg.Pool,
    private inner: pg.PoolClient,
    readonly log: Pick<Logger, 'warn'>,
  ) {
    inner.on('error', this.#onError);
  }

  async query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> {
    const starts = TX_START.test(sql);
    const ends = TX_END.test(sql);
    try {
      const r = await this.run<R>(sql, parameters);
      if (starts) this.#inTransaction = true;
      if (ends) this.#inTransaction = false;
      return r;
    } catch (err) {
      if (!isConnectionLoss(err)) throw err;
      if (this.#inTransaction || starts || ends) {
        this.#broken = true;
        this.#inTransaction = false;
        throw err;
      }
      this.log.warn({ err: errorMessage(err) }, 'database connection lost during a statement outside a transaction; retrying it once on a new connection');
      // The pool may hold more idle connections killed at the same moment (a restart, a pgbouncer
      // recycle): each one found dead is discarded and the next one tried. None of them ran the
      // statement (a killed backend runs nothing), so it still runs at most once.
      for (let tries = 0; ; tries++) {
        this.inner.off('error', this.#onError);
        this.inner.release(err instanceof Error ? err : true);
        this.#broken = false;
        this.inner = await this.pool.connect();
        this.inner.on('error', this.#onError);
        try {
          return await this.run<R>(sql, parameters);
        } catch (again) {
          if (!isConnectionLoss(again) || tries >= MAX_DEAD_CONNECTIONS) throw again;
          err = again;
        }
      }
    }
  }

  private async run<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> {
    // copyingPgClient streams marked COPY statements (the ingest write path); others pass straight through.
    const r = await copyingPgClient(this.inner).query(sql, parameters);
    return r as unknown as PostgresQueryResult<R>;
  }

  release(): void {
    this.inner.off('error', this.#onError);
    this.inner.release(this.#broken || undefined);
  }
}
