import { sql, type Kysely } from 'kysely';
import type { Config } from '../config/schema.ts';
import type { Database } from '../db/types.ts';
import { featureCase, UNATTRIBUTED } from '../attribution/apply.ts';
import { latencyHoursOf, type DeploymentLatencyHour, type ServedHour } from '../db/repositories/serving-latency.ts';
import { API_INVOICE_SOURCES, OVERLAP, WORKSPACE_SCOPED_SOURCES, lineTierSql, tokenClassSql } from '../sources/invoice-lines.ts';

/**
 * The one compute pass's reads: the month's usage rollups (per day × dimension, a few thousand rows
 * whatever the number of facts), the hourly load rollup, the serving metrics grouped per hour ×
 * deployment × feature, and the month's cost lines with their feature evaluated inline.
 */

export interface Period {
  start: Date;
  end: Date;
}

export interface UsageDayRow {
  feature: string;
  provider: string;
  model: string | null;
  batch: boolean;
  day: string;
  requests: string;
  uncached: string;
  cache_read: string;
  cache_write: string;
  cache_write_1h: string;
  output: string;
}

/** API usage per feature × provider × model × batch × day (from the daily rollup). */
export async function usageByDay(db: Kysely<Database>, p: Period): Promise<UsageDayRow[]> {
  const r = await sql<UsageDayRow>`
    select coalesce(d.feature, ${UNATTRIBUTED}) as feature, d.provider, d.model, coalesce(d.batch, false) as batch, r.day::text as day,
           sum(r.requests)::bigint as requests, sum(r.uncached_input_tokens)::bigint as uncached,
           sum(r.cache_read_tokens)::bigint as cache_read, sum(r.cache_write_tokens)::bigint as cache_write,
           sum(r.cache_write_1h_tokens)::bigint as cache_write_1h, sum(r.output_tokens)::bigint as output
      from usage_rollup_daily r join usage_dims d on d.dim_id = r.dim_id
     where r.day >= ${p.start}::date and r.day < ${p.end}::date
     group by 1, 2, 3, 4, 5 order by 1, 2, 3, 4, 5`.execute(db);
  return r.rows;
}

export interface CostLine {
  id: string;
  source: string;
  day: string;
  start: Date;
  end: Date;
  currency: string;
  billed: string;
  effective: string;
  /** List-price amount where the source reports one (Anthropic analytics, FOCUS ListCost). */
  list: string | null;
  estimated: boolean;
  deployment: string | null;
  /** Rule-derived feature of the line itself (null = no rule claims it). */
  feature: string | null;
  api_invoice: boolean;
  /** Token class billed ('all' = none named: a credit, refund or tool charge). */
  klass: string;
  bedrock: boolean;
  /** Set when the line is the second copy of a bill (COST-MODEL §10 "one bill once") and not counted. */
  overlap: boolean;
  /**
   * The node pool the line bills (its `sources.opencost.bill_tag` tag) when OpenCost is enabled and
   * the line names no deployment: split over deployments by OpenCost GPU-hours. Null otherwise.
   */
  pool: string | null;
}

/** The month's cost lines, attributed inline, with the CE/FOCUS overlap marked per config. */
export async function costLines(db: Kysely<Database>, config: Config, p: Period): Promise<CostLine[]> {
  const feature = featureCase(config, 'cost_line_items');
  // skip: a FOCUS export line is not counted where Cost Explorer already has that day; replace: the reverse.
  const [counted, dropped] = config.sources.focus.overlap === 'replace' ? ['export', 'primary'] : ['primary', 'export'];
  const isExport = sql`(source = ${OVERLAP.export} and lower(provider_name) in (${sql.join([...OVERLAP.exportProvider])}))`;
  const isPrimary = sql`source = ${OVERLAP.primary}`;
  const side = (which: string) => (which === 'export' ? isExport : isPrimary);
  const oc = config.sources.opencost;
  const pool = oc.enabled ? sql`case when deployment is null then nullif(tags->>${oc.bill_tag}, '') end` : sql`null::text`;
  const r = await sql<CostLine>`
    with m as (
      select *, (charge_period_start at time zone 'UTC')::date as d from cost_line_items
       where charge_period_start >= ${p.start} and charge_period_start < ${p.end}
    ), covered as (
      select distinct d from m where ${side(counted)}
    )
    select id::text as id, source, d::text as day, charge_period_start as start, charge_period_end as "end",
           billing_currency as currency, billed_cost::text as billed, effective_cost::text as effective, list_cost::text as list, estimated, deployment,
           ${feature} as feature,
           source in (${sql.join([...API_INVOICE_SOURCES])}) as api_invoice,
           ${tokenClassSql()} as klass,
           (source = ${OVERLAP.primary} and x_token_type is not null) as bedrock,
           (${side(dropped)} and d in (select d from covered)) as overlap,
           ${pool} as pool
      from m order by id`.execute(db);
  return r.rows;
}

export interface LineUsage {
  line_id: string;
  feature: string;
  provider: string;
  model: string | null;
  batch: boolean;
  tier_match: boolean;
  uncached: string;
  cache_read: string;
  cache_write: string;
  cache_write_1h: string;
  output: string;
}

