import { sql, type Kysely } from 'kysely';

// What `compute --month` writes besides feature_monthly: per-deployment FinOps metrics, invoice vs
// estimate per provider, and the hybrid optimum per feature.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table feature_monthly_results
      add column hybrid_replicas integer,
      add column hybrid_cost numeric,
      add column hybrid_local_share double precision,
      add column unpriced_tokens bigint not null default 0;

    create table deployment_monthly (
      month date not null,
      deployment text not null,
      feature text,
      currency text not null,
      gpu_count integer,
      gpu_hours double precision,
      gpu_cost numeric not null default 0,
      idle_cost numeric not null default 0,
      idle_hours integer not null default 0,
      gpu_utilization double precision,
      token_utilization double precision,
      measured_tps_per_gpu double precision,
      profile_tps_per_gpu double precision,
      throughput_source text,
      kv_cache_usage_avg double precision,
      kv_cache_usage_p95 double precision,
      prefix_cache_hit_rate double precision,
      batch_depth_avg double precision,
      queue_depth_avg double precision,
      requests bigint not null default 0,
      tokens bigint not null default 0,
      cost_per_request numeric,
      tokens_per_request double precision,
      computed_at timestamptz not null,
      primary key (month, deployment)
    );

    create table reconciliation_monthly (
      month date not null,
      provider text not null,
      currency text not null,
      invoice_cost numeric not null,
      estimated_cost numeric,
      gap numeric,
      unpriced_tokens bigint not null default 0,
      unattributed_cost numeric not null default 0,
      usage_without_cost boolean not null default false,
      cost_without_usage boolean not null default false,
      computed_at timestamptz not null,
      primary key (month, provider)
    );

    create or replace view feature_monthly as
    select month, feature, architecture, requests, input_tokens, cached_input_tokens, output_tokens,
           actual_cost, currency, blended_rate_per_1m, blended_rate_per_1m_output, idle_cost,
           counterfactual_architecture, counterfactual_cost, counterfactual_rate_per_1m,
           break_even_tokens_per_month, break_even_binding, recommendation, recommendation_reason,
           data_months, assumptions, computed_at,
           hybrid_replicas, hybrid_cost, hybrid_local_share, unpriced_tokens
      from feature_monthly_results;

    grant select on deployment_monthly, reconciliation_monthly to breakeven_analyst;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop view feature_monthly;
    drop table if exists reconciliation_monthly, deployment_monthly;
    alter table feature_monthly_results
      drop column hybrid_replicas, drop column hybrid_cost, drop column hybrid_local_share, drop column unpriced_tokens;
    create view feature_monthly as
    select month, feature, architecture, requests, input_tokens, cached_input_tokens, output_tokens,
           actual_cost, currency, blended_rate_per_1m, blended_rate_per_1m_output, idle_cost,
           counterfactual_architecture, counterfactual_cost, counterfactual_rate_per_1m,
           break_even_tokens_per_month, break_even_binding, recommendation, recommendation_reason,
           data_months, assumptions, computed_at
      from feature_monthly_results;
    grant select on feature_monthly to breakeven_analyst;
  `.execute(db);
}
