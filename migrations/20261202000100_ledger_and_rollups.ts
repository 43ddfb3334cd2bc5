import { sql, type Kysely } from 'kysely';

// The core, second shape (ARCHITECTURE.md): attribution lives on small dimension tables instead of
// being written onto every fact row; ingest maintains the rollups compute reads; compute writes every
// allocated amount to one ledger that feature_monthly, cost_daily, the report and the CLI all read.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- One row per distinct grouping of API usage. feature is rule-derived: set when a dimension first
    -- appears and refreshed (a few thousand rows at most) whenever ingest or compute sees other rules.
    create table usage_dims (
      dim_id bigserial primary key,
      dim_key text not null unique,
      provider text not null,
      account text not null default 'default',
      project_id text,
      api_key_id text,
      workspace_id text,
      model text,
      service_tier text,
      batch boolean,
      context_window text,
      feature text
    );
    insert into usage_dims (dim_key, provider, account, project_id, api_key_id, workspace_id, model, service_tier, batch, context_window, feature)
    select distinct on (k) k, provider, account, project_id, api_key_id, workspace_id, model, service_tier, batch, context_window, feature
      from (select json_build_array(provider, account, project_id, api_key_id, workspace_id, model, service_tier, batch, context_window)::text as k, *
              from usage_facts) t
     order by k;
    alter table usage_facts add column dim_id bigint;
    update usage_facts f set dim_id = d.dim_id
      from usage_dims d
     where d.dim_key = json_build_array(f.provider, f.account, f.project_id, f.api_key_id, f.workspace_id, f.model, f.service_tier, f.batch, f.context_window)::text;
    -- No foreign key: the write path creates a fact's dimension in the same statement sequence, dimensions
    -- are never deleted, and a per-row RI check cost about half a COPY of the facts.
    alter table usage_facts alter column dim_id set not null;
    alter table usage_facts drop constraint usage_facts_natural_key;
    alter table usage_facts add constraint usage_facts_natural_key unique (dim_id, bucket_start, bucket_end);

    create table serving_dims (
      deployment text not null,
      model text not null,
      feature text,
      primary key (deployment, model)
    );
    insert into serving_dims (deployment, model, feature)
    select distinct on (deployment, model) deployment, model, feature from serving_metrics order by deployment, model;

    -- Rollups ingest maintains in the same transaction as the facts (per day × usage dimension; per
    -- hour × provider × feature for the load curve).
    create table usage_rollup_daily (
      day date not null,
      dim_id bigint not null references usage_dims (dim_id),
      uncached_input_tokens bigint not null,
      cache_read_tokens bigint not null,
      cache_write_tokens bigint not null,
      cache_write_1h_tokens bigint not null,
      output_tokens bigint not null,
      requests bigint not null,
      primary key (day, dim_id)
    );
    create table usage_load_hourly (
      hour timestamptz not null,
      provider text not null,
      feature text not null,
      tokens double precision not null,
      primary key (hour, provider, feature)
    );
    -- What compute must rebuild for a month: the load curve after a rule change, the activity
    -- summary after new facts.
    create table rollup_state (
      month date primary key,
      load_stale boolean not null default false,
      activity_stale boolean not null default true
    );
    -- Days with facts per feature and month: the data-sufficiency rule reads this, not all history.
    create table month_activity (
      month date not null,
      feature text not null,
      days integer not null,
      primary key (month, feature)
    );

    -- Every allocated amount: cost line × feature × day, exact, in the reporting currency.
    create table allocation_ledger (
      month date not null,
      line_id bigint not null,
      feature text not null,
      day date not null,
      idle boolean not null default false,
      effective_cost numeric not null,
      billed_cost numeric not null,
      currency text not null,
      primary key (month, line_id, feature, day, idle)
    );
    create index allocation_ledger_line on allocation_ledger (line_id);

    -- Raw pages are kept compressed (the archive was half the cost of a window's write).
    alter table raw_payloads add column body_gz bytea, alter column body drop not null;

    alter table feature_monthly_results
      add column fully_loaded_cost numeric,
      add column recommended_saving numeric,
      add column binding_factor text;
    alter table deployment_monthly
      add column utilization_tax numeric,
      add column break_even_tokens_per_month numeric,
      add column hybrid_replicas integer,
      add column hybrid_cost numeric,
      add column counterfactual_api_cost numeric,
      add column effective_gpu_hour_cost numeric,
      add column features text[];
    alter table reconciliation_monthly add column overlap_skipped_cost numeric not null default 0;
  `.execute(db);

  await sql`
    insert into usage_rollup_daily
    select (bucket_start at time zone 'UTC')::date, dim_id, sum(uncached_input_tokens), sum(cache_read_tokens),
           sum(cache_write_tokens), sum(cache_write_1h_tokens), sum(output_tokens), sum(requests)
      from usage_facts group by 1, 2;
    insert into rollup_state (month, load_stale, activity_stale)
    select distinct date_trunc('month', bucket_start at time zone 'UTC')::date, true, true from usage_facts
    on conflict do nothing;
  `.execute(db);
  await createViews(db);
  // The views no longer read the fact rows' feature, so it can go: attribution is never written onto facts.
  await sql`alter table usage_facts drop column feature; alter table serving_metrics drop column feature;`.execute(db);
  await sql`
    comment on column feature_monthly.fully_loaded_cost is 'actual_cost + overhead + ops share: the basis of every comparison (blended_rate_per_1m = fully_loaded_cost / tokens × 10⁶).';
    comment on column feature_monthly.recommended_saving is 'What following the recommendation saves this month, fully loaded (≥ 0); the report headline is the sum of this column.';
    comment on column feature_monthly.binding_factor is 'What decides the recommendation: utilization, volume, price, capacity or latency.';
    comment on table allocation_ledger is 'Every allocated amount: cost line × feature × day in the reporting currency; parts of a line sum to it exactly. cost_daily and feature_monthly.actual_cost read it.';
    comment on view cost_daily is 'Cost per day × provider × service × sku × feature. Computed months: the amount compute allocated to each feature (a shared line appears once per feature), in the reporting currency. Lines not yet computed: their rule-derived feature, in the billing currency.';
  `.execute(db);
}

/** The analyst views over the new shape; columns keep their names and order, new ones are appended. */
async function createViews(db: Kysely<any>): Promise<void> {
  await sql`
    create or replace view feature_monthly as
    select month, feature, architecture, requests, input_tokens, cached_input_tokens, output_tokens,
           actual_cost, currency, blended_rate_per_1m, blended_rate_per_1m_output, idle_cost,
           counterfactual_architecture, counterfactual_cost, counterfactual_rate_per_1m,
           break_even_tokens_per_month, break_even_binding, recommendation, recommendation_reason,
           data_months, assumptions, computed_at,
           hybrid_replicas, hybrid_cost, hybrid_local_share, unpriced_tokens,
           fully_loaded_cost, recommended_saving, binding_factor
      from feature_monthly_results;

    create or replace view usage_hourly as
    select f.bucket_start as hour, d.provider, d.model, coalesce(d.feature, 'unattributed') as feature,
           d.project_id, d.api_key_id, d.workspace_id, d.service_tier, d.batch,
           f.uncached_input_tokens, f.cache_read_tokens, f.cache_write_tokens, f.output_tokens, f.requests
      from usage_facts f join usage_dims d using (dim_id)
     where f.bucket_end - f.bucket_start <= interval '1 hour';

    create or replace view usage_daily as
    select r.day, d.provider, d.model, coalesce(d.feature, 'unattributed') as feature,
           d.project_id, d.api_key_id, d.workspace_id, d.service_tier,
           sum(r.uncached_input_tokens)::bigint as uncached_input_tokens,
           sum(r.cache_read_tokens)::bigint as cache_read_tokens,
           sum(r.cache_write_tokens)::bigint as cache_write_tokens,
           sum(r.output_tokens)::bigint as output_tokens,
           sum(r.requests)::bigint as requests
      from usage_rollup_daily r join usage_dims d using (dim_id)
     group by 1, 2, 3, 4, 5, 6, 7, 8;

    -- Allocated money where compute has allocated the line (in the reporting currency); the line's
    -- rule-derived feature in its billing currency where it has not (yet).
    create or replace view cost_daily as
    select l.day, c.source as provider, c.service_name as service,
           coalesce(c.sku_id, c.x_usage_type, c.x_line_item) as sku, l.feature,
           sum(l.billed_cost) as billed_cost, sum(l.effective_cost) as effective_cost,
           l.currency, bool_or(c.estimated) as estimated
      from allocation_ledger l join cost_line_items c on c.id = l.line_id
     group by 1, 2, 3, 4, 5, 8
    union all
    select (c.charge_period_start at time zone 'UTC')::date, c.source, c.service_name,
           coalesce(c.sku_id, c.x_usage_type, c.x_line_item), coalesce(c.feature, 'unattributed'),
           sum(c.billed_cost), sum(c.effective_cost), c.billing_currency, bool_or(c.estimated)
      from cost_line_items c
     where not exists (select 1 from allocation_ledger l where l.line_id = c.id)
     group by 1, 2, 3, 4, 5, 8;

    create or replace view serving_hourly as
    select s.hour, s.deployment, s.model,
           g.gpu_count, g.gpu_utilization,
           s.prompt_tokens, s.generation_tokens, s.requests,
           case when s.prefix_cache_queries > 0 then s.prefix_cache_hits::double precision / s.prefix_cache_queries end
             as prefix_cache_hit_rate,
           s.kv_cache_usage_avg as kv_cache_usage,
           s.requests_running_avg as requests_running,
           s.requests_waiting_avg as requests_waiting,
           coalesce(sd.feature, 'unattributed') as feature
      from serving_metrics s
      left join serving_dims sd on sd.deployment = s.deployment and sd.model = s.model
      left join lateral (
        select count(*)::integer as gpu_count, avg(gm.gpu_util_avg) as gpu_utilization
          from gpu_metrics gm
         where gm.hour = s.hour and gm.deployment = s.deployment
      ) g on true;

    grant select on usage_dims, serving_dims, usage_rollup_daily, allocation_ledger, deployment_monthly to breakeven_analyst;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop view if exists feature_monthly, usage_hourly, usage_daily, cost_daily, serving_hourly;
    alter table usage_facts add column feature text;
    update usage_facts f set feature = d.feature from usage_dims d where d.dim_id = f.dim_id;
    alter table serving_metrics add column feature text;
    update serving_metrics s set feature = d.feature from serving_dims d where d.deployment = s.deployment and d.model = s.model;
    alter table usage_facts drop constraint usage_facts_natural_key;
    alter table usage_facts add constraint usage_facts_natural_key unique nulls not distinct
      (provider, account, bucket_start, bucket_end, project_id, api_key_id, workspace_id, model, service_tier, batch, context_window);
    alter table usage_facts drop column dim_id;
    drop table allocation_ledger, month_activity, rollup_state, usage_load_hourly, usage_rollup_daily, serving_dims, usage_dims;
    update raw_payloads set body = '' where body is null;
    alter table raw_payloads drop column body_gz, alter column body set not null;
    alter table feature_monthly_results drop column fully_loaded_cost, drop column recommended_saving, drop column binding_factor;
    alter table deployment_monthly drop column utilization_tax, drop column break_even_tokens_per_month, drop column hybrid_replicas,
      drop column hybrid_cost, drop column counterfactual_api_cost, drop column effective_gpu_hour_cost, drop column features;
    alter table reconciliation_monthly drop column overlap_skipped_cost;
  `.execute(db);
  // The original view definitions live in the earlier migrations; re-running them is their job.
}
