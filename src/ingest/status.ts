import { sql } from 'kysely';
import type { Ctx } from '../context.ts';
import { computeDataMonths } from '../compute/data-months.ts';
import { lastFullMonth } from '../time.ts';
import { FOCUS_SOURCE } from '../sources/focus/normalize.ts';

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

/** What `ingest focus` left behind for one billing account (the files' rows, as stored). */
export interface FocusAccountStatus {
  account: string;
  providers: string[];
  firstDay: string | null;
  lastDay: string | null;
  months: number;
  rows: number;
  lastImport: string | null;
}

/** The imports of one FOCUS file (by base name), the latest first. */
export interface FocusFileStatus {
  file: string;
  /** How the latest import of it ended, and when. */
  status: 'succeeded' | 'failed';
  at: string;
  /** Rows written and charge periods covered by its latest successful import (null: none succeeded). */
  rows: number | null;
  firstDay: string | null;
  lastDay: string | null;
  imports: number;
  error: string | null;
}

export interface StatusReport {
  database: string;
  /** The windowed sources (FOCUS files are in `focus`). */
  sources: SourceStatus[];
  focus: { accounts: FocusAccountStatus[]; files: FocusFileStatus[]; imports: number; lastFailure: { at: string; error: string } | null };
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
          from ingestion_runs r where r.status = 'succeeded' and r.source <> ${FOCUS_SOURCE}
      ) t group by 1, 2`.execute(ctx.db);
  const estimated = await sql<{ source: string; account: string; days: number }>`
    select source, account, count(distinct (charge_period_start at time zone 'UTC')::date)::int as days
      from cost_line_items where estimated group by 1, 2`.execute(ctx.db);
  const allState = await ctx.db.selectFrom('sync_state').selectAll().execute();
  const state = allState.filter((s) => s.source !== FOCUS_SOURCE);
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
  const focus = await focusStatus(ctx, allState.filter((s) => s.source === FOCUS_SOURCE));
  const months = await computeDataMonths(ctx.db, ctx.config, lastFullMonth(ctx.clock.now()), ctx.clock.now());
  const names = new Set<string>([...ctx.config.features.map((f) => f.name), ...months.keys()]);
  return {
    database: ctx.dbWhere,
    sources,
    focus,
    features: [...names].sort().map((feature) => ({ feature, completeMonths: months.get(feature) ?? 0 })),
    minMonthsForRecommendation: ctx.config.report.min_months_for_recommendation,
  };
}

/** FOCUS imports per billing account (one file may hold several, several files one), from the stored rows. */
async function focusStatus(ctx: Ctx, state: Array<{ account: string; last_success_at: Date | string | null }>): Promise<StatusReport['focus']> {
  const { rows } = await sql<{ account: string; providers: string[]; first_day: string; last_day: string; months: number; rows: number }>`
    select account, array_agg(distinct provider_name order by provider_name) as providers,
           min(charge_period_start at time zone 'UTC')::date::text as first_day,
           (max(charge_period_end at time zone 'UTC') - interval '1 second')::date::text as last_day,
           count(distinct date_trunc('month', charge_period_start at time zone 'UTC'))::int as months, count(*)::int as rows
      from cost_line_items where source = ${FOCUS_SOURCE} group by account order by account`.execute(ctx.db);
  const runs = await ctx.db
    .selectFrom('ingestion_runs')
    .select(['status', 'error', 'started_at', 'file', 'rows_written', 'window_start', 'window_end'])
    .where('source', '=', FOCUS_SOURCE)
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  const latest = runs[0];
  return {
    accounts: rows.map((r) => ({
      account: r.account,
      providers: r.providers,
      firstDay: r.first_day,
      lastDay: r.last_day,
      months: r.months,
      rows: r.rows,
      lastImport: iso(state.find((s) => s.account === r.account)?.last_success_at ?? null),
    })),
    files: focusFiles(runs),
    imports: runs.filter((r) => r.status === 'succeeded').length,
    // Only while it is the latest import: a later good one of the same file supersedes it.
    lastFailure: latest && latest.status === 'failed' ? { at: iso(latest.started_at)!, error: latest.error ?? 'failed' } : null,
  };
}

/** Runs newest first → one entry per file (runs from before files were recorded are left out). */
function focusFiles(runs: Array<{ status: string; error: string | null; started_at: Date | string; file: string | null; rows_written: number; window_start: Date | string; window_end: Date | string }>): FocusFileStatus[] {
  const byFile = new Map<string, typeof runs>();
  for (const r of runs) if (r.file) byFile.set(r.file, [...(byFile.get(r.file) ?? []), r]);
  const day = (d: Date | string) => new Date(d).toISOString().slice(0, 10);
  return [...byFile].map(([file, rs]) => {
    const latest = rs[0]!;
    const ok = rs.find((r) => r.status === 'succeeded');
    return {
      file,
      status: latest.status === 'succeeded' ? 'succeeded' : 'failed',
      at: iso(latest.started_at)!,
      rows: ok ? Number(ok.rows_written) : null,
      firstDay: ok ? day(ok.window_start) : null,
      // window_end is the end of the last charge period (exclusive).
      lastDay: ok ? day(new Date(new Date(ok.window_end).getTime() - 1000)) : null,
      imports: rs.length,
      error: latest.status === 'succeeded' ? null : latest.error,
    };
  });
}
