import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/** numeric: exact decimal, a string at the driver boundary (pg's behaviour; PGlite is set up to match). */
export type Numeric = ColumnType<string, string | number, string | number>;
export type NullableNumeric = ColumnType<string | null, string | number | null, string | number | null>;
/** bigint: also a string at the driver boundary (it may exceed 2^53). */
export type Int8 = ColumnType<string, string | number | bigint, string | number | bigint>;
export type NullableInt8 = ColumnType<string | null, string | number | bigint | null, string | number | bigint | null>;
export type DefaultInt8 = ColumnType<string, string | number | bigint | undefined, string | number | bigint>;
export type Timestamp = ColumnType<Date, Date | string, Date | string>;
export type DefaultTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
/** date: 'YYYY-MM-DD' strings, never Date (a Date would shift with the local time zone). */
export type DateString = ColumnType<string, string, string>;
/** A nullable text column that inserts may omit (added after the table's first writers). */
export type OptionalText = ColumnType<string | null, string | null | undefined, string | null>;
export type Json<T = unknown> = ColumnType<T, string | T, string | T>;
export type DefaultJson<T = unknown> = ColumnType<T, string | T | undefined, string | T>;

export interface RawPayloadsTable {
  id: Generated<string>;
  source: string;
  account: ColumnType<string, string | undefined, string>;
  run_id: string | number | null;
  request: Json<{ method: string; url: string; params?: unknown }>;
  status: number;
  /** Legacy rows only: bodies are stored gzip-compressed in body_gz (read them with readRawBody). */
  body: ColumnType<string | null, string | null | undefined, string | null>;
  body_gz: ColumnType<Buffer | null, Buffer | null | undefined, Buffer | null>;
  body_sha256: string;
  parse_error: string | null;
  fetched_at: Timestamp;
}

export interface SyncStateTable {
  source: string;
  account: ColumnType<string, string | undefined, string>;
  watermark: Timestamp | null;
  last_success_at: Timestamp | null;
  last_error: string | null;
  last_error_at: Timestamp | null;
  requests_total: DefaultInt8;
}

