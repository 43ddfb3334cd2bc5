/**
 * Everything a monthly report is rendered from, as plain JSON-safe data (numeric columns stay
 * decimal strings). The inputs digest is taken over this object, so it holds no "now" beyond the
 * day the month was cut off at (only for a month still in progress) and no computed_at stamps:
 * recomputing identical numbers gives the identical report.
 */
export interface FeatureRow {
  feature: string;
  architecture: string;
  requests: string;
  input_tokens: string;
  cached_input_tokens: string;
  output_tokens: string;
  actual_cost: string;
  currency: string;
  blended_rate_per_1m: string | null;
  blended_rate_per_1m_output: string | null;
  idle_cost: string | null;
  overhead_cost: string | null;
  counterfactual_architecture: string | null;
  counterfactual_cost: string | null;
  counterfactual_rate_per_1m: string | null;
  break_even_tokens_per_month: string | null;
  break_even_binding: string | null;
  recommendation: string | null;
  recommendation_reason: string | null;
  data_months: number;
  assumptions: Record<string, unknown>;
  hybrid_replicas: number | null;
  hybrid_cost: string | null;
  hybrid_local_share: number | null;
  unpriced_tokens: string;
}

export interface DeploymentRow {
  deployment: string;
  feature: string | null;
  currency: string;
  gpu_count: number | null;
  gpu_hours: number | null;
  gpu_cost: string;
  idle_cost: string;
  idle_hours: number;
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
  requests: string;
  tokens: string;
  cost_per_request: string | null;
  tokens_per_request: number | null;
}

export interface ReconciliationRow {
  provider: string;
  currency: string;
  invoice_cost: string;
  estimated_cost: string | null;
  gap: string | null;
  unpriced_tokens: string;
  unattributed_cost: string;
  usage_without_cost: boolean;
  cost_without_usage: boolean;
}

export type SpendCategory = 'api' | 'self_hosted' | 'unattributed';

export interface DailySpend {
  day: string;
  category: SpendCategory;
  currency: string;
  amount: string;
}

export interface HourlyLoad {
  deployment: string;
  /** ISO hour, UTC. */
  hour: string;
  tokens: string;
  /** GPUs reporting in DCGM that hour (null when there is no GPU telemetry). */
  gpus: number | null;
}

export interface FeatureMeta {
  name: string;
  architecture: string;
  description: string | null;
  counterfactual: string | null;
}

export interface DeploymentMeta {
  name: string;
  feature: string | null;
  profile: string;
  replicas: number;
  gpusPerReplica: number;
  tpsPerReplica: number | null;
  maxUtilization: number | null;
}

export interface SourceSync {
  source: string;
  account: string;
  watermark: string | null;
  last_success_at: string | null;
  last_error: string | null;
  last_error_at: string | null;
}

export interface FailedWindow {
  source: string;
  window_start: string;
  window_end: string;
  error: string | null;
}

export interface FxRate {
  date: string;
  from: string;
  to: string;
  rate: string;
}

export interface ReportInputs {
  month: string;
  previousMonth: string;
  currency: string;
  minMonths: number;
  /** Days of the month that have elapsed by the clock (the whole month once it is over). */
  elapsedDays: number;
  daysInMonth: number;
  features: FeatureRow[];
  previousFeatures: FeatureRow[];
  deployments: DeploymentRow[];
  previousDeployments: DeploymentRow[];
  reconciliation: ReconciliationRow[];
  featureMeta: FeatureMeta[];
  deploymentMeta: DeploymentMeta[];
  dailySpend: DailySpend[];
  hourlyLoad: HourlyLoad[];
  /** Per dataset ('openai usage', 'aws costs', 'prometheus serving', …): the days that have rows. */
  coverage: Array<{ dataset: string; days: string[] }>;
  estimatedDays: Array<{ source: string; day: string }>;
  sync: SourceSync[];
  failedWindows: FailedWindow[];
  fxRates: FxRate[];
}
