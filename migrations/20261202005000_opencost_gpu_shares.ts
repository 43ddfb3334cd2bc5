import { sql, type Kysely } from 'kysely';

/**
 * OpenCost facts (`breakeven ingest opencost`): the SHARES of a shared GPU node pool, never its
 * money. GPU-hours are numeric because they are fractional (MIG slices, time-slicing, a pod that ran
 * for part of the hour). `*_list` columns are OpenCost's own list-price estimates, kept only for
 * the cross-check; the money of record comes from the bill (Cost Explorer tag or FOCUS).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table opencost_gpu_allocations (
      hour timestamptz not null,
      hour_end timestamptz not null,
      cluster text not null default '',
      node text not null default '',
      namespace text not null default '',
      deployment text not null,
      node_pool text not null default '',
      gpu_hours numeric not null,
      gpu_request_average numeric,
      gpu_cost_list numeric,
      total_cost_list numeric,
      extra jsonb not null default '{}',
      ingested_at timestamptz not null default now(),
      primary key (hour, cluster, node, namespace, deployment),
      check (hour_end > hour),
      check (gpu_hours >= 0)
    );
    create index opencost_gpu_allocations_pool on opencost_gpu_allocations (node_pool, hour);

    create table opencost_gpu_idle (
      hour timestamptz not null,
      hour_end timestamptz not null,
      cluster text not null default '',
      node text not null default '',
      node_pool text not null default '',
      gpu_hours numeric,
      gpu_hours_basis text,
      gpu_cost_list numeric not null,
      extra jsonb not null default '{}',
      ingested_at timestamptz not null default now(),
      primary key (hour, cluster, node),
      check (hour_end > hour),
      check (gpu_hours_basis is null or gpu_hours_basis in ('reported', 'node_rate', 'pool_rate', 'cluster_rate'))
    );
    create index opencost_gpu_idle_pool on opencost_gpu_idle (node_pool, hour);

    create table opencost_inference_costs (
      window_start timestamptz not null,
      window_end timestamptz not null,
      model_name text not null,
      model_version text not null default '',
      namespace text not null default '',
      cluster text not null default '',
      cost_basis text not null,
      total_cost_list numeric,
      prompt_tokens numeric,
      generation_tokens numeric,
      total_tokens numeric,
      cost_per_million_tokens numeric,
      input_cost_per_million_tokens numeric,
      output_cost_per_million_tokens numeric,
      allocation_method text,
      extra jsonb not null default '{}',
      ingested_at timestamptz not null default now(),
      primary key (window_start, window_end, model_name, model_version, namespace, cluster, cost_basis),
      check (window_end > window_start)
    );

    comment on table opencost_gpu_allocations is 'OpenCost /allocation per hour (step=1h): GPU-hours of each deployment (namespace × deployment label) on each node, with the node pool label that joins it to the bill. Shares only; money comes from the bill.';
    comment on column opencost_gpu_allocations.deployment is 'Value of sources.opencost.deployment_label on the pods (__unallocated__ when the pods carry none).';
    comment on column opencost_gpu_allocations.node_pool is 'Value of sources.opencost.node_pool_label on the node (e.g. karpenter.sh/nodepool); '''' when OpenCost did not report it.';
    comment on column opencost_gpu_allocations.gpu_hours is 'GPU-hours allocated in the hour (max(request, usage) × hours; fractional for MIG and time-slicing).';
    comment on column opencost_gpu_allocations.gpu_cost_list is 'OpenCost''s GPU cost at list price (a cross-check, not money of record).';
    comment on table opencost_gpu_idle is 'OpenCost idle per node and hour (includeIdle, idleByNode): GPU capacity no pod claimed.';
    comment on column opencost_gpu_idle.gpu_hours is 'Idle GPU-hours: reported by OpenCost, or derived from its idle GPU cost at the node''s (or node pool''s) list rate per GPU-hour; NULL when no rate was available.';
    comment on column opencost_gpu_idle.gpu_hours_basis is 'How gpu_hours was obtained: reported, node_rate, pool_rate, cluster_rate (NULL = unknown). node = '''' is idle OpenCost merged into one __idle__ (per cluster, or for the whole answer).';
    comment on table opencost_inference_costs is 'OpenCost /inferenceCost/total (1.121+) per model and day at list prices: a cross-check beside breakeven''s effective rate.';

    do $$
    begin
      if exists (select 1 from pg_roles where rolname = 'breakeven_analyst') then
        execute 'grant select on opencost_gpu_allocations, opencost_gpu_idle, opencost_inference_costs to breakeven_analyst';
      end if;
    end
    $$;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists opencost_inference_costs, opencost_gpu_idle, opencost_gpu_allocations`.execute(db);
}
