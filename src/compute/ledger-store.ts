import type { Kysely } from 'kysely';
import type { Database } from '../db/types.ts';
import { copyRows } from '../db/copy.ts';
import type { LedgerEntry } from './ledger.ts';

const COLUMNS = ['month', 'line_id', 'feature', 'day', 'idle', 'effective_cost', 'billed_cost', 'currency'] as const;

/** Replaces the month's ledger (the one table every surface reads money per feature from). */
export async function writeLedger(db: Kysely<Database>, month: string, currency: string, entries: LedgerEntry[]): Promise<void> {
  await db.deleteFrom('allocation_ledger').where('month', '=', month).execute();
  // Several hours of one GPU line on one day are one row; parts of one (line, feature, day) are summed.
  await copyRows(
    db,
    'allocation_ledger',
    COLUMNS,
    entries.map((e) => [month, e.lineId, e.feature, e.day, e.idle, e.effective, e.billed, currency]),
  );
}
