import { sql, type Kysely } from 'kysely';

// COMMENT ON every analyst view and column: psql's \d+, Metabase and Grafana show these to analysts.
const COMMENTS: Record<string, { view: string; columns: Record<string, string> }> = {
  feature_monthly: {
    view: 'One row per month × feature: what the feature really cost, what it would cost on the other architecture, break-even and recommendation. Written by `breakeven compute --month`.',
    columns: {
      month: 'First day of the calendar month (UTC).',
      feature: "Feature name from the config; dotted names (support-chat.guardrail) roll up into their parent in reports; 'unattributed' collects spend no rule claimed.",
      architecture: "'api' or 'self_hosted' (from the config).",
      requests: 'Requests served (API num_model_requests or serving request counters).',
      input_tokens: 'All input tokens: uncached + cache reads + cache writes (self-hosted: prompt tokens).',
      cached_input_tokens: 'Input tokens served from a prompt cache (API cache reads; vLLM prefix-cache hits).',
      output_tokens: 'Output (generated) tokens.',
      actual_cost: 'Money of record allocated to the feature, in `currency`: invoices (OpenAI/Anthropic cost endpoints, cloud bill) split by largest remainder so features sum to the invoices exactly. Excludes overhead.',
      currency: 'Reporting currency (config `currency`).',
      blended_rate_per_1m: 'Fully loaded cost (actual_cost + overhead + ops share) per 1M input+output tokens.',
      blended_rate_per_1m_output: 'Fully loaded cost per 1M output tokens.',
      idle_cost: 'Self-hosted: the part of actual_cost paid for GPU hours that served no tokens ("utilization tax").',
      counterfactual_architecture: 'The other architecture the feature was priced on.',
      counterfactual_cost: 'Modelled monthly cost of the same work on the other architecture (estimate, not billed money).',
      counterfactual_rate_per_1m: 'counterfactual_cost per 1M tokens.',
      break_even_tokens_per_month: 'Smallest monthly volume at which self-hosting costs no more than the API (with the capacity step); NULL = never at this price.',
      break_even_binding: 'Which constraint decides the break-even: price, capacity or volume.',
      recommendation: "api, self_hosted, or hybrid (N replicas); NULL while data is insufficient.",
      recommendation_reason: 'Why, including the binding factor, or "insufficient data: n of 3 months".',
      data_months: 'Complete months of data for the feature up to this month.',
      assumptions: 'Prices with effective dates, FX rates, throughput profiles, overheads and intermediate figures used (JSON).',
      computed_at: 'When compute ran.',
      hybrid_replicas: 'Replicas in the cheapest hybrid (self-hosted base load + API spill-over).',
      hybrid_cost: 'Modelled monthly cost of that hybrid.',
      hybrid_local_share: 'Share of tokens the hybrid serves locally (0–1).',
      unpriced_tokens: 'Tokens the price catalog could not price (reported, never priced at $0).',
    },
  },
  usage_hourly: {
    view: 'API token usage per hour × provider × model × feature × key/project/workspace × tier (hourly buckets only).',
    columns: {
      hour: 'Bucket start (UTC).',
      provider: 'openai, anthropic or aws-bedrock.',
      model: 'Model id as billed.',
      feature: "Attributed feature or 'unattributed'.",
      project_id: 'OpenAI project.',
      api_key_id: 'API key id (never the key).',
      workspace_id: 'Anthropic workspace (NULL = default workspace).',
      service_tier: 'Service tier as reported.',
      batch: 'Batch API usage.',
      uncached_input_tokens: 'Input tokens not served from cache.',
      cache_read_tokens: 'Input tokens read from the prompt cache.',
      cache_write_tokens: 'Input tokens written to the prompt cache (all TTLs).',
      output_tokens: 'Output tokens.',
      requests: 'Model requests.',
    },
  },
  usage_daily: {
    view: 'API token usage per UTC day (sums of all buckets, including daily ones such as Bedrock).',
    columns: {
      day: 'UTC day.',
      provider: 'openai, anthropic or aws-bedrock.',
      model: 'Model id as billed.',
      feature: "Attributed feature or 'unattributed'.",
      project_id: 'OpenAI project.',
      api_key_id: 'API key id.',
      workspace_id: 'Anthropic workspace.',
      service_tier: 'Service tier.',
      uncached_input_tokens: 'Input tokens not served from cache.',
      cache_read_tokens: 'Cache reads.',
      cache_write_tokens: 'Cache writes.',
      output_tokens: 'Output tokens.',
      requests: 'Model requests.',
    },
  },
  cost_daily: {
    view: 'Billed cost per UTC day × provider × service × sku × feature, in the billing currency.',
    columns: {
      day: 'UTC day of the charge period start.',
      provider: 'Source of the line: openai, anthropic, aws, focus.',
      service: 'Service name (e.g. Amazon Elastic Compute Cloud - Compute, Amazon Bedrock).',
      sku: 'SKU / usage type / line item.',
      feature: "Attributed feature or 'unattributed'.",
      billed_cost: 'Invoiced cost (cash basis).',
      effective_cost: 'Amortized cost (Savings Plans and RIs at their effective rate); the basis of unit cost.',
      currency: 'Billing currency.',
      estimated: 'Still an estimate that the provider may restate (e.g. AWS open month).',
    },
  },
  serving_hourly: {
    view: 'Self-hosted serving per hour × deployment × model, from Prometheus (vLLM/SGLang/TGI and DCGM).',
    columns: {
      hour: 'Hour start (UTC).',
      deployment: 'Deployment (config `deployments[].name`, from the configured Prometheus label).',
      model: 'Served model name.',
      gpu_count: 'GPUs reporting DCGM metrics for the deployment that hour.',
      gpu_utilization: 'Average DCGM GPU utilization, 0–1.',
      prompt_tokens: 'Prompt tokens served.',
      generation_tokens: 'Generated tokens.',
      requests: 'Requests completed.',
      prefix_cache_hit_rate: 'Prefix-cache hits ÷ queries (0–1).',
      kv_cache_usage: 'Average KV-cache usage, 0–1.',
      requests_running: 'Average requests running (batch depth).',
      requests_waiting: 'Average requests waiting (queueing).',
      feature: "Attributed feature or 'unattributed'.",
    },
  },
  focus_costs: {
    view: 'Every cost line item in FOCUS column names, plus x_feature (attributed feature).',
    columns: {
      BilledCost: 'FOCUS BilledCost.',
      EffectiveCost: 'FOCUS EffectiveCost (amortized).',
      ListCost: 'FOCUS ListCost.',
      ContractedCost: 'FOCUS ContractedCost.',
      BillingCurrency: 'FOCUS BillingCurrency.',
      BillingAccountId: 'FOCUS BillingAccountId.',
      ChargePeriodStart: 'FOCUS ChargePeriodStart (inclusive).',
      ChargePeriodEnd: 'FOCUS ChargePeriodEnd (exclusive).',
      ChargeCategory: 'FOCUS ChargeCategory (Usage, Purchase, Tax, Credit, Adjustment).',
      ChargeClass: 'FOCUS ChargeClass (Correction or NULL).',
      ChargeDescription: 'FOCUS ChargeDescription.',
      ProviderName: 'FOCUS ProviderName.',
      ServiceName: 'FOCUS ServiceName.',
      ServiceCategory: 'FOCUS ServiceCategory.',
      SkuId: 'FOCUS SkuId (or the usage type / line item).',
      ResourceId: 'FOCUS ResourceId.',
      ResourceType: 'FOCUS ResourceType.',
      RegionId: 'FOCUS RegionId.',
      ConsumedQuantity: 'FOCUS ConsumedQuantity.',
      ConsumedUnit: 'FOCUS ConsumedUnit.',
      PricingQuantity: 'FOCUS PricingQuantity.',
      PricingUnit: 'FOCUS PricingUnit.',
      Tags: 'FOCUS Tags (JSON object).',
      x_feature: "Attributed feature or 'unattributed'.",
      x_source: 'Which connector wrote the line.',
      x_estimated: 'Still an estimate that may be restated.',
      x_deployment: 'Self-hosted deployment the line pays for, if any.',
    },
  },
};

export async function up(db: Kysely<any>): Promise<void> {
  for (const [view, c] of Object.entries(COMMENTS)) {
    await sql`comment on view ${sql.id(view)} is ${sql.lit(c.view)}`.execute(db);
    for (const [column, text] of Object.entries(c.columns)) {
      await sql`comment on column ${sql.id(view, column)} is ${sql.lit(text)}`.execute(db);
    }
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const view of Object.keys(COMMENTS)) await sql`comment on view ${sql.id(view)} is null`.execute(db);
}
