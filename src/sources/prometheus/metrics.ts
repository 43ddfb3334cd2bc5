import { ConfigError } from '../../errors.ts';

/**
 * The metric catalog of the serving engines and DCGM, and the PromQL the connector sends. The
 * simulator recognises exactly these query strings, so they live in one place.
 *
 * Several names per field: vLLM renamed metrics across releases (kv_cache_usage_perc since 0.9.2,
 * before gpu_cache_usage_perc; prefix_cache_* before gpu_prefix_cache_*) and some releases export
 * both. Per group and hour the FIRST name in a list that has data wins, so a deployment exporting
 * both generations is never counted twice.
 */
export type Engine = 'vllm' | 'sglang' | 'tgi';

export const COUNTER_FIELDS = {
  prompt_tokens: ['vllm:prompt_tokens_total', 'sglang:prompt_tokens_total', 'tgi_request_input_length_sum'],
  generation_tokens: ['vllm:generation_tokens_total', 'sglang:generation_tokens_total', 'tgi_request_generated_tokens_sum'],
  requests: ['vllm:request_success_total', 'sglang:num_requests_total', 'sglang:e2e_request_latency_seconds_count', 'tgi_request_count'],
  prefix_cache_queries: ['vllm:prefix_cache_queries_total', 'vllm:gpu_prefix_cache_queries_total'],
  prefix_cache_hits: ['vllm:prefix_cache_hits_total', 'vllm:gpu_prefix_cache_hits_total'],
} as const satisfies Record<string, readonly string[]>;
export type CounterField = keyof typeof COUNTER_FIELDS;
export const ALL_COUNTER_NAMES: readonly string[] = Object.values(COUNTER_FIELDS).flat();

const KV_NAMES = ['vllm:kv_cache_usage_perc', 'vllm:gpu_cache_usage_perc', 'sglang:token_usage'] as const;
const RUNNING_NAMES = ['vllm:num_requests_running', 'sglang:num_running_reqs', 'tgi_batch_current_size'] as const;
const WAITING_NAMES = ['vllm:num_requests_waiting', 'sglang:num_queue_reqs', 'tgi_queue_size'] as const;

/**
 * Latency histograms (seconds) per field; the catalog names the histogram, the connector reads its
 * `_bucket` series. Every name of a field is summed (no engine exports one quantity under two names,
 * and vLLM kept these names across its V0/V1 generations, which differ in labels and bucket layouts).
 * TGI exports no per-request time to first token: its TTFT stays null, its queue time is `queue`.
 */
export const HISTOGRAM_FIELDS = {
  ttft: ['vllm:time_to_first_token_seconds', 'sglang:time_to_first_token_seconds'],
  e2e: ['vllm:e2e_request_latency_seconds', 'sglang:e2e_request_latency_seconds', 'tgi_request_duration'],
  queue: ['vllm:request_queue_time_seconds', 'sglang:queue_time_seconds', 'tgi_request_queue_duration'],
} as const satisfies Record<string, readonly string[]>;
export type HistogramField = keyof typeof HISTOGRAM_FIELDS;
export const HISTOGRAM_FIELD_NAMES = Object.keys(HISTOGRAM_FIELDS) as HistogramField[];
/** KV-cache pressure evidence: requests preempted (recomputed or swapped) per hour. */
export const PREEMPTION_NAMES = ['vllm:num_preemptions_total'] as const;
export const ALL_LATENCY_SERIES_NAMES: readonly string[] = [...Object.values(HISTOGRAM_FIELDS).flat().map((n) => `${n}_bucket`), ...PREEMPTION_NAMES];

export type GaugeField = 'kv_cache_usage_avg' | 'kv_cache_usage_p95' | 'requests_running_avg' | 'requests_waiting_avg';

/**
 * Hourly gauge statistics, aggregated over the replicas of a deployment × model on the server:
 * KV usage is a per-replica fraction → average over replicas (avg) and the worst replica's p95
 * (max of quantile_over_time); running/waiting requests add up across replicas (sum).
 */
export const GAUGE_FIELDS: Record<GaugeField, { names: readonly string[]; query: (name: string, dep: string) => string }> = {
  kv_cache_usage_avg: { names: KV_NAMES, query: (n, d) => `avg by (${d}, model_name, model) (avg_over_time(${n}[1h]))` },
  kv_cache_usage_p95: { names: KV_NAMES, query: (n, d) => `max by (${d}, model_name, model) (quantile_over_time(0.95, ${n}[1h]))` },
  requests_running_avg: { names: RUNNING_NAMES, query: (n, d) => `sum by (${d}, model_name, model) (avg_over_time(${n}[1h]))` },
  requests_waiting_avg: { names: WAITING_NAMES, query: (n, d) => `sum by (${d}, model_name, model) (avg_over_time(${n}[1h]))` },
};

export const DCGM_FIELDS = {
  gpu_util_avg: 'DCGM_FI_DEV_GPU_UTIL',
  engine_active_avg: 'DCGM_FI_PROF_GR_ENGINE_ACTIVE',
  fb_used_mib_avg: 'DCGM_FI_DEV_FB_USED',
  power_w_avg: 'DCGM_FI_DEV_POWER_USAGE',
} as const;
export type DcgmField = keyof typeof DCGM_FIELDS;

/**
 * DCGM reports a blank field as a huge sentinel (9223372036854775794 and neighbours, ~9.22e18). No real
 * reading of the fields we use comes near 1e15, so an hourly average at or above it is contaminated
 * by blanks and dropped (stored as null) rather than averaged into nonsense.
 */
export const DCGM_SENTINEL_FLOOR = 1e15;
export const isDcgmBlank = (v: number): boolean => v >= DCGM_SENTINEL_FLOOR;

export const queries = {
  /** Every known counter at once (one request); the name travels in __name__. */
  counters: (): string => `{__name__=~"${ALL_COUNTER_NAMES.join('|')}"}`,
  /** Every latency histogram bucket and the preemption counter at once (values at hour boundaries). */
  latency: (): string => `{__name__=~"${ALL_LATENCY_SERIES_NAMES.join('|')}"}`,
  /**
   * Per-name reset detection (functions drop __name__, so one name per query). 65m, not 1h: the
   * hour-start value may come from a sample up to the 5-minute lookback before the hour.
   */
  resets: (name: string): string => `resets(${name}[65m])`,
  /** Raw values of one counter at a fine step, for the hours in which it reset. */
  raw: (name: string): string => name,
  dcgmAvg: (name: string): string => `avg_over_time(${name}[1h])`,
};

export function engineOf(name: string): Engine {
  if (name.startsWith('vllm:')) return 'vllm';
  if (name.startsWith('sglang:')) return 'sglang';
  return 'tgi';
}

/** The deployment label goes into PromQL verbatim, so it must be a plain label name. */
export function checkLabelName(label: string): string {
  if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(label)) {
    throw new ConfigError(`sources.prometheus.deployment_label must be a Prometheus label name, got "${label}"`);
  }
  return label;
}
