import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/types.ts';
import { UNATTRIBUTED } from '../attribution/apply.ts';

/** All aggregation over the facts happens here, in SQL; JS only sees per-feature / per-line results. */

export interface Period {
  start: Date;
  end: Date;
}


export interface ApiUsageRow {
  feature: string;
  provider: string;
  model: string | null;
  batch: boolean;
  requests: string;
  uncached_input_tokens: string;
  cache_read_tokens: string;
  cache_write_tokens: string;
  cache_write_1h_tokens: string;
  output_tokens: string;
}

/** API usage per feature × provider × model × batch for the period. */
export async function apiUsage(db: Kysely<Database>, p: Period): Promise<ApiUsageRow[]> {
  const r = await sql<ApiUsageRow>`
    select coalesce(feature, ${UNATTRIBUTED}) as feature, provider, model, coalesce(batch, false) as batch,
           sum(requests)::bigint as requests,
           sum(uncached_input_tokens)::bigint as uncached_input_tokens,
           sum(cache_read_tokens)::bigint as cache_read_tokens,
           sum(cache_write_tokens)::bigint as cache_write_tokens,
           sum(cache_write_1h_tokens)::bigint as cache_write_1h_tokens,
           sum(output_tokens)::bigint as output_tokens
      from usage_facts
     where bucket_start >= ${p.start} and bucket_start < ${p.end}
     group by 1, 2, 3, 4
     order by 1, 2, 3, 4`.execute(db);
  return r.rows;
}

export interface ServingRow {
  feature: string;
  deployment: string;
  model: string;
  requests: string;
  prompt_tokens: string;
  generation_tokens: string;
  prefix_cache_hits: string;
}

export async function servingUsage(db: Kysely<Database>, p: Period): Promise<ServingRow[]> {
  const r = await sql<ServingRow>`
    select coalesce(feature, ${UNATTRIBUTED}) as feature, deployment, model,
           sum(requests)::bigint as requests,
           sum(prompt_tokens)::bigint as prompt_tokens,
           sum(generation_tokens)::bigint as generation_tokens,
           coalesce(sum(least(coalesce(prefix_cache_hits, 0), prompt_tokens)), 0)::bigint as prefix_cache_hits
      from serving_metrics
     where hour >= ${p.start} and hour < ${p.end}
     group by 1, 2, 3
     order by 1, 2, 3`.execute(db);
  return r.rows;
}

/** Tokens per hour of the period per feature (API usage and self-hosted serving alike). */
export async function hourlyTokens(db: Kysely<Database>, p: Period): Promise<Map<string, Map<number, number>>> {
  const r = await sql<{ feature: string; hour: Date; tokens: string }>`
    select feature, hour, round(sum(tokens))::bigint as tokens from (
      -- Buckets longer than an hour (Bedrock's daily usage from Cost Explorer) are spread evenly over
      -- their hours so every token is in the load curve. Hours are cut in UTC whatever the session's zone.
      select coalesce(feature, ${UNATTRIBUTED}) as feature, h as hour,
             (uncached_input_tokens + cache_read_tokens + cache_write_tokens + output_tokens)::double precision
               / greatest(1, ceil(extract(epoch from bucket_end - bucket_start) / 3600)) as tokens
        from usage_facts,
             generate_series(date_trunc('hour', bucket_start, 'UTC'), bucket_end - interval '1 second', interval '1 hour') as h
       where bucket_start >= ${p.start} and bucket_start < ${p.end}
      union all
      select coalesce(feature, ${UNATTRIBUTED}), hour, prompt_tokens + generation_tokens
        from serving_metrics where hour >= ${p.start} and hour < ${p.end}
    ) t group by 1, 2`.execute(db);
  const out = new Map<string, Map<number, number>>();
  for (const row of r.rows) {
    const m = out.get(row.feature) ?? new Map<number, number>();
    m.set(new Date(row.hour).getTime(), Number(row.tokens));
    out.set(row.feature, m);
  }
  return out;
}

export interface CostLine {
  id: string;
  source: string;
  day: string;
  feature: string | null;
  deployment: string | null;
  currency: string;
  cost: string;
  estimated: boolean;
  service_name: string | null;
}

/**
 * Cost lines of the period (money of record: effective cost — amortized where the source has it).
 * Summed per source × day × feature × deployment × currency × token class in SQL.
 */
export async function costLines(db: Kysely<Database>, p: Period): Promise<CostLine[]> {
  const r = await sql<CostLine>`
    select min(id)::text as id,
           -- Bedrock lines on the AWS bill are reconciled against the aws-bedrock usage facts.
           case when source = 'aws' and x_token_type is not null then 'aws-bedrock' else source end as source,
           (charge_period_start at time zone 'UTC')::date::text as day, feature, deployment,
           billing_currency as currency, sum(effective_cost)::text as cost, bool_or(estimated) as estimated,
           min(service_name) as service_name
      from cost_line_items
     where charge_period_start >= ${p.start} and charge_period_start < ${p.end}
     group by 2, 3, feature, deployment, billing_currency
     order by 2, 3, feature nulls last, deployment nulls last, billing_currency`.execute(db);
  return r.rows;
}