export interface IngestionRunsTable {
  id: Generated<string>;
  source: string;
  account: ColumnType<string, string | undefined, string>;
  window_start: Timestamp;
  window_end: Timestamp;
  started_at: Timestamp;
  finished_at: Timestamp | null;
  status: 'running' | 'succeeded' | 'failed' | 'abandoned';
  rows_written: ColumnType<number, number | undefined, number>;
  requests_made: ColumnType<number, number | undefined, number>;
  error: string | null;
  /** A FOCUS import's file (base name); NULL for the windowed sources. */
  file: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface UsageFactsTable {
  id: Generated<string>;
  provider: string;
  account: ColumnType<string, string | undefined, string>;
  bucket_start: Timestamp;
  bucket_end: Timestamp;
  project_id: string | null;
  api_key_id: string | null;
  workspace_id: string | null;
  model: string | null;
  service_tier: string | null;
  batch: boolean | null;
  context_window: string | null;
  uncached_input_tokens: DefaultInt8;
  cache_read_tokens: DefaultInt8;
  cache_write_tokens: DefaultInt8;
  cache_write_1h_tokens: DefaultInt8;
  output_tokens: DefaultInt8;
  requests: DefaultInt8;
  extra: DefaultJson<Record<string, unknown>>;
  /** The usage_dims row of this fact's grouping (resolved by the write path; normalizers leave it out). */
  dim_id: ColumnType<string, string | number | undefined, string | number>;
  ingested_at: DefaultTimestamp;
}

export interface CostLineItemsTable {
  id: Generated<string>;
  source: string;
  account: ColumnType<string, string | undefined, string>;
  line_key: string;
  charge_period_start: Timestamp;
  charge_period_end: Timestamp;
  provider_name: string;
  billing_account_id: string | null;
  billing_currency: string;
  billed_cost: Numeric;
  effective_cost: Numeric;
  list_cost: NullableNumeric;
  contracted_cost: NullableNumeric;
  charge_category: ColumnType<string, string | undefined, string>;
  charge_class: string | null;
  charge_description: string | null;
  service_name: string | null;
  service_category: string | null;
  sku_id: string | null;
  resource_id: string | null;
  resource_type: string | null;
  region_id: string | null;
  consumed_quantity: NullableNumeric;
  consumed_unit: string | null;
  pricing_quantity: NullableNumeric;
  pricing_unit: string | null;
  tags: DefaultJson<Record<string, string>>;
  x_project_id: string | null;
  x_api_key_id: string | null;
  x_workspace_id: string | null;
  x_model: string | null;
  x_token_type: string | null;
  x_usage_type: string | null;
  x_line_item: string | null;
  x_gpu_model: string | null;
  x_gpu_count: number | null;
  estimated: ColumnType<boolean, boolean | undefined, boolean>;
  extra: DefaultJson<Record<string, unknown>>;
  feature: string | null;
  deployment: string | null;
  /** FOCUS 1.2 columns (NULL where the source does not report them; see migration 20261202005100). */
  sub_account_id: OptionalText;
  sub_account_name: OptionalText;
  billing_account_name: OptionalText;
  billing_period_start: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  billing_period_end: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  commitment_discount_id: OptionalText;
  commitment_discount_name: OptionalText;
  commitment_discount_category: OptionalText;
  commitment_discount_type: OptionalText;
  commitment_discount_status: OptionalText;
  commitment_discount_quantity: ColumnType<string | null, string | number | null | undefined, string | number | null>;
  commitment_discount_unit: OptionalText;
  ingested_at: DefaultTimestamp;
}

export interface ServingMetricsTable {
  hour: Timestamp;
  deployment: string;
  model: ColumnType<string, string | undefined, string>;
  engine: string | null;
  prompt_tokens: DefaultInt8;
  generation_tokens: DefaultInt8;
  requests: DefaultInt8;
  prefix_cache_queries: ColumnType<string | null, string | number | bigint | null, string | number | bigint | null>;
  prefix_cache_hits: ColumnType<string | null, string | number | bigint | null, string | number | bigint | null>;
  kv_cache_usage_avg: number | null;
  kv_cache_usage_p95: number | null;
  requests_running_avg: number | null;
  requests_waiting_avg: number | null;
  ingested_at: DefaultTimestamp;
}

/**
 * Deployment-level latency per hour (migration 20261202003000): p50/p95 from the engines' histograms,
 * summed over replicas and models; counts are the histogram's observations that hour (null: no such
 * histogram exported); *_buckets are the summed bucket deltas {"le": count} so months re-aggregate exactly.
 */
/** jsonb {"0.5": 12, "+Inf": 40}; written as a JSON string (both drivers), read back as an object. */
export type BucketsJson = ColumnType<Record<string, number> | null, string | null, string | null>;
export interface ServingLatencyHourlyTable {
  hour: Timestamp;
  deployment: string;
  engine: string | null;
  ttft_count: NullableInt8;
  ttft_p50_seconds: number | null;
  ttft_p95_seconds: number | null;
  ttft_buckets: BucketsJson;
  e2e_count: NullableInt8;
  e2e_p50_seconds: number | null;
  e2e_p95_seconds: number | null;
  e2e_buckets: BucketsJson;
  queue_count: NullableInt8;
  queue_p50_seconds: number | null;
  queue_p95_seconds: number | null;
  queue_buckets: BucketsJson;
  preemptions: NullableInt8;
  ingested_at: DefaultTimestamp;
}

export interface GpuMetricsTable {
  hour: Timestamp;
  hostname: string;
  gpu: string;
  uuid: string | null;
  model_name: string | null;
  deployment: string | null;
  gpu_util_avg: number | null;
  engine_active_avg: number | null;
  fb_used_mib_avg: number | null;
  power_w_avg: number | null;
  ingested_at: DefaultTimestamp;
}

export interface FeaturesTable {
  name: string;
  parent: string | null;
  architecture: 'api' | 'self_hosted';
  description: string | null;
  updated_at: DefaultTimestamp;
}

export interface FeatureRulesTable {
  feature: string;
  position: number;
  rule: Json<Record<string, string>>;
}

export interface FeatureMonthlyResultsTable {
  month: DateString;
  feature: string;
  architecture: 'api' | 'self_hosted';
  requests: DefaultInt8;
  input_tokens: DefaultInt8;
  cached_input_tokens: DefaultInt8;
  output_tokens: DefaultInt8;
  actual_cost: Numeric;
  currency: string;
  blended_rate_per_1m: NullableNumeric;
  blended_rate_per_1m_output: NullableNumeric;
  idle_cost: NullableNumeric;
  overhead_cost: NullableNumeric;
  counterfactual_architecture: string | null;
  counterfactual_cost: NullableNumeric;
  counterfactual_rate_per_1m: NullableNumeric;
  break_even_tokens_per_month: NullableNumeric;
  break_even_binding: string | null;
  recommendation: string | null;
  recommendation_reason: string | null;
  data_months: ColumnType<number, number | undefined, number>;
  assumptions: DefaultJson<Record<string, unknown>>;
  computed_at: Timestamp;
  hybrid_replicas: number | null;
  hybrid_cost: NullableNumeric;
  hybrid_local_share: number | null;
  unpriced_tokens: DefaultInt8;
  fully_loaded_cost: NullableNumeric;
  recommended_saving: NullableNumeric;
  binding_factor: string | null;
}

export interface DeploymentMonthlyTable {
  month: DateString;
  deployment: string;
  feature: string | null;
  currency: string;
  gpu_count: number | null;
  gpu_hours: number | null;
  gpu_cost: Numeric;
  idle_cost: Numeric;
  idle_hours: ColumnType<number, number | undefined, number>;
  gpu_utilization: number | null;
  token_utilization: number | null;
  measured_tps_per_gpu: number | null;
  profile_tps_per_gpu: number | null;
  throughput_source: string | null;
  kv_cache_usage_avg: number | null;
  kv_cache_usage_p95: number | null;
  prefix_cache_hit_rate: number | null;
  batch_depth_avg: number | null;
  queue_depth_avg: number | null;
  requests: DefaultInt8;
  tokens: DefaultInt8;
  cost_per_request: NullableNumeric;
  tokens_per_request: number | null;
  computed_at: Timestamp;
  utilization_tax: NullableNumeric;
  break_even_tokens_per_month: NullableNumeric;
  hybrid_replicas: number | null;
  hybrid_cost: NullableNumeric;
  counterfactual_api_cost: NullableNumeric;
  effective_gpu_hour_cost: NullableNumeric;
  features: string[] | null;
  ttft_p95_seconds: number | null;
  e2e_p95_seconds: number | null;
  preemptions: NullableInt8;
  slo_ttft_p95_seconds: number | null;
  slo_e2e_p95_seconds: number | null;
  slo_busy_hours: number | null;
  slo_violation_hours: number | null;
  capacity_tps_per_replica: number | null;
  capacity_source: string | null;
  capacity_at_slo_tps_per_replica: number | null;
  profile_tps_per_replica: number | null;
  slo_compliant_tps_per_replica: number | null;
  slo_violating_tps_per_replica: number | null;
  capacity_reason: string | null;
  replicas: number | null;
  recommended_replicas: number | null;
  right_sizing_saving: NullableNumeric;
}

export interface ReconciliationMonthlyTable {
  month: DateString;
  provider: string;
  currency: string;
  invoice_cost: Numeric;
  estimated_cost: NullableNumeric;
  gap: NullableNumeric;
  unpriced_tokens: DefaultInt8;
  unattributed_cost: Numeric;
  usage_without_cost: ColumnType<boolean, boolean | undefined, boolean>;
  cost_without_usage: ColumnType<boolean, boolean | undefined, boolean>;
  computed_at: Timestamp;
  overlap_skipped_cost: ColumnType<string, string | number | undefined, string | number>;
  /** List-price amount of the lines that report one, and list − effective of those lines (NULL: none does). */
  list_cost: ColumnType<string | null, string | null | undefined, string | null>;
  discount: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface UsageDimsTable {
  dim_id: Generated<string>;
  dim_key: string;
  provider: string;
  account: string;
  project_id: string | null;
  api_key_id: string | null;
  workspace_id: string | null;
  model: string | null;
  service_tier: string | null;
  batch: boolean | null;
  context_window: string | null;
  feature: string | null;
}

export interface ServingDimsTable {
  deployment: string;
  model: string;
  feature: string | null;
}

export interface UsageRollupDailyTable {
  day: DateString;
  dim_id: string;
  uncached_input_tokens: Int8;
  cache_read_tokens: Int8;
  cache_write_tokens: Int8;
  cache_write_1h_tokens: Int8;
  output_tokens: Int8;
  requests: Int8;
}

export interface UsageLoadHourlyTable {
  hour: Timestamp;
  provider: string;
  feature: string;
  tokens: number;
}

export interface RollupStateTable {
  month: DateString;
  load_stale: ColumnType<boolean, boolean | undefined, boolean>;
  activity_stale: ColumnType<boolean, boolean | undefined, boolean>;
}

export interface MonthActivityTable {
  month: DateString;
  feature: string;
  days: number;
}

export interface AllocationLedgerTable {
  month: DateString;
  line_id: string | number;
  feature: string;
  day: DateString;
  idle: boolean;
  effective_cost: Numeric;
  billed_cost: Numeric;
  currency: string;
}

export interface ReportsTable {
  id: Generated<string>;
  month: DateString;
  inputs_digest: string;
  subject: string;
  html: string;
  text: string;
  csv: string;
  created_at: DefaultTimestamp;
}

export interface ReportDeliveriesTable {
  id: Generated<string>;
  month: DateString;
  recipient: string;
  report_id: string | number | null;
  status: 'sending' | 'sent' | 'failed' | 'unknown';
  message_id: string | null;
  attempts: ColumnType<number, number | undefined, number>;
  error: string | null;
  sent_at: Timestamp | null;
  updated_at: DefaultTimestamp;
}

/** OpenCost /allocation: GPU-hours per deployment, node and hour (shares, not money). */
export interface OpencostGpuAllocationsTable {
  hour: Timestamp;
  hour_end: Timestamp;
  cluster: ColumnType<string, string | undefined, string>;
  node: ColumnType<string, string | undefined, string>;
  namespace: ColumnType<string, string | undefined, string>;
  deployment: string;
  node_pool: ColumnType<string, string | undefined, string>;
  gpu_hours: Numeric;
  gpu_request_average: NullableNumeric;
  gpu_cost_list: NullableNumeric;
  total_cost_list: NullableNumeric;
  extra: DefaultJson<Record<string, unknown>>;
  ingested_at: DefaultTimestamp;
}

/** OpenCost idle per node and hour. */
export interface OpencostGpuIdleTable {
  hour: Timestamp;
  hour_end: Timestamp;
  cluster: ColumnType<string, string | undefined, string>;
  node: ColumnType<string, string | undefined, string>;
  node_pool: ColumnType<string, string | undefined, string>;
  gpu_hours: NullableNumeric;
  gpu_hours_basis: 'reported' | 'node_rate' | 'pool_rate' | 'cluster_rate' | null;
  gpu_cost_list: Numeric;
  extra: DefaultJson<Record<string, unknown>>;
  ingested_at: DefaultTimestamp;
}

/** OpenCost /inferenceCost/total per model and window, at list (cross-check only). */
export interface OpencostInferenceCostsTable {
  window_start: Timestamp;
  window_end: Timestamp;
  model_name: string;
  model_version: ColumnType<string, string | undefined, string>;
  namespace: ColumnType<string, string | undefined, string>;
  cluster: ColumnType<string, string | undefined, string>;
  cost_basis: string;
  total_cost_list: NullableNumeric;
  prompt_tokens: NullableNumeric;
  generation_tokens: NullableNumeric;
  total_tokens: NullableNumeric;
  cost_per_million_tokens: NullableNumeric;
  input_cost_per_million_tokens: NullableNumeric;
  output_cost_per_million_tokens: NullableNumeric;
  allocation_method: string | null;
  extra: DefaultJson<Record<string, unknown>>;
  ingested_at: DefaultTimestamp;
}

/** A vendor's hard spend limit per scope, as last read (migrations/20261202004000_spend_limits.ts). */
export interface SpendLimitsTable {
  source: string;
  account: ColumnType<string, string | undefined, string>;
  scope: 'organization' | 'project';
  scope_id: ColumnType<string, string | undefined, string>;
  threshold_amount: Numeric;
  currency: string;
  interval: string | null;
  enforcement_status: string | null;
  raw: DefaultJson<Record<string, unknown>>;
  fetched_at: Timestamp;
}

/** A model's shutdown date as a vendor's API last reported it (migrations/20261202010000_model_shutdowns.ts). */
export interface ModelShutdownsTable {
  provider: string;
  model: string;
  /** YYYY-MM-DD. */
  shutdown_date: DateString;
  /** Where the date was read, as the report names it. */
  source: string;
  fetched_at: Timestamp;
}

export interface Database extends ChannelsAndAlertsTables {
  raw_payloads: RawPayloadsTable;
  sync_state: SyncStateTable;
  ingestion_runs: IngestionRunsTable;
  usage_facts: UsageFactsTable;
  cost_line_items: CostLineItemsTable;
  serving_metrics: ServingMetricsTable;
  gpu_metrics: GpuMetricsTable;
  serving_latency_hourly: ServingLatencyHourlyTable;
  features: FeaturesTable;
  feature_rules: FeatureRulesTable;
  feature_monthly_results: FeatureMonthlyResultsTable;
  deployment_monthly: DeploymentMonthlyTable;
  reconciliation_monthly: ReconciliationMonthlyTable;
  reports: ReportsTable;
  report_deliveries: ReportDeliveriesTable;
  usage_dims: UsageDimsTable;
  serving_dims: ServingDimsTable;
  usage_rollup_daily: UsageRollupDailyTable;
  usage_load_hourly: UsageLoadHourlyTable;
  rollup_state: RollupStateTable;
  month_activity: MonthActivityTable;
  allocation_ledger: AllocationLedgerTable;
  spend_limits: SpendLimitsTable;
  model_shutdowns: ModelShutdownsTable;
  opencost_gpu_allocations: OpencostGpuAllocationsTable;
  opencost_gpu_idle: OpencostGpuIdleTable;
  opencost_inference_costs: OpencostInferenceCostsTable;
}

/** A normalized usage fact: its grouping columns and values; the write path resolves dim_id. */
export type UsageFactInsert = Omit<Insertable<UsageFactsTable>, 'dim_id'>;
export type CostLineItemInsert = Insertable<CostLineItemsTable>;
export type ServingMetricInsert = Insertable<ServingMetricsTable>;
export type GpuMetricInsert = Insertable<GpuMetricsTable>;
export type ServingLatencyInsert = Insertable<ServingLatencyHourlyTable>;
export type OpencostAllocationInsert = Insertable<OpencostGpuAllocationsTable>;
export type OpencostIdleInsert = Insertable<OpencostGpuIdleTable>;
export type OpencostInferenceInsert = Insertable<OpencostInferenceCostsTable>;
export type FeatureMonthlyRow = Selectable<FeatureMonthlyResultsTable>;

/** One claimed send on a delivery channel (migrations/20261202002000_channels_and_alerts.ts). */
export interface ChannelDeliveriesTable {
  id: Generated<string>;
  subject: string;
  channel: 'email' | 'slack';
  recipient: string;
  report_id: string | number | null;
  status: 'sending' | 'sent' | 'failed';
  message_id: string | null;
  attempts: ColumnType<number, number | undefined, number>;
  error: string | null;
  sent_at: Timestamp | null;
  updated_at: DefaultTimestamp;
}

export interface AlertEventsTable {
  id: Generated<string>;
  alert_key: string;
  day: DateString;
  kind: 'budget' | 'spike_spend' | 'spike_tokens';
  feature: string;
  observed: string;
  threshold: string;
  baseline: string | null;
  currency: string | null;
  message: string;
  raised_at: Timestamp;
}

export interface AlertEvaluationsTable {
  day: DateString;
  evaluated_at: Timestamp;
  alerts: number;
}

export interface ChannelsAndAlertsTables {
  channel_deliveries: ChannelDeliveriesTable;
  alert_events: AlertEventsTable;
  alert_evaluations: AlertEvaluationsTable;
}
