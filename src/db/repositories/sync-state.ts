import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, SyncStateTable } from '../types.ts';

/** The one module that writes sync_state (per source and account: watermark, last success/error, requests). */

export type SyncState = Selectable<SyncStateTable>;

/** A committed window: the watermark only moves forward; vendor requests are added up. */
export async function recordSyncSuccess(db: Kysely<Database>, s: { source: string; account: string; watermark: Date; at: Date; requests?: number }): Promise<void> {
  await db
    .insertInto('sync_state')
    .values({ source: s.source, account: s.account, watermark: s.watermark, last_success_at: s.at, requests_total: s.requests ?? 0 })
    .onConflict((oc) =>
      oc.columns(['source', 'account']).doUpdateSet({
        watermark: sql`greatest(sync_state.watermark, excluded.watermark)`,
        last_success_at: sql`excluded.last_success_at`,
        requests_total: sql`sync_state.requests_total + excluded.requests_total`,
      }),
    )
    .execute();
}

/** A failed window: the error is kept (the watermark does not move); requests made still count. */
export async function recordSyncFailure(db: Kysely<Database>, s: { source: string; account: string; error: string; at: Date; requests?: number }): Promise<void> {
  await db
    .insertInto('sync_state')
    .values({ source: s.source, account: s.account, last_error: s.error, last_error_at: s.at, requests_total: s.requests ?? 0 })
    .onConflict((oc) =>
      oc.columns(['source', 'account']).doUpdateSet({
        last_error: sql`excluded.last_error`,
        last_error_at: sql`excluded.last_error_at`,
        requests_total: sql`sync_state.requests_total + excluded.requests_total`,
      }),
    )
    .execute();
}

/** The oldest watermark of a source over its accounts (what every account has reached), or null. */
export async function readWatermark(db: Kysely<Database>, source: string): Promise<Date | null> {
  const row = await db
    .selectFrom('sync_state')
    .select((eb) => eb.fn.min('watermark').as('watermark'))
    .where('source', '=', source)
    .executeTakeFirst();
  return row?.watermark ? new Date(row.watermark) : null;
}

/** Every source × account, ordered. */
export async function listSyncState(db: Kysely<Database>): Promise<SyncState[]> {
  return db.selectFrom('sync_state').selectAll().orderBy('source').orderBy('account').execute();
}
