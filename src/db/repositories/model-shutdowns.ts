import { sql, type Kysely } from 'kysely';
import type { Database } from '../types.ts';

/** The one module that reads and writes model_shutdowns (a vendor API's model shutdown dates, as last read). */

export interface ModelShutdownRead {
  provider: string;
  /** Where the dates were read ("OpenAI /v1/models"): the origin the report names. */
  source: string;
  fetchedAt: Date;
  /** Models the answer lists with a readable shutdown date (YYYY-MM-DD): upserted. */
  dated: ReadonlyArray<{ model: string; date: string }>;
  /** Models the answer lists without one: any stored date is removed (the vendor no longer plans it). */
  undated: readonly string[];
}

/**
 * Stores one successful read (call it inside the caller's transaction): dated models upserted,
 * undated ones removed. Models the answer does not list, or lists with an unreadable date, keep
 * what was stored. A model listed twice keeps its last date.
 */
export async function storeModelShutdowns(db: Kysely<Database>, r: ModelShutdownRead): Promise<void> {
  if (r.undated.length) await db.deleteFrom('model_shutdowns').where('provider', '=', r.provider).where('model', 'in', [...r.undated]).execute();
  const dated = new Map(r.dated.map((d) => [d.model, d.date]));
  if (!dated.size) return;
  await db
    .insertInto('model_shutdowns')
    .values([...dated].map(([model, date]) => ({ provider: r.provider, model, shutdown_date: date, source: r.source, fetched_at: r.fetchedAt })))
    .onConflict((oc) => oc.columns(['provider', 'model']).doUpdateSet({ shutdown_date: sql`excluded.shutdown_date`, source: sql`excluded.source`, fetched_at: sql`excluded.fetched_at` }))
    .execute();
}

/** Every stored shutdown date, for the retirement table (src/prices/lifecycle.ts). */
export async function readModelShutdowns(db: Kysely<Database>): Promise<Array<{ provider: string; model: string; date: string; origin: string }>> {
  const rows = await db.selectFrom('model_shutdowns').select(['provider', 'model', 'shutdown_date', 'source']).orderBy('provider').orderBy('model').execute();
  return rows.map((r) => ({ provider: r.provider, model: r.model, date: r.shutdown_date, origin: r.source }));
}
