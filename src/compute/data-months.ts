import { sql, type Kysely } from 'kysely';
import type { Config } from '../config/schema.ts';
import type { Database } from '../db/types.ts';
import { featureCase, UNATTRIBUTED } from '../attribution/apply.ts';
import { addMonths, dayKey } from '../time.ts';

/** A month counts as complete data for a feature when facts exist on at least this share of its days. */
export const COMPLETE_MONTH_DAY_SHARE = 0.8;

/**
 * Complete months of data per feature up to and including `month` (COST-MODEL.md §7): months that
 * have ended by `now` and in which the feature has facts on ≥ 80 % of the days. Reads the per-month
 * activity summary; only months whose facts changed since (rollup_state.activity_stale) are summarised
 * again, each from its own month of rollups.
 */
export async function computeDataMonths(db: Kysely<Database>, config: Config, month: Date, now: Date): Promise<Map<string, number>> {
  const stale = await db.selectFrom('rollup_state').select('month').where('activity_stale', '=', true).where('month', '<=', dayKey(month)).execute();
  for (const s of stale) await summariseMonth(db, config, new Date(`${s.month}T00:00:00Z`));
  const rows = await db.selectFrom('month_activity').select(['month', 'feature', 'days']).where('month', '<=', dayKey(month)).execute();
  const out = new Map<string, number>();
  for (const r of rows) {
    const m = new Date(`${r.month}T00:00:00Z`);
    const end = addMonths(m, 1);
    if (end > now) continue;
    const days = (end.getTime() - m.getTime()) / 86_400_000;
    if (r.days >= Math.ceil(days * COMPLETE_MONTH_DAY_SHARE)) out.set(r.feature, (out.get(r.feature) ?? 0) + 1);
  }
  return out;
}

/** Days with facts per feature in one month, from that month's rollups, serving metrics and cost lines. */
async function summariseMonth(db: Kysely<Database>, config: Config, m: Date): Promise<void> {
  const start = m;
  const end = addMonths(m, 1);
  const costFeature = featureCase(config, 'cost_line_items');
  await db.deleteFrom('month_activity').where('month', '=', dayKey(m)).execute();
  await sql`
    insert into month_activity (month, feature, days)
    select ${dayKey(m)}::date, feature, count(distinct day)::int from (
      select coalesce(d.feature, ${UNATTRIBUTED}) as feature, r.day
        from usage_rollup_daily r join usage_dims d on d.dim_id = r.dim_id
       where r.day >= ${start}::date and r.day < ${end}::date and (r.requests > 0 or r.output_tokens > 0)
      union
      select coalesce(sd.feature, ${UNATTRIBUTED}), (s.hour at time zone 'UTC')::date
        from serving_metrics s left join serving_dims sd on sd.deployment = s.deployment and sd.model = s.model
       where s.hour >= ${start} and s.hour < ${end} and (s.prompt_tokens + s.generation_tokens) > 0
      union
      select coalesce(${costFeature}, ${UNATTRIBUTED}), (charge_period_start at time zone 'UTC')::date
        from cost_line_items where charge_period_start >= ${start} and charge_period_start < ${end}
    ) t group by feature`.execute(db);
  await db.updateTable('rollup_state').set({ activity_stale: false }).where('month', '=', dayKey(m)).execute();
}