export interface AllocatableLine {
  id: string;
  source: string;
  day: string;
  currency: string;
  cost: string;
  feature: string | null;
  /** feature → weight (tokens of the line's token class in matching usage); empty when no usage matches. */
  weights: Array<{ feature: string; weight: string }>;
}

/**
 * API cost lines whose grouping is coarser than the feature rules (Anthropic: workspace × model ×
 * token type per day; OpenAI: project × line item per day), with the usage that explains each line:
 * same provider, same day, same workspace/project and model where the line names them; weighted by
 * the tokens of the line's token class (within one line model and class are fixed, so tokens are
 * proportional to usage priced at list price).
 */
export async function apiCostLinesWithWeights(db: Kysely<Database>, p: Period): Promise<AllocatableLine[]> {
  const r = await sql<{ id: string; source: string; day: string; currency: string; cost: string; feature: string | null; weights: Array<{ feature: string; weight: string }> | null }>`
    with lines as (
      select id, source, charge_period_start, charge_period_end, billing_currency, effective_cost, feature,
             x_project_id, x_workspace_id, x_model,
             case
               when x_token_type in ('uncached_input_tokens', 'input', 'input_uncached') then 'uncached'
               when x_token_type in ('cache_read_input_tokens', 'cached input', 'input_cached', 'cached_input') then 'read'
               when x_token_type like '%ephemeral_1h%' then 'write_1h'
               when x_token_type like '%ephemeral_5m%' then 'write_5m'
               when x_token_type like 'cache_creation%' or x_token_type in ('cache write', 'input_cache_write', 'cache_write', 'cache_write_input') then 'write'
               when x_token_type in ('output_tokens', 'output') then 'output'
               else 'all'
             end as klass,
             -- The tier a line bills (Anthropic: service_tier; OpenAI: a ", batch" line item), so
             -- standard and batch usage of one model are not weighted as if they cost the same.
             coalesce(extra->>'service_tier', case when x_line_item ilike '%, batch%' then 'batch' end) as tier
        from cost_line_items
       where source in ('openai', 'anthropic')
         and charge_period_start >= ${p.start} and charge_period_start < ${p.end}
    ),
    -- Usage is summed per day and dimension first (a million hourly rows become a few thousand),
    -- then joined to the daily invoice lines.
    u as (
      select provider, date_trunc('day', bucket_start at time zone 'UTC') as day, project_id, workspace_id, model,
             coalesce(feature, ${UNATTRIBUTED}) as feature, service_tier, coalesce(batch, false) as batch,
             sum(uncached_input_tokens) as uncached, sum(cache_read_tokens) as cache_read,
             sum(cache_write_tokens) as cache_write, sum(cache_write_1h_tokens) as cache_write_1h,
             sum(output_tokens) as output
        from usage_facts
       where provider in ('openai', 'anthropic')
         and bucket_start >= ${p.start} and bucket_start < ${p.end}
       group by 1, 2, 3, 4, 5, 6, 7, 8
    ),
    wt as (
      select l.id, u.feature,
             case l.klass
               when 'uncached' then u.uncached
               when 'read' then u.cache_read
               when 'write' then u.cache_write
               when 'write_1h' then u.cache_write_1h
               when 'write_5m' then u.cache_write - u.cache_write_1h
               when 'output' then u.output
               else u.uncached + u.cache_read + u.cache_write + u.output
             end as weight,
             l.tier is not null and (u.service_tier = l.tier or (l.tier = 'batch' and u.batch)) as tier_match
        from lines l
        join u
          on u.provider = l.source
         and u.day >= date_trunc('day', l.charge_period_start at time zone 'UTC')
         and u.day < (l.charge_period_end at time zone 'UTC')
         and (l.x_project_id is null or u.project_id = l.x_project_id)
         and (l.source <> 'anthropic' or u.workspace_id is not distinct from l.x_workspace_id)
         and (l.x_model is null or u.model = l.x_model)
    ),
    -- Usage of the line's own tier when there is any; otherwise (no tier on the line, or spellings
    -- that differ) all usage of the line's dimensions.
    w as (
      select id, feature, sum(weight) filter (where tier_match or not has_tier) as weight
        from (select *, bool_or(tier_match and weight > 0) over (partition by id) as has_tier from wt) t
       group by id, feature
    )
    select l.id::text as id, l.source, (l.charge_period_start at time zone 'UTC')::date::text as day,
           l.billing_currency as currency, l.effective_cost::text as cost, l.feature,
           json_agg(json_build_object('feature', w.feature, 'weight', w.weight::text) order by w.feature)
             filter (where w.weight > 0) as weights
      from lines l
      left join w on w.id = l.id
     group by l.id, l.source, l.charge_period_start, l.billing_currency, l.effective_cost, l.feature
     order by l.id`.execute(db);
  return r.rows.map((row) => ({ ...row, weights: row.weights ?? [] }));
}

