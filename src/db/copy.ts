import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { sql, type Kysely } from 'kysely';
import type { PostgresPoolClient, PostgresQueryResult } from 'kysely';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/**
 * COPY … FROM STDIN through Kysely, on the transaction's own connection. Kysely has no COPY, so the
 * statement travels as an ordinary query whose text starts with a marker and whose one parameter is
 * the CSV payload; the pool clients (pg and PGlite alike) recognise the marker and stream the payload
 * with the driver's own COPY support (pg-copy-streams for pg, a blob for PGlite).
 */
const MARKER = '/*breakeven:copy*/ ';

export type CopyValue = string | number | bigint | boolean | Date | null | undefined | Record<string, unknown> | unknown[];

/**
 * Rows as CSV in Postgres' COPY dialect: NULL is an empty unquoted field, every value is quoted (so
 * '' stays an empty string). Hand-written rather than csv-stringify: that library writes null and ''
 * alike, and COPY must tell them apart.
 */
export function toCopyCsv(rows: ReadonlyArray<ReadonlyArray<CopyValue>>): string {
  const out: string[] = [];
  for (const row of rows) {
    const cells = row.map((v) => {
      if (v === null || v === undefined) return '';
      const text = typeof v === 'boolean' ? (v ? 't' : 'f') : v instanceof Date ? v.toISOString() : typeof v === 'object' ? JSON.stringify(v) : String(v);
      return `"${text.replace(/"/g, '""')}"`;
    });
    out.push(cells.join(','));
  }
  return out.join('\n') + '\n';
}

/** Copies rows (in `columns` order) into `table` inside the caller's transaction. */
export async function copyRows(db: Kysely<any>, table: string, columns: readonly string[], rows: ReadonlyArray<ReadonlyArray<CopyValue>>): Promise<void> {
  if (rows.length === 0) return;
  const csv = toCopyCsv(rows);
  const statement = `${MARKER}copy ${table} (${columns.join(', ')}) from stdin with (format csv)`;
  await sql`${sql.raw(statement)} ${csv}`.execute(db);
}

/** Splits a marked COPY query into its statement and payload, or null for any other query. */
export function asCopy(text: string, parameters: ReadonlyArray<unknown>): { statement: string; csv: string } | null {
  if (!text.startsWith(MARKER)) return null;
  return { statement: text.slice(MARKER.length).replace(/\s*\$1\s*$/, ''), csv: String(parameters[0] ?? '') };
}

/** A pg pool client that also understands marked COPY queries. */
export function copyingPgClient(client: pg.PoolClient): PostgresPoolClient {
  return {
    query: (async (text: string, parameters: ReadonlyArray<unknown>) => {
      const copy = asCopy(text, parameters);
      if (!copy) return client.query(text, parameters as unknown[]);
      const stream = client.query(copyFrom(copy.statement));
      await pipeline(Readable.from([copy.csv]), stream);
      return { command: 'COPY', rowCount: stream.rowCount, rows: [] } as unknown as PostgresQueryResult<unknown>;
    }) as PostgresPoolClient['query'],
    release: () => client.release(),
  } as PostgresPoolClient;
}