/**
 * The usage that explains each API invoice line: same provider and day, same project (and workspace
 * where the vendor scopes lines to one), same model where the line names one. A day-equality join
 * over the daily rollup (invoice lines from these endpoints are daily).
 */
export async function apiLineUsage(db: Kysely<Database>, p: Period): Promise<LineUsage[]> {
  const r = await sql<LineUsage>`
    with lines as (
      select id, source, (charge_period_start at time zone 'UTC')::date as day, x_project_id, x_api_key_id, x_workspace_id, x_model, ${lineTierSql()} as tier
        from cost_line_items
       -- A remainder line (what a top-N grouped answer left out) is explained by no usage: it stays unattributed.
       where extra->>'remainder' is null and source in (${sql.join([...API_INVOICE_SOURCES])}) and charge_period_start >= ${p.start} and charge_period_start < ${p.end}
    ), uk as (
      -- Usage per day × every line dimension, the API key too, for the keys lines name; lines that
      -- name no key join the coarser grouping u, so each line meets only the few groups of its day.
      select r.day, d.provider, d.project_id, d.api_key_id, d.workspace_id, d.model, coalesce(d.feature, ${UNATTRIBUTED}) as feature,
             d.service_tier, coalesce(d.batch, false) as batch,
             sum(r.uncached_input_tokens) as uncached, sum(r.cache_read_tokens) as cache_read, sum(r.cache_write_tokens) as cache_write,
             sum(r.cache_write_1h_tokens) as cache_write_1h, sum(r.output_tokens) as output
        from usage_rollup_daily r join usage_dims d on d.dim_id = r.dim_id
       where r.day >= ${p.start}::date and r.day < ${p.end}::date and d.provider in (${sql.join([...API_INVOICE_SOURCES])})
         and d.api_key_id in (select x_api_key_id from lines where x_api_key_id is not null)
       group by 1, 2, 3, 4, 5, 6, 7, 8, 9
    ), u as (
      select r.day, d.provider, d.project_id, null::text as api_key_id, d.workspace_id, d.model, coalesce(d.feature, ${UNATTRIBUTED}) as feature,
             d.service_tier, coalesce(d.batch, false) as batch,
             sum(r.uncached_input_tokens) as uncached, sum(r.cache_read_tokens) as cache_read, sum(r.cache_write_tokens) as cache_write,
             sum(r.cache_write_1h_tokens) as cache_write_1h, sum(r.output_tokens) as output
        from usage_rollup_daily r join usage_dims d on d.dim_id = r.dim_id
       where r.day >= ${p.start}::date and r.day < ${p.end}::date and d.provider in (${sql.join([...API_INVOICE_SOURCES])})
       group by 1, 2, 3, 5, 6, 7, 8, 9
    ), matched as (
      select l.*, u.provider, u.project_id, u.api_key_id, u.workspace_id, u.model, u.feature, u.service_tier, u.batch, u.uncached, u.cache_read, u.cache_write, u.cache_write_1h, u.output
        from lines l join u on u.provider = l.source and u.day = l.day where l.x_api_key_id is null
      union all
      select l.*, uk.provider, uk.project_id, uk.api_key_id, uk.workspace_id, uk.model, uk.feature, uk.service_tier, uk.batch, uk.uncached, uk.cache_read, uk.cache_write, uk.cache_write_1h, uk.output
        from lines l join uk on uk.provider = l.source and uk.day = l.day and uk.api_key_id = l.x_api_key_id where l.x_api_key_id is not null
    )
    select m.id::text as line_id, m.feature, m.provider, m.model, m.batch,
           (m.tier is not null and (m.service_tier = m.tier or (m.tier = 'batch' and m.batch))) as tier_match,
           sum(m.uncached)::text as uncached, sum(m.cache_read)::text as cache_read, sum(m.cache_write)::text as cache_write,
           sum(m.cache_write_1h)::text as cache_write_1h, sum(m.output)::text as output
      from matched m
     where (m.x_project_id is null or m.project_id = m.x_project_id)
       and (m.source not in (${sql.join([...WORKSPACE_SCOPED_SOURCES])}) or m.workspace_id is not distinct from m.x_workspace_id)
       and (m.x_model is null or m.model = m.x_model)
     group by 1, 2, 3, 4, 5, 6
     order by 1, 2, 3, 4, 5, 6`.execute(db);
  return r.rows;
}

/** Tokens per hour × feature of API usage (the load rollup), summed over providers. */
export async function apiLoad(db: Kysely<Database>, p: Period): Promise<Array<{ hour: Date; feature: string; tokens: number }>> {
  const r = await sql<{ hour: Date; feature: string; tokens: number }>`
    select hour, feature, sum(tokens) as tokens from usage_load_hourly
     where hour >= ${p.start} and hour < ${p.end} group by 1, 2 order by 1, 2`.execute(db);
  return r.rows;
}

export interface ServingHourRow {
  hour: Date;
  deployment: string;
  feature: string;
  tokens: string;
  requests: string;
  prompt_tokens: string;
  generation_tokens: string;
  prefix_hits: string;
  prefix_queries: string | null;
  running: number | null;
  waiting: number | null;
  kv_avg: number | null;
  kv_p95: number | null;
}

