import { sql, type Kysely } from 'kysely';

// The analyst-facing views of INTERFACES.md: the stable public surface. Internal tables may change
// behind them; these column names may not. The read-only role breakeven_analyst can select them.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create view feature_monthly as
    select month, feature, architecture, requests, input_tokens, cached_input_tokens, output_tokens,
           actual_cost, currency, blended_rate_per_1m, blended_rate_per_1m_output, idle_cost,
           counterfactual_architecture, counterfactual_cost, counterfactual_rate_per_1m,
           break_even_tokens_per_month, break_even_binding, recommendation, recommendation_reason,
           data_months, assumptions, computed_at
      from feature_monthly_results;

    create view usage_hourly as
    select bucket_start as hour, provider, model, coalesce(feature, 'unattributed') as feature,
           project_id, api_key_id, workspace_id, service_tier, batch,
           uncached_input_tokens, cache_read_tokens, cache_write_tokens, output_tokens, requests
      from usage_facts
     where bucket_end - bucket_start <= interval '1 hour';

    create view usage_daily as
    select (date_trunc('day', bucket_start at time zone 'UTC'))::date as day, provider, model,
           coalesce(feature, 'unattributed') as feature, project_id, api_key_id, workspace_id, service_tier,
           sum(uncached_input_tokens)::bigint as uncached_input_tokens,
           sum(cache_read_tokens)::bigint as cache_read_tokens,
           sum(cache_write_tokens)::bigint as cache_write_tokens,
           sum(output_tokens)::bigint as output_tokens,
           sum(requests)::bigint as requests
      from usage_facts
     group by 1, 2, 3, 4, 5, 6, 7, 8;

    create view cost_daily as
    select (charge_period_start at time zone 'UTC')::date as day, source as provider, service_name as service,
           coalesce(sku_id, x_usage_type, x_line_item) as sku, coalesce(feature, 'unattributed') as feature,
           sum(billed_cost) as billed_cost, sum(effective_cost) as effective_cost,
           billing_currency as currency, bool_or(estimated) as estimated
      from cost_line_items
     group by 1, 2, 3, 4, 5, 8;

    create view serving_hourly as
    select s.hour, s.deployment, s.model,
           g.gpu_count, g.gpu_utilization,
           s.prompt_tokens, s.generation_tokens, s.requests,
           case when s.prefix_cache_queries > 0 then s.prefix_cache_hits::double precision / s.prefix_cache_queries end
             as prefix_cache_hit_rate,
           s.kv_cache_usage_avg as kv_cache_usage,
           s.requests_running_avg as requests_running,
           s.requests_waiting_avg as requests_waiting,
           coalesce(s.feature, 'unattributed') as feature
      from serving_metrics s
      left join lateral (
        select count(*)::integer as gpu_count, avg(gm.gpu_util_avg) as gpu_utilization
          from gpu_metrics gm
         where gm.hour = s.hour and gm.deployment = s.deployment
      ) g on true;

    create view focus_costs as
    select billed_cost as "BilledCost", effective_cost as "EffectiveCost", list_cost as "ListCost",
           contracted_cost as "ContractedCost", billing_currency as "BillingCurrency",
           billing_account_id as "BillingAccountId",
           charge_period_start as "ChargePeriodStart", charge_period_end as "ChargePeriodEnd",
           charge_category as "ChargeCategory", charge_class as "ChargeClass",
           charge_description as "ChargeDescription",
           provider_name as "ProviderName", service_name as "ServiceName", service_category as "ServiceCategory",
           sku_id as "SkuId", resource_id as "ResourceId", resource_type as "ResourceType", region_id as "RegionId",
           consumed_quantity as "ConsumedQuantity", consumed_unit as "ConsumedUnit",
           pricing_quantity as "PricingQuantity", pricing_unit as "PricingUnit",
           tags as "Tags", coalesce(feature, 'unattributed') as x_feature, source as x_source,
           estimated as x_estimated, deployment as x_deployment
      from cost_line_items;

    do $$
    begin
      if not exists (select 1 from pg_roles where rolname = 'breakeven_analyst') then
        create role breakeven_analyst nologin;
      end if;
      execute format('grant usage on schema %I to breakeven_analyst', current_schema());
      execute format(
        'grant select on feature_monthly, usage_hourly, usage_daily, cost_daily, serving_hourly, focus_costs, '
        || 'usage_facts, cost_line_items, serving_metrics, gpu_metrics, feature_monthly_results, features to breakeven_analyst');
    end
    $$;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop view if exists focus_costs, serving_hourly, cost_daily, usage_daily, usage_hourly, feature_monthly;
  `.execute(db);
}
