import { sql } from 'kysely';
import type { Ctx } from '../context.ts';
import { computeDataMonths } from '../compute/data-months.ts';
import { lastFullMonth } from '../time.ts';

export interface SourceStatus {
  source: string;
  account: string;
  firstDay: string | null;
  lastDay: string | null;
  daysCovered: number;
  monthsCovered: number;
  watermark: string | null;
  lastSuccess: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
  estimatedDays: number;
  vendorRequests: number;
}

export interface StatusReport {
  database: string;
  sources: SourceStatus[];
  features: Array<{ feature: string; completeMonths: number }>;
  minMonthsForRecommendation: number;
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

/** Per source: coverage, last success/error, restatable (estimated) days, vendor requests; per feature: complete months. */
export async function ingestStatus(ctx: Ctx): Promise<StatusReport> {
  const coverage = await sql<{ source: string; account: string; first_day: string | null; last_day: string | null; days: number; months: number }>`
    select source, account, min(d)::date::text as first_day, max(d)::date::text as last_day,
           count(distinct d)::int as days, count(distinct date_trunc('month', d))::int as months
      from (
        select r.source, r.account, generate_series(date_trunc('day', r.window_start at time zone 'UTC'),
                                                     (r.window_end at time zone 'UTC') - interval '1 second', interval '1 day') as d
          from ingestion_runs r where r.status = 'succeeded'
      ) t group by 1, 2`.execute(ctx.db);
  const estimated = await sql<{ source: string; account: string; days: number }>`
    select source, account, count(distinct (charge_period_start at time zone 'UTC')::date)::int as days
      from cost_line_items where estimated group by 1, 2`.execute(ctx.db);
  const state = await ctx.db.selectFrom('sync_state').selectAll().execute();
  const keys = new Set<string>([...state.map((s) => `${s.source}|${s.account}`), ...coverage.rows.map((c) => `${c.source}|${c.account}`)]);
  const sources: SourceStatus[] = [...keys].sort().map((k) => {
    const [source, account] = k.split('|') as [string, string];
    const s = state.find((x) => x.source === source && x.account === account);
    const c = coverage.rows.find((x) => x.source === source && x.account === account);
    const e = estimated.rows.find((x) => x.source === source && x.account === account);
    return {
      source,
      account,
      firstDay: c?.first_day ?? null,
      lastDay: c?.last_day ?? null,
      daysCovered: c?.days ?? 0,
      monthsCovered: c?.months ?? 0,
      watermark: iso(s?.watermark ?? null),
      lastSuccess: iso(s?.last_success_at ?? null),
      lastError: s?.last_error ?? null,
      lastErrorAt: iso(s?.last_error_at ?? null),
      estimatedDays: e?.days ?? 0,
      vendorRequests: Number(s?.requests_total ?? 0),
    };
  });
  const months = await computeDataMonths(ctx.db, ctx.config, lastFullMonth(ctx.clock.now()), ctx.clock.now());
  const names = new Set<string>([...ctx.config.features.map((f) => f.name), ...months.keys()]);
  return {
    database: ctx.dbWhere,
    sources,
    features: [...names].sort().map((feature) => ({ feature, completeMonths: months.get(feature) ?? 0 })),
    minMonthsForRecommendation: ctx.config.report.min_months_for_recommendation,
  };
}
