import { sql, type Kysely } from 'kysely';

// Core tables. Every fact table has a natural key and is written with INSERT … ON CONFLICT … DO UPDATE,
// so re-ingesting a window replaces values instead of adding them. Money is numeric, never float.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table raw_payloads (
      id bigserial primary key,
      source text not null,
      account text not null default 'default',
      run_id bigint,
      request jsonb not null,
      status integer not null,
      body text not null,
      body_sha256 text not null,
      parse_error text,
      fetched_at timestamptz not null
    );
    create index raw_payloads_source_fetched on raw_payloads (source, fetched_at);

    create table sync_state (
      source text not null,
      account text not null default 'default',
      watermark timestamptz,
      last_success_at timestamptz,
      last_error text,
      last_error_at timestamptz,
      requests_total bigint not null default 0,
      primary key (source, account)
    );

    create table ingestion_runs (
      id bigserial primary key,
      source text not null,
      account text not null default 'default',
      window_start timestamptz not null,
      window_end timestamptz not null,
      started_at timestamptz not null,
      finished_at timestamptz,
      status text not null check (status in ('running', 'succeeded', 'failed')),
      rows_written integer not null default 0,
      requests_made integer not null default 0,
      error text
    );
    create index ingestion_runs_source_started on ingestion_runs (source, started_at desc);

    create table usage_facts (
      id bigserial primary key,
      provider text not null,
      account text not null default 'default',
      bucket_start timestamptz not null,
      bucket_end timestamptz not null,
      project_id text,
      api_key_id text,
      workspace_id text,
      model text,
      service_tier text,
      batch boolean,
      context_window text,
      uncached_input_tokens bigint not null default 0,
      cache_read_tokens bigint not null default 0,
      cache_write_tokens bigint not null default 0,
      cache_write_1h_tokens bigint not null default 0,
      output_tokens bigint not null default 0,
      requests bigint not null default 0,
      extra jsonb not null default '{}',
      feature text,
      ingested_at timestamptz not null default now(),
      constraint usage_facts_natural_key unique nulls not distinct
        (provider, account, bucket_start, bucket_end, project_id, api_key_id, workspace_id, model, service_tier, batch, context_window),
      check (bucket_end > bucket_start)
    );
    create index usage_facts_bucket on usage_facts (bucket_start);

    create table cost_line_items (
      id bigserial primary key,
      source text not null,
      account text not null default 'default',
      line_key text not null,
      charge_period_start timestamptz not null,
      charge_period_end timestamptz not null,
      provider_name text not null,
      billing_account_id text,
      billing_currency text not null,
      billed_cost numeric not null,
      effective_cost numeric not null,
      list_cost numeric,
      contracted_cost numeric,
      charge_category text not null default 'Usage',
      charge_class text,
      charge_description text,
      service_name text,
      service_category text,
      sku_id text,
      resource_id text,
      resource_type text,
      region_id text,
      consumed_quantity numeric,
      consumed_unit text,
      pricing_quantity numeric,
      pricing_unit text,
      tags jsonb not null default '{}',
      x_project_id text,
      x_api_key_id text,
      x_workspace_id text,
      x_model text,
      x_token_type text,
      x_usage_type text,
      x_line_item text,
      x_gpu_model text,
      x_gpu_count integer,
      estimated boolean not null default false,
      extra jsonb not null default '{}',
      feature text,
      deployment text,
      ingested_at timestamptz not null default now(),
      constraint cost_line_items_natural_key unique (source, account, charge_period_start, charge_period_end, line_key),
      check (charge_period_end > charge_period_start)
    );
    create index cost_line_items_period on cost_line_items (charge_period_start);

    create table serving_metrics (
      hour timestamptz not null,
      deployment text not null,
      model text not null default '',
      engine text,
      prompt_tokens bigint not null default 0,
      generation_tokens bigint not null default 0,
      requests bigint not null default 0,
      prefix_cache_queries bigint,
      prefix_cache_hits bigint,
      kv_cache_usage_avg double precision,
      kv_cache_usage_p95 double precision,
      requests_running_avg double precision,
      requests_waiting_avg double precision,
      feature text,
      ingested_at timestamptz not null default now(),
      primary key (hour, deployment, model)
    );

    create table gpu_metrics (
      hour timestamptz not null,
      hostname text not null,
      gpu text not null,
      uuid text,
      model_name text,
      deployment text,
      gpu_util_avg double precision,
      engine_active_avg double precision,
      fb_used_mib_avg double precision,
      power_w_avg double precision,
      ingested_at timestamptz not null default now(),
      primary key (hour, hostname, gpu)
    );

    create table features (
      name text primary key,
      parent text,
      architecture text not null check (architecture in ('api', 'self_hosted')),
      description text,
      updated_at timestamptz not null default now()
    );

    create table feature_rules (
      feature text not null references features (name) on delete cascade,
      position integer not null,
      rule jsonb not null,
      primary key (feature, position)
    );

    create table feature_monthly_results (
      month date not null,
      feature text not null,
      architecture text not null,
      requests bigint not null default 0,
      input_tokens bigint not null default 0,
      cached_input_tokens bigint not null default 0,
      output_tokens bigint not null default 0,
      actual_cost numeric not null default 0,
      currency text not null,
      blended_rate_per_1m numeric,
      blended_rate_per_1m_output numeric,
      idle_cost numeric,
      overhead_cost numeric,
      counterfactual_architecture text,
      counterfactual_cost numeric,
      counterfactual_rate_per_1m numeric,
      break_even_tokens_per_month numeric,
      break_even_binding text,
      recommendation text,
      recommendation_reason text,
      data_months integer not null default 0,
      assumptions jsonb not null default '{}',
      computed_at timestamptz not null,
      primary key (month, feature)
    );

    create table reports (
      id bigserial primary key,
      month date not null,
      inputs_digest text not null,
      subject text not null,
      html text not null,
      text text not null,
      csv text not null,
      created_at timestamptz not null default now(),
      unique (month, inputs_digest)
    );

    create table report_deliveries (
      id bigserial primary key,
      month date not null,
      recipient text not null,
      report_id bigint references reports (id),
      status text not null check (status in ('sending', 'sent', 'failed')),
      message_id text,
      attempts integer not null default 0,
      error text,
      sent_at timestamptz,
      updated_at timestamptz not null default now(),
      unique (month, recipient)
    );
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop table if exists report_deliveries, reports, feature_monthly_results, feature_rules, features,
      gpu_metrics, serving_metrics, cost_line_items, usage_facts, ingestion_runs, sync_state, raw_payloads cascade;
  `.execute(db);
}
