import type { PGlite } from '@electric-sql/pglite';
import type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import { asCopy } from './copy.ts';

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
        // A released lease must not reach the database: its queries would interleave with the next lease's transaction.
        if (released) throw new Error('PGlite pool: query on a released client');
        const copy = asCopy(sql, parameters);
        if (copy) {
          // PGlite reads COPY input from a blob standing in for the client's STDIN.
          const r = await db.query(copy.statement.replace(/\bfrom stdin\b/i, "from '/dev/blob'"), [], { blob: new Blob(copy.csv) });
          return { command: 'COPY' as PostgresQueryResult<R>['command'], rowCount: r.affectedRows ?? 0, rows: [] };
        }
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
  const text = sql.replace(/^(?:\s+|--[^\n]*\n|\/\*[\s\S]*?\*\/)*/, '');
  let command = (/^(\w+)/.exec(text)?.[1] ?? 'SELECT').toUpperCase();
  if (command === 'WITH') command = mainVerbAfterCtes(text);
  const isWrite = command === 'INSERT' || command === 'UPDATE' || command === 'DELETE' || command === 'MERGE';
  return {
    command: command as PostgresQueryResult<R>['command'],
    rowCount: isWrite ? (affected ?? rows.length) : rows.length,
    rows,
  };
}

/** The statement verb after a WITH's CTE list: the first of SELECT/INSERT/UPDATE/DELETE/MERGE at depth 0. */
function mainVerbAfterCtes(text: string): string {
  let depth = 0;
  let quote: string | null = null;
  for (let i = 4; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = null;
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0 && /\w/.test(c) && !/\w/.test(text[i - 1] ?? ' ')) {
      const word = /^(select|insert|update|delete|merge)\b/i.exec(text.slice(i))?.[1];
      if (word) return word.toUpperCase();
    }
  }
  return 'SELECT';
}