export interface DeploymentPeriodCost {
  deployment: string;
  source: string;
  start: Date;
  end: Date;
  currency: string;
  cost: string;
  estimated: boolean;
}

/**
 * GPU capacity cost per deployment and charge period (cloud billing lines mapped to a deployment):
 * a daily Cost Explorer line, an hourly FOCUS line or a monthly reservation charge each keep their
 * own period, over whose hours the cost is then spread.
 */
export async function deploymentPeriodCosts(db: Kysely<Database>, p: Period): Promise<DeploymentPeriodCost[]> {
  const r = await sql<DeploymentPeriodCost>`
    select deployment, source, charge_period_start as start, charge_period_end as "end", billing_currency as currency,
           sum(effective_cost)::text as cost, bool_or(estimated) as estimated
      from cost_line_items
     where deployment is not null and charge_period_start >= ${p.start} and charge_period_start < ${p.end}
     group by 1, 2, 3, 4, 5 order by 1, 2, 3, 4, 5`.execute(db);
  return r.rows;
}

/** Tokens served per deployment × hour × feature. */
export async function deploymentHourlyTokens(db: Kysely<Database>, p: Period): Promise<Array<{ deployment: string; hour: Date; feature: string; tokens: string }>> {
  const r = await sql<{ deployment: string; hour: Date; feature: string; tokens: string }>`
    select deployment, hour, coalesce(feature, ${UNATTRIBUTED}) as feature, sum(prompt_tokens + generation_tokens)::bigint as tokens
      from serving_metrics where hour >= ${p.start} and hour < ${p.end}
     group by 1, 2, 3 order by 1, 2, 3`.execute(db);
  return r.rows;
}

export interface DeploymentMetricsRow {
  deployment: string;
  requests: string;
  tokens: string;
  hours_with_data: number;
  kv_avg: number | null;
  kv_p95: number | null;
  prefix_hits: string | null;
  prefix_queries: string | null;
  running_avg: number | null;
  waiting_avg: number | null;
  gpu_util: number | null;
  gpu_count: number | null;
}

/** FinOps metrics per deployment (COST-MODEL.md §8), aggregated in SQL. */
export async function deploymentMetrics(db: Kysely<Database>, p: Period): Promise<DeploymentMetricsRow[]> {
  const r = await sql<DeploymentMetricsRow>`
    with s as (
      select deployment, sum(requests)::bigint as requests, sum(prompt_tokens + generation_tokens)::bigint as tokens,
             count(distinct hour)::int as hours_with_data,
             avg(kv_cache_usage_avg) as kv_avg, max(kv_cache_usage_p95) as kv_p95,
             sum(prefix_cache_hits)::bigint as prefix_hits, sum(prefix_cache_queries)::bigint as prefix_queries,
             avg(requests_running_avg) as running_avg, avg(requests_waiting_avg) as waiting_avg
        from serving_metrics where hour >= ${p.start} and hour < ${p.end} group by deployment
    ), g as (
      select deployment, avg(gpu_util_avg) as gpu_util, count(distinct hostname || '/' || gpu)::int as gpu_count
        from gpu_metrics where hour >= ${p.start} and hour < ${p.end} and deployment is not null group by deployment
    )
    select coalesce(s.deployment, g.deployment) as deployment, coalesce(s.requests, 0)::text as requests,
           coalesce(s.tokens, 0)::text as tokens, coalesce(s.hours_with_data, 0) as hours_with_data,
           s.kv_avg, s.kv_p95, s.prefix_hits::text, s.prefix_queries::text, s.running_avg, s.waiting_avg,
           g.gpu_util, g.gpu_count
      from s full join g on g.deployment = s.deployment
     order by 1`.execute(db);
  return r.rows;
}

/** Distinct days with facts per feature per month, for the data-sufficiency rule. */
export async function featureDaysByMonth(db: Kysely<Database>, until: Date): Promise<Array<{ feature: string; month: string; days: number }>> {
  const r = await sql<{ feature: string; month: string; days: number }>`
    select feature, to_char(day, 'YYYY-MM') as month, count(distinct day)::int as days from (
      select coalesce(feature, ${UNATTRIBUTED}) as feature, (bucket_start at time zone 'UTC')::date as day
        from usage_facts where bucket_start < ${until} and (requests > 0 or output_tokens > 0)
      union
      select coalesce(feature, ${UNATTRIBUTED}), (hour at time zone 'UTC')::date
        from serving_metrics where hour < ${until} and (prompt_tokens + generation_tokens) > 0
      union
      select coalesce(feature, ${UNATTRIBUTED}), (charge_period_start at time zone 'UTC')::date
        from cost_line_items where charge_period_start < ${until}
    ) t group by 1, 2`.execute(db);
  return r.rows;
}
