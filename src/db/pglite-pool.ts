import type { PGlite } from '@electric-sql/pglite';
import type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';

/**
 * A pg-Pool-shaped adapter over one PGlite instance, so Kysely's own PostgresDialect drives the
 * embedded database exactly as it drives a real server. PGlite is a single connection: a "client"
 * holds an exclusive lease until released, which is what keeps a transaction's statements together.
 */
export class PGlitePool implements PostgresPool {
  #tail: Promise<void> = Promise.resolve();
  constructor(readonly db: PGlite) {}

  async connect(): Promise<PostgresPoolClient> {
    let release!: () => void;
    const leased = new Promise<void>((r) => (release = r));
    const previous = this.#tail;
    this.#tail = previous.then(() => leased);
    await previous;
    let released = false;
    const db = this.db;
    return {
      async query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> {
        // Like pg: no parameters → simple protocol (several statements allowed, e.g. migrations).
        if (parameters.length === 0) {
          const results = await db.exec(sql);
          const last = results[results.length - 1];
          return toPgResult<R>(sql, (last?.rows ?? []) as R[], last?.affectedRows);
        }
        const r = await db.query<R>(sql, [...parameters]);
        return toPgResult<R>(sql, r.rows, r.affectedRows);
      },
      release() {
        if (released) return;
        released = true;
        release();
      },
    } as PostgresPoolClient;
  }

  async end(): Promise<void> {
    await this.#tail;
    if (!this.db.closed) await this.db.close();
  }
}

function toPgResult<R>(sql: string, rows: R[], affected: number | undefined): PostgresQueryResult<R> {
  const command = (/^\s*(?:with\b[\s\S]*?\)\s*)?(\w+)/i.exec(sql)?.[1] ?? 'SELECT').toUpperCase();
  const isWrite = command === 'INSERT' || command === 'UPDATE' || command === 'DELETE' || command === 'MERGE';
  return {
    command: command as PostgresQueryResult<R>['command'],
    rowCount: isWrite ? (affected ?? rows.length) : rows.length,
    rows,
  };
}
