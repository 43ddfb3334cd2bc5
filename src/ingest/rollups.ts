import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/types.ts';
import { UNATTRIBUTED } from '../attribution/apply.ts';

const DAY_MS = 86_400_000;

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
  await sql`insert into usage_rollup_daily (day, dim_id, uncached_input_tokens, cache_read_tokens, cache_write_tokens, cache_write_1h_tokens, output_tokens, requests)
            select (f.bucket_start at time zone 'UTC')::date, f.dim_id, sum(f.uncached_input_tokens), sum(f.cache_read_tokens),
                   sum(f.cache_write_tokens), sum(f.cache_write_1h_tokens), sum(f.output_tokens), sum(f.requests)
              from usage_facts f join usage_dims d on d.dim_id = f.dim_id
             where d.provider = any(${providers}::text[]) and f.bucket_start >= ${start} and f.bucket_start < ${end}
             group by 1, 2`.execute(db);
  await rebuildLoad(db, providers, start, end);
  await markActivityStale(db, [start, new Date(end.getTime() - 1)]);
}

/** Rebuilds the hourly load curve of `providers` over [start, end) from the facts and the dimensions' features. */
export async function rebuildLoad(db: Kysely<Database>, providers: string[] | null, start: Date, end: Date): Promise<void> {
  const which = providers ? sql`d.provider = any(${providers}::text[])` : sql`true`;
  const whichLoad = providers ? sql`provider = any(${providers}::text[])` : sql`true`;
  await sql`delete from usage_load_hourly where ${whichLoad} and hour >= ${start} and hour < ${end}`.execute(db);
  await sql`insert into usage_load_hourly (hour, provider, feature, tokens)
            select hour, provider, feature, sum(tokens) from (
              select date_trunc('hour', f.bucket_start, 'UTC') as hour, d.provider, coalesce(d.feature, ${UNATTRIBUTED}) as feature,
                     (f.uncached_input_tokens + f.cache_read_tokens + f.cache_write_tokens + f.output_tokens)::double precision as tokens
                from usage_facts f join usage_dims d on d.dim_id = f.dim_id
               where ${which} and f.bucket_start >= ${start} and f.bucket_start < ${end}
                 and f.bucket_end - f.bucket_start <= interval '1 hour'
              union all
              select h, d.provider, coalesce(d.feature, ${UNATTRIBUTED}),
                     (f.uncached_input_tokens + f.cache_read_tokens + f.cache_write_tokens + f.output_tokens)::double precision
                       / ceil(extract(epoch from f.bucket_end - f.bucket_start) / 3600)
                from usage_facts f join usage_dims d on d.dim_id = f.dim_id,
                     generate_series(date_trunc('hour', f.bucket_start, 'UTC'), f.bucket_end - interval '1 second', interval '1 hour') as h
               where ${which} and f.bucket_start < ${end} and f.bucket_end > ${start}
                 and f.bucket_end - f.bucket_start > interval '1 hour'
            ) t
            where hour >= ${start} and hour < ${end}
            group by 1, 2, 3`.execute(db);
}
