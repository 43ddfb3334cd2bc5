import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../db/types.ts';
import { UNATTRIBUTED } from '../attribution/apply.ts';

const DAY_MS = 86_400_000;

/**
 * The longest usage bucket ingest accepts (every source reports hourly or daily buckets): a bucket
 * overlapping a window therefore starts at most this long before it, which bounds the index range the
 * hourly load curve reads instead of scanning all earlier history.
 */
export const MAX_USAGE_BUCKET_MS = 31 * DAY_MS;

const dayFloor = (t: number) => new Date(Math.floor(t / DAY_MS) * DAY_MS);
const dayCeil = (t: number) => new Date(Math.ceil(t / DAY_MS) * DAY_MS);

/** First days of the months a set of instants fall in, as 'YYYY-MM-01'. */
function monthsOf(instants: Iterable<Date | string>): string[] {
  const out = new Set<string>();
  for (const i of instants) out.add(`${new Date(i).toISOString().slice(0, 7)}-01`);
  return [...out];
}

/** New or changed facts in these months: their activity summary must be rebuilt by the next compute. */
export async function markActivityStale(db: Kysely<Database>, instants: Iterable<Date | string>): Promise<void> {
  const months = monthsOf(instants);
  if (months.length === 0) return;
  await sql`insert into rollup_state (month, activity_stale)
            select m::date, true from unnest(${months}::text[]) m
            on conflict (month) do update set activity_stale = true where not rollup_state.activity_stale`.execute(db);
}

/**
 * Rebuilds the usage rollups of `providers` for the whole UTC days covering [from, to) from the facts,
 * in the caller's transaction: the daily rollup per usage dimension and the hourly load curve per
 * provider and feature (buckets longer than an hour, such as Bedrock's daily usage, are spread evenly
 * over their hours so every token is in the curve). Rebuilding whole days from the facts keeps the
 * rollups exact whatever the batch replaced or removed.
 */
export async function maintainUsageRollups(db: Kysely<Database>, providers: string[], from: Date, to: Date): Promise<void> {
  if (providers.length === 0) return;
  const start = dayFloor(from.getTime());
  const end = dayCeil(to.getTime());
  await sql`delete from usage_rollup_daily r using usage_dims d
             where r.dim_id = d.dim_id and d.provider = any(${providers}::text[])
               and r.day >= ${start}::date and r.day < ${end}::date`.execute(db);
  await sql`delete from usage_load_hourly where provider = any(${providers}::text[]) and hour >= ${start} and hour < ${end}`.execute(db);
  // One read of the facts feeds both rollups (a writable CTE): the daily rollup takes the buckets that
  // start in the days, the load curve every bucket that overlaps them.
  await sql`with f as materialized (
              select f.dim_id, f.bucket_start, f.bucket_end, d.provider, coalesce(d.feature, ${UNATTRIBUTED}) as feature,
                     f.uncached_input_tokens, f.cache_read_tokens, f.cache_write_tokens, f.cache_write_1h_tokens, f.output_tokens, f.requests
                from usage_facts f join usage_dims d on d.dim_id = f.dim_id
               where d.provider = any(${providers}::text[])
                 and f.bucket_start < ${end} and f.bucket_end > ${start} and f.bucket_start > ${new Date(start.getTime() - MAX_USAGE_BUCKET_MS)}
            ), daily as (
              insert into usage_rollup_daily (day, dim_id, uncached_input_tokens, cache_read_tokens, cache_write_tokens, cache_write_1h_tokens, output_tokens, requests)
              select (bucket_start at time zone 'UTC')::date, dim_id, sum(uncached_input_tokens), sum(cache_read_tokens),
                     sum(cache_write_tokens), sum(cache_write_1h_tokens), sum(output_tokens), sum(requests)
                from f where bucket_start >= ${start}
               group by 1, 2
            )
            insert into usage_load_hourly (hour, provider, feature, tokens)
            ${loadSelect(sql`f`, start, end)}`.execute(db);
  // Every month the days touch, not only the first and last (a window can span three or more).
  const months: Date[] = [];
  for (let m = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), 1)); m < end; m = new Date(Date.UTC(m.getUTCFullYear(), m.getUTCMonth() + 1, 1))) months.push(m);
  await markActivityStale(db, months);
}

/** Rebuilds the hourly load curve of `providers` over [start, end) from the facts and the dimensions' features. */
export async function rebuildLoad(db: Kysely<Database>, providers: string[] | null, start: Date, end: Date): Promise<void> {
  const which = providers ? sql`d.provider = any(${providers}::text[])` : sql`true`;
  const whichLoad = providers ? sql`provider = any(${providers}::text[])` : sql`true`;
  await sql`delete from usage_load_hourly where ${whichLoad} and hour >= ${start} and hour < ${end}`.execute(db);
  await sql`with f as (
              select f.bucket_start, f.bucket_end, d.provider, coalesce(d.feature, ${UNATTRIBUTED}) as feature,
                     f.uncached_input_tokens, f.cache_read_tokens, f.cache_write_tokens, f.output_tokens
                from usage_facts f join usage_dims d on d.dim_id = f.dim_id
               where ${which} and f.bucket_start < ${end} and f.bucket_end > ${start} and f.bucket_start > ${new Date(start.getTime() - MAX_USAGE_BUCKET_MS)}
            )
            insert into usage_load_hourly (hour, provider, feature, tokens)
            ${loadSelect(sql`f`, start, end)}`.execute(db);
}

/**
 * The UTC hour a bucket starts in, as date_bin('1 hour', t, origin): plain arithmetic, where
 * date_trunc('hour', t, 'UTC') converts time zones per row (it was most of the curve's cost).
 */
const HOUR_ORIGIN = sql`timestamptz '2000-01-01 00:00:00+00'`;

/**
 * The hourly load curve over [start, end) of a row set `f` (bucket_start, bucket_end, provider,
 * feature and token columns): hourly buckets land in their hour; longer buckets, such as Bedrock's
 * daily usage, are spread evenly over their hours so every token is in the curve.
 */
function loadSelect(f: RawBuilder<unknown>, start: Date, end: Date): RawBuilder<unknown> {
  return sql`select hour, provider, feature, sum(tokens) from (
               select date_bin('1 hour', bucket_start, ${HOUR_ORIGIN}) as hour, provider, feature,
                      (uncached_input_tokens + cache_read_tokens + cache_write_tokens + output_tokens)::double precision as tokens
                 from ${f} where bucket_end - bucket_start <= interval '1 hour'
               union all
               select h, provider, feature,
                      (uncached_input_tokens + cache_read_tokens + cache_write_tokens + output_tokens)::double precision
                        / ceil(extract(epoch from bucket_end - bucket_start) / 3600)
                 from ${f}, generate_series(date_bin('1 hour', bucket_start, ${HOUR_ORIGIN}), bucket_end - interval '1 second', interval '1 hour') as h
                where bucket_end - bucket_start > interval '1 hour'
             ) t
             where hour >= ${start} and hour < ${end}
             group by 1, 2, 3`;
}
