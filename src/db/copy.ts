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
 * Rows as CSV in Postgres' COPY dialect: NULL is an empty unquoted field; a string is quoted when it
 * is empty or holds a delimiter, quote, backslash or line break (so '' stays an empty string).
 * Hand-written rather than csv-stringify: that library writes null and '' alike, and COPY must tell
 * them apart. It runs over every staged row, so it avoids per-cell allocation where it can.
 */
export function toCopyCsv(rows: ReadonlyArray<ReadonlyArray<CopyValue>>): string[] {
  return encodeRows(rows.length, (i, j) => rows[i]![j], rows[0]?.length ?? 0);
}

/** The same, reading `columns` of each record directly (no intermediate arrays). */
export function recordsToCopyCsv(rows: ReadonlyArray<Record<string, unknown>>, columns: readonly string[]): string[] {
  return encodeRows(rows.length, (i, j) => rows[i]![columns[j]!] as CopyValue, columns.length);
}

const NEEDS_QUOTES = /[",\\\r\n]/;

/** Encodes rows in chunks (so no single huge string is built), each chunk a run of CSV lines. */
function encodeRows(n: number, cell: (i: number, j: number) => CopyValue, width: number): string[] {
  const dates = new Map<number, string>();
  const encode = (v: CopyValue): string => {
    if (v === null || v === undefined) return '';
    switch (typeof v) {
      case 'number':
      case 'bigint':
        return String(v);
      case 'boolean':
        return v ? 't' : 'f';
      case 'string':
        return v === '' || NEEDS_QUOTES.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
      default: {
        if (v instanceof Date) {
          const t = v.getTime();
          let iso = dates.get(t);
          if (iso === undefined) dates.set(t, (iso = v.toISOString()));
          return iso;
        }
        const text = JSON.stringify(v);
        return `"${text.replaceAll('"', '""')}"`;
      }
    }
  };
  const chunks: string[] = [];
  const lines: string[] = [];
  const cells: string[] = new Array<string>(width);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < width; j++) cells[j] = encode(cell(i, j));
    lines.push(cells.join(','));
    if (lines.length === 2000) {
      chunks.push(lines.join('\n') + '\n');
      lines.length = 0;
    }
  }
  if (lines.length) chunks.push(lines.join('\n') + '\n');
  return chunks;
}

/** Copies rows (in `columns` order) into `table` inside the caller's transaction. */
export async function copyRows(db: Kysely<any>, table: string, columns: readonly string[], rows: ReadonlyArray<ReadonlyArray<CopyValue>>): Promise<void> {
  if (rows.length === 0) return;
  await copyCsv(db, table, columns, toCopyCsv(rows));
}

/** Copies records (their `columns`, in that order) into `table` inside the caller's transaction. */
export async function copyRecords(db: Kysely<any>, table: string, columns: readonly string[], rows: ReadonlyArray<Record<string, unknown>>): Promise<void> {
  if (rows.length === 0) return;
  await copyCsv(db, table, columns, recordsToCopyCsv(rows, columns));
}

async function copyCsv(db: Kysely<any>, table: string, columns: readonly string[], csv: string[]): Promise<void> {
  const statement = `${MARKER}copy ${table} (${columns.join(', ')}) from stdin with (format csv)`;
  await sql`${sql.raw(statement)} ${csv}`.execute(db);
}

/** Splits a marked COPY query into its statement and payload, or null for any other query. */
export function asCopy(text: string, parameters: ReadonlyArray<unknown>): { statement: string; csv: string[] } | null {
  if (!text.startsWith(MARKER)) return null;
  const payload = parameters[0];
  return { statement: text.slice(MARKER.length).replace(/\s*\$1\s*$/, ''), csv: Array.isArray(payload) ? (payload as string[]) : [String(payload ?? '')] };
}

/** A pg pool client that also understands marked COPY queries. */
export function copyingPgClient(client: pg.PoolClient): PostgresPoolClient {
  return {
    query: (async (text: string, parameters: ReadonlyArray<unknown>) => {
      const copy = asCopy(text, parameters);
      if (!copy) return client.query(text, parameters as unknown[]);
      const stream = client.query(copyFrom(copy.statement));
      await pipeline(Readable.from(copy.csv), stream);
      return { command: 'COPY', rowCount: stream.rowCount, rows: [] } as unknown as PostgresQueryResult<unknown>;
    }) as PostgresPoolClient['query'],
    release: () => client.release(),
  } as PostgresPoolClient;
}
