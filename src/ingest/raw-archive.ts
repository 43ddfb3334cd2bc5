import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Kysely } from 'kysely';
import type { Database } from '../db/types.ts';
import type { PageRecord } from '../sources/http.ts';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * Archives fetched pages (raw_payloads) in one multi-row insert, each body gzip-compressed: vendor
 * JSON compresses 10–20×, and the archive was otherwise about half the cost of writing a window.
 * `runId` null: pages read outside an ingestion window (spend limits, model shutdown dates).
 */
export async function archivePages(db: Kysely<Database>, source: string, account: string, runId: string | null, pages: PageRecord[]): Promise<void> {
  if (pages.length === 0) return;
  await db
    .insertInto('raw_payloads')
    .values(
      pages.map((p) => ({
        source,
        account,
        run_id: runId,
        request: JSON.stringify(p.request),
        status: p.status,
        body: null,
        body_gz: gzipSync(p.body, { level: 3 }),
        body_sha256: sha256(p.body),
        parse_error: p.parseError ?? null,
        fetched_at: p.fetchedAt,
      })),
    )
    .execute();
}

/** The body of an archived page, whether stored compressed or (rows from before compression) as text. */
export function readRawBody(row: { body?: string | null; body_gz?: Buffer | Uint8Array | null }): string {
  if (row.body_gz) return gunzipSync(row.body_gz).toString('utf8');
  return row.body ?? '';
}
