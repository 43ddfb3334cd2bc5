import type { Kysely } from 'kysely';
import type { Database } from '../db/types.ts';
import { addMonths, monthKey } from '../time.ts';
import { featureDaysByMonth } from './aggregate.ts';

/** A month counts as complete data for a feature when facts exist on at least this share of its days. */
export const COMPLETE_MONTH_DAY_SHARE = 0.8;

/**
 * Complete months of data per feature up to and including `month` (COST-MODEL.md §7): months that
 * have ended by `now` and in which the feature has facts on ≥ 80 % of the days.
 */
export async function computeDataMonths(db: Kysely<Database>, month: Date, now: Date): Promise<Map<string, number>> {
  const until = addMonths(month, 1);
  const rows = await featureDaysByMonth(db, until);
  const out = new Map<string, number>();
  const target = monthKey(month);
  for (const r of rows) {
    if (r.month > target) continue;
    const m = new Date(`${r.month}-01T00:00:00Z`);
    const end = addMonths(m, 1);
    if (end > now) continue;
    const days = (end.getTime() - m.getTime()) / 86_400_000;
    if (r.days >= Math.ceil(days * COMPLETE_MONTH_DAY_SHARE)) out.set(r.feature, (out.get(r.feature) ?? 0) + 1);
  }
  return out;
}