/** Serving metrics per hour × deployment × feature (batch depth and queueing summed over models). */
export async function servingByHour(db: Kysely<Database>, p: Period): Promise<ServingHourRow[]> {
  const r = await sql<ServingHourRow>`
    select s.hour, s.deployment, coalesce(sd.feature, ${UNATTRIBUTED}) as feature,
           sum(s.prompt_tokens + s.generation_tokens)::bigint as tokens, sum(s.requests)::bigint as requests,
           sum(s.prompt_tokens)::bigint as prompt_tokens, sum(s.generation_tokens)::bigint as generation_tokens,
           coalesce(sum(least(coalesce(s.prefix_cache_hits, 0), s.prompt_tokens)), 0)::bigint as prefix_hits,
           sum(s.prefix_cache_queries)::bigint as prefix_queries,
           sum(s.requests_running_avg) as running, sum(s.requests_waiting_avg) as waiting,
           avg(s.kv_cache_usage_avg) as kv_avg, max(s.kv_cache_usage_p95) as kv_p95
      from serving_metrics s left join serving_dims sd on sd.deployment = s.deployment and sd.model = s.model
     where s.hour >= ${p.start} and s.hour < ${p.end}
     group by 1, 2, 3 order by 1, 2, 3`.execute(db);
  return r.rows;
}

/** DCGM utilization and GPU count per deployment. */
export async function gpuByDeployment(db: Kysely<Database>, p: Period): Promise<Map<string, { util: number | null; gpus: number }>> {
  const r = await sql<{ deployment: string; util: number | null; gpus: number }>`
    select deployment, avg(gpu_util_avg) as util, count(distinct hostname || '/' || gpu)::int as gpus
      from gpu_metrics where hour >= ${p.start} and hour < ${p.end} and deployment is not null group by 1`.execute(db);
  return new Map(r.rows.map((x) => [x.deployment, { util: x.util, gpus: x.gpus }]));
}

/**
 * COST-MODEL §11: every hour of the month of each configured deployment, with its tokens, requests
 * and p95s — tokens and requests from the month's serving rows compute already read, the latency
 * from one read of serving_latency_hourly.
 */
export async function latencyByDeployment(db: Kysely<Database>, config: Config, p: Period, serving: readonly ServingHourRow[]): Promise<Map<string, DeploymentLatencyHour[]>> {
  const served = new Map<string, Map<number, ServedHour>>();
  for (const r of serving) {
    const byHour = served.get(r.deployment) ?? new Map<number, ServedHour>();
    const t = new Date(r.hour).getTime();
    const h = byHour.get(t) ?? { tokens: 0, requests: 0 };
    h.tokens += Number(r.tokens);
    h.requests += Number(r.requests);
    byHour.set(t, h);
    served.set(r.deployment, byHour);
  }
  return latencyHoursOf(db, { deployments: config.deployments.map((d) => d.name), start: p.start, end: p.end, served });
}

/** OpenCost shares of the month's node pools (GPU-hours per deployment-hour and idle per node-hour). */
export interface PoolShares {
  /** Pool → deployment cells (summed over nodes and namespaces of the hour). */
  deployments: Map<string, Array<{ hour: number; deployment: string; gpuHours: string }>>;
  /** Pool → idle cells per node and hour (gpuHours null = unknown). */
  idle: Map<string, Array<{ hour: number; node: string; gpuHours: string | null }>>;
}

/** The month's OpenCost shares per node pool (empty unless `sources.opencost.enabled`). */
export async function poolShares(db: Kysely<Database>, config: Config, p: Period): Promise<PoolShares> {
  const out: PoolShares = { deployments: new Map(), idle: new Map() };
  if (!config.sources.opencost.enabled) return out;
  const a = await sql<{ node_pool: string; hour: Date; deployment: string; gpu_hours: string }>`
    select node_pool, hour, deployment, sum(gpu_hours)::text as gpu_hours from opencost_gpu_allocations
     where hour >= ${p.start} and hour < ${p.end} and node_pool <> '' group by 1, 2, 3 order by 1, 2, 3`.execute(db);
  for (const r of a.rows) {
    const list = out.deployments.get(r.node_pool) ?? [];
    list.push({ hour: new Date(r.hour).getTime(), deployment: r.deployment, gpuHours: r.gpu_hours });
    out.deployments.set(r.node_pool, list);
  }
  const i = await sql<{ node_pool: string; hour: Date; node: string; gpu_hours: string | null }>`
    select node_pool, hour, cluster || '/' || node as node, gpu_hours::text as gpu_hours from opencost_gpu_idle
     where hour >= ${p.start} and hour < ${p.end} and node_pool <> '' order by 1, 2, 3`.execute(db);
  for (const r of i.rows) {
    const list = out.idle.get(r.node_pool) ?? [];
    list.push({ hour: new Date(r.hour).getTime(), node: r.node, gpuHours: r.gpu_hours });
    out.idle.set(r.node_pool, list);
  }
  return out;
}
