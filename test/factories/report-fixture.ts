import type {
  DailySpend,
  DeploymentRow,
  FeatureRow,
  HourlyLoad,
  ReconciliationRow,
  ReportInputs,
} from '../../src/reports/inputs.ts';

/**
 * A month of computed results for the demo company (October 2026 by default), as the report's
 * inputs. Deterministic: no randomness, no clock. `seedReportFixture` writes the same data into a
 * database so integration tests can compare what the report says with what the tables hold.
 */
export interface FixtureOptions {
  month?: string;
  /** false: only API features (no self-hosted rows, deployments or serving metrics). */
  selfHosted?: boolean;
  /** Overrides data_months for every feature (e.g. 1 for the insufficient-data variant). */
  dataMonths?: number;
  withPrevious?: boolean;
  extraFeatures?: FeatureRow[];
}

const SONNET = { provider: 'anthropic', model: 'claude-sonnet-4-20250514', effectiveFrom: '2025-05-22', inputPer1M: '3', cachedInputPer1M: '0.30', outputPer1M: '15' };
const HAIKU = { provider: 'anthropic', model: 'claude-3-5-haiku-20241022', effectiveFrom: '2024-11-04', inputPer1M: '0.80', cachedInputPer1M: '0.08', outputPer1M: '4' };
const GPT41 = { provider: 'openai', model: 'gpt-4.1', effectiveFrom: '2025-04-14', inputPer1M: '2', cachedInputPer1M: '0.50', outputPer1M: '8' };
const GPT4O = { provider: 'openai', model: 'gpt-4o', effectiveFrom: '2024-08-06', inputPer1M: '2.50', cachedInputPer1M: '1.25', outputPer1M: '10' };
const MINI = { provider: 'openai', model: 'gpt-4o-mini', effectiveFrom: '2024-07-18', inputPer1M: '0.15', cachedInputPer1M: '0.075', outputPer1M: '0.60' };

const PROFILES = {
  'llama-8b-l40s': { gpu: 'l40s', tokens_per_second: 1500, max_utilization: 0.7, min_replicas: 1, provisioning: 'autoscale', gpu_hourly: '1.861' },
  'llama-70b-h100x8': { gpu: 'h100 x8', tokens_per_second: 1200, max_utilization: 0.7, min_replicas: 1, provisioning: 'static', gpu_hourly: '6.88' },
};

function assumptions(prices: object[], breakEven: Record<string, unknown> | null, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    prices,
    fx: [{ pair: 'EUR/USD', rate: '1.1720', date: '2025-07-01' }],
    profiles: PROFILES,
    overheads: { self_hosted: 0.3, api: 0 },
    ops_monthly: '4000',
    ...(breakEven ? { break_even: breakEven } : {}),
    ...extra,
  };
}

const BE_70B = { capacityPerReplicaMonth: 2249856000, replicaMonthCost: '40949.76', selfCostPer1MAtFullCapacity: '23.66', simpleVolume: null };
const BE_8B = { capacityPerReplicaMonth: 2812320000, replicaMonthCost: '1384.58', selfCostPer1MAtFullCapacity: '0.64', opsFixed: '100' };

export function featureRow(over: Partial<FeatureRow> & { feature: string }): FeatureRow {
  return {
    architecture: 'api',
    requests: '0',
    input_tokens: '0',
    cached_input_tokens: '0',
    output_tokens: '0',
    actual_cost: '0',
    currency: 'USD',
    blended_rate_per_1m: null,
    blended_rate_per_1m_output: null,
    idle_cost: null,
    overhead_cost: null,
    counterfactual_architecture: null,
    counterfactual_cost: null,
    counterfactual_rate_per_1m: null,
    break_even_tokens_per_month: null,
    break_even_binding: null,
    recommendation: null,
    recommendation_reason: null,
    fully_loaded_cost: null,
    recommended_saving: null,
    binding_factor: null,
    data_months: 4,
    assumptions: {},
    hybrid_replicas: null,
    hybrid_cost: null,
    hybrid_local_share: null,
    unpriced_tokens: '0',
    ...over,
  };
}

function currentFeatures(selfHosted: boolean): FeatureRow[] {
  const rows: FeatureRow[] = [
    featureRow({
      feature: 'support-chat', requests: '498000', input_tokens: '1593600000', cached_input_tokens: '876480000', output_tokens: '159360000',
      actual_cost: '4785.41', blended_rate_per_1m: '2.7296', blended_rate_per_1m_output: '30.0289',
      counterfactual_architecture: 'self_hosted', counterfactual_cost: '54934.69', counterfactual_rate_per_1m: '31.3347',
      break_even_binding: 'price', recommendation: 'api', recommendation_reason: 'API is 11× cheaper per token than a 70B node at full capacity',
      fully_loaded_cost: '4785.41', recommended_saving: '0', binding_factor: 'price',
      assumptions: assumptions([SONNET], { ...BE_70B, apiPricePer1M: '2.7296' }),
    }),
    featureRow({
      feature: 'support-chat.guardrail', requests: '498000', input_tokens: '398400000', cached_input_tokens: '0', output_tokens: '9960000',
      actual_cost: '358.56', blended_rate_per_1m: '0.8781', blended_rate_per_1m_output: '36.0000',
      counterfactual_architecture: 'self_hosted', counterfactual_cost: '1899.95', counterfactual_rate_per_1m: '4.6528',
      break_even_tokens_per_month: '2163762669', break_even_binding: 'volume', recommendation: 'api', recommendation_reason: 'Volume fills 15% of one L40S replica',
      fully_loaded_cost: '358.56', recommended_saving: '0', binding_factor: 'volume',
      assumptions: assumptions([HAIKU], { ...BE_8B, apiPricePer1M: '0.8781', simpleVolume: 1577000000 }),
    }),
    featureRow({
      feature: 'doc-summarizer', requests: '62000', input_tokens: '2800000000', cached_input_tokens: '400000000', output_tokens: '300000000',
      actual_cost: '2450.00', blended_rate_per_1m: '0.7903', blended_rate_per_1m_output: '8.1667',
      counterfactual_architecture: 'self_hosted', counterfactual_cost: '3584.00', counterfactual_rate_per_1m: '1.1561',
      break_even_tokens_per_month: '2331645570', break_even_binding: 'capacity', recommendation: 'hybrid',
      recommendation_reason: 'One L40S replica covers 78% of the nightly batch; the remainder is cheaper on the Batch API',
      hybrid_replicas: 1, hybrid_cost: '2142.18', hybrid_local_share: 0.78,
      fully_loaded_cost: '2450.00', recommended_saving: '307.82', binding_factor: 'utilization',
      assumptions: assumptions([GPT4O], { ...BE_8B, apiPricePer1M: '0.7903', simpleVolume: 1878000000 }),
    }),
    featureRow({
      feature: 'code-review', requests: '41000', input_tokens: '1230000000', cached_input_tokens: '310000000', output_tokens: '164000000',
      actual_cost: '6840.25', blended_rate_per_1m: '4.9069', blended_rate_per_1m_output: '41.7088',
      counterfactual_architecture: 'self_hosted', counterfactual_cost: '54934.69', counterfactual_rate_per_1m: '39.4079',
      break_even_binding: 'price', recommendation: 'api', recommendation_reason: 'A 70B node costs $23.66 per 1M at full capacity',
      fully_loaded_cost: '6840.25', recommended_saving: '0', binding_factor: 'price',
      assumptions: assumptions([GPT41], { ...BE_70B, apiPricePer1M: '4.9069' }),
    }),
    featureRow({
      feature: 'unattributed', requests: '9100', input_tokens: '36000000', cached_input_tokens: '0', output_tokens: '4000000',
      actual_cost: '182.35', blended_rate_per_1m: '4.5588', blended_rate_per_1m_output: '45.5875', unpriced_tokens: '1200000',
    }),
  ];
  if (selfHosted) {
    rows.push(
      featureRow({
        feature: 'internal-copilot', architecture: 'self_hosted', requests: '210000', input_tokens: '1050000000', cached_input_tokens: '430500000',
        output_tokens: '200000000', actual_cost: '4184.50', blended_rate_per_1m: '3.3476', blended_rate_per_1m_output: '20.9225',
        idle_cost: '1120.40', overhead_cost: '965.65', counterfactual_architecture: 'api', counterfactual_cost: '312.20', counterfactual_rate_per_1m: '0.2498',
        break_even_binding: 'capacity', recommendation: 'api', recommendation_reason: 'Two L40S replicas run at 22% token utilization',
        fully_loaded_cost: '5150.15', recommended_saving: '0', binding_factor: null,
        data_months: 2,
        assumptions: assumptions([MINI], { ...BE_8B, apiPricePer1M: '0.2498' }, {
          throughput: { 'copilot-vllm': { measured_tps_per_gpu: 640, profile_tps_per_gpu: 1500, source: 'measured' } },
        }),
      }),
      featureRow({
        feature: 'search-rerank', architecture: 'self_hosted', requests: '96000', input_tokens: '290000000', cached_input_tokens: '34800000',
        output_tokens: '20000000', actual_cost: '52518.27', blended_rate_per_1m: '169.4138', blended_rate_per_1m_output: '2625.9135',
        idle_cost: '21400.00', overhead_cost: '12119.60', counterfactual_architecture: 'api', counterfactual_cost: '1146.40', counterfactual_rate_per_1m: '3.6981',
        break_even_binding: 'price', recommendation: 'api', recommendation_reason: 'The 8×H100 node serves 7% of its capacity',
        fully_loaded_cost: '64637.87', recommended_saving: '63491.47', binding_factor: 'utilization',
        assumptions: assumptions([SONNET], { ...BE_70B, apiPricePer1M: '3.6981' }, {
          throughput: { 'rerank-70b': { measured_tps_per_gpu: 15, profile_tps_per_gpu: 150, source: 'measured' } },
        }),
      }),
    );
  }
  return rows;
}

function previousFeatures(selfHosted: boolean): FeatureRow[] {
  const scale: Record<string, string> = {
    'support-chat': '4620.10', 'support-chat.guardrail': '341.02', 'doc-summarizer': '2388.75', 'code-review': '5210.40',
    unattributed: '95.10', 'internal-copilot': '4090.00', 'search-rerank': '52518.27',
  };
  return currentFeatures(selfHosted).map((r) => ({
    ...r,
    actual_cost: scale[r.feature] ?? r.actual_cost,
    data_months: Math.max(0, r.data_months - 1),
    recommendation: r.feature === 'search-rerank' ? 'self_hosted' : r.feature === 'doc-summarizer' ? 'api' : r.recommendation,
  }));
}

function deploymentRow(over: Partial<DeploymentRow> & { deployment: string }): DeploymentRow {
  return {
    feature: null, currency: 'USD', gpu_count: null, gpu_hours: null, gpu_cost: '0', idle_cost: '0', idle_hours: 0,
    gpu_utilization: null, token_utilization: null, measured_tps_per_gpu: null, profile_tps_per_gpu: null, throughput_source: null,
    kv_cache_usage_avg: null, kv_cache_usage_p95: null, prefix_cache_hit_rate: null, batch_depth_avg: null, queue_depth_avg: null,
    requests: '0', tokens: '0', cost_per_request: null, tokens_per_request: null,
    utilization_tax: null, break_even_tokens_per_month: null, hybrid_replicas: null, hybrid_cost: null, counterfactual_api_cost: null,
    effective_gpu_hour_cost: null, features: null,
    ttft_p95_seconds: null, e2e_p95_seconds: null, preemptions: null, slo_ttft_p95_seconds: null, slo_e2e_p95_seconds: null,
    slo_busy_hours: null, slo_violation_hours: null, capacity_tps_per_replica: null, capacity_source: null,
    capacity_at_slo_tps_per_replica: null, profile_tps_per_replica: null, slo_compliant_tps_per_replica: null,
    slo_violating_tps_per_replica: null, capacity_reason: null, replicas: null, recommended_replicas: null, right_sizing_saving: null,
    ...over,
  };
}

export function fixtureDeployments(): DeploymentRow[] {
  return [
    deploymentRow({
      deployment: 'copilot-vllm', feature: 'internal-copilot', gpu_count: 2, gpu_hours: 1102, gpu_cost: '2050.82', idle_cost: '1120.40', idle_hours: 402,
      gpu_utilization: 0.31, token_utilization: 0.22, measured_tps_per_gpu: 640, profile_tps_per_gpu: 1500, throughput_source: 'measured',
      kv_cache_usage_avg: 0.18, kv_cache_usage_p95: 0.52, prefix_cache_hit_rate: 0.41, batch_depth_avg: 6.2, queue_depth_avg: 0.04,
      requests: '210000', tokens: '1250000000', cost_per_request: '0.0199', tokens_per_request: 5952.4, utilization_tax: '1599.64',
    }),
    deploymentRow({
      deployment: 'rerank-70b', feature: 'search-rerank', gpu_count: 8, gpu_hours: 5952, gpu_cost: '40949.76', idle_cost: '21400.00', idle_hours: 389,
      gpu_utilization: 0.12, token_utilization: 0.07, measured_tps_per_gpu: 15, profile_tps_per_gpu: 150, throughput_source: 'measured',
      kv_cache_usage_avg: 0.06, kv_cache_usage_p95: 0.21, prefix_cache_hit_rate: 0.12, batch_depth_avg: 1.4, queue_depth_avg: 0,
      requests: '96000', tokens: '310000000', cost_per_request: '0.5471', tokens_per_request: 3229.2, utilization_tax: '38083.28',
    }),
  ];
}

export function fixtureReconciliation(): ReconciliationRow[] {
  return [
    { provider: 'anthropic', currency: 'USD', invoice_cost: '5143.97', estimated_cost: '5120.65', gap: '23.32', unpriced_tokens: '0', unattributed_cost: '0', usage_without_cost: false, cost_without_usage: false, overlap_skipped_cost: '0' },
    { provider: 'aws', currency: 'USD', invoice_cost: '42999.58', estimated_cost: null, gap: null, unpriced_tokens: '0', unattributed_cost: '0', usage_without_cost: false, cost_without_usage: false, overlap_skipped_cost: '0' },
    { provider: 'openai', currency: 'USD', invoice_cost: '9472.60', estimated_cost: '9520.35', gap: '-47.75', unpriced_tokens: '1200000', unattributed_cost: '182.35', usage_without_cost: false, cost_without_usage: false, overlap_skipped_cost: '0' },
  ];
}

const pad2 = (n: number) => String(n).padStart(2, '0');

export function daysOf(month: string): number {
  const [y, m] = month.split('-').map(Number);
  return new Date(Date.UTC(y!, m!, 0)).getUTCDate();
}

/** Weekday-heavy API spend, flat self-hosted capacity, a trickle of unattributed. Cents only. */
export function fixtureDailySpend(month: string, selfHosted: boolean): DailySpend[] {
  const out: DailySpend[] = [];
  for (let d = 1; d <= daysOf(month); d++) {
    const day = `${month}-${pad2(d)}`;
    const dow = new Date(`${day}T00:00:00Z`).getUTCDay();
    const weekday = dow !== 0 && dow !== 6;
    out.push({ day, category: 'api', currency: 'USD', amount: (weekday ? 540 + (d % 7) * 11.37 : 212.5 + d * 1.03).toFixed(2) });
    if (selfHosted) out.push({ day, category: 'self_hosted', currency: 'USD', amount: (1387.09 + (weekday ? 64.12 : 0)).toFixed(2) });
    out.push({ day, category: 'unattributed', currency: 'USD', amount: (4.1 + (d % 3) * 1.7).toFixed(2) });
  }
  return out;
}

/** Copilot: business hours, autoscaled 1→2 GPUs; rerank: a low flat load on a static 8-GPU node. */
export function fixtureHourlyLoad(month: string): HourlyLoad[] {
  const out: HourlyLoad[] = [];
  const start = Date.parse(`${month}-01T00:00:00Z`);
  for (let h = 0; h < daysOf(month) * 24; h++) {
    const at = new Date(start + h * 3_600_000);
    const hod = at.getUTCHours();
    const dow = at.getUTCDay();
    const busy = dow !== 0 && dow !== 6 && hod >= 8 && hod < 18;
    const wave = 1 + 0.25 * Math.sin(((hod - 8) / 10) * Math.PI);
    out.push({ deployment: 'copilot-vllm', hour: at.toISOString(), tokens: String(Math.round(busy ? 1150 * 3600 * wave : hod % 6 === 0 ? 40 * 3600 : 0)), gpus: busy ? 2 : 1 });
    out.push({ deployment: 'rerank-70b', hour: at.toISOString(), tokens: String(Math.round((hod >= 6 && hod < 22 ? 150 : 60) * 3600 * (1 + (h % 5) * 0.04))), gpus: 8 });
  }
  return out;
}

export function reportFixture(opts: FixtureOptions = {}): ReportInputs {
  const month = opts.month ?? '2026-10';
  const selfHosted = opts.selfHosted ?? true;
  const [y, m] = month.split('-').map(Number);
  const prev = new Date(Date.UTC(y!, m! - 2, 1)).toISOString().slice(0, 7);
  // As compute writes it: too few months means no recommendation, so no saving and no binding factor.
  const withDataMonths = (rows: FeatureRow[]) =>
    opts.dataMonths === undefined
      ? rows
      : rows.map((r) => ({ ...r, data_months: opts.dataMonths!, ...(opts.dataMonths! < 3 ? { recommended_saving: '0', binding_factor: null } : {}) }));
  const features = withDataMonths([...currentFeatures(selfHosted), ...(opts.extraFeatures ?? [])]).sort((a, b) => (a.feature < b.feature ? -1 : 1));
  const days = daysOf(month);
  const allDays = Array.from({ length: days }, (_, i) => `${month}-${pad2(i + 1)}`);
  return {
    month,
    previousMonth: prev,
    currency: 'USD',
    minMonths: 3,
    elapsedDays: days,
    daysInMonth: days,
    features,
    previousFeatures: opts.withPrevious === false ? [] : withDataMonths(previousFeatures(selfHosted)).sort((a, b) => (a.feature < b.feature ? -1 : 1)),
    deployments: selfHosted ? fixtureDeployments() : [],
    previousDeployments: selfHosted
      ? fixtureDeployments().map((d) => ({ ...d, gpu_utilization: d.gpu_utilization! - 0.04, idle_cost: d.deployment === 'copilot-vllm' ? '1302.15' : '20115.00' }))
      : [],
    reconciliation: fixtureReconciliation(),
    featureMeta: [
      { name: 'support-chat', architecture: 'api', description: 'Customer-facing support assistant (Anthropic Claude Sonnet), spiky traffic', counterfactual: 'llama-70b-h100x8' },
      { name: 'support-chat.guardrail', architecture: 'api', description: 'Safety pass on every support answer (Claude Haiku)', counterfactual: 'llama-8b-l40s' },
      { name: 'internal-copilot', architecture: 'self_hosted', description: 'Employee copilot on self-hosted Llama-3.1-8B (vLLM), business hours', counterfactual: 'openai gpt-4o-mini' },
      { name: 'doc-summarizer', architecture: 'api', description: 'Nightly document summaries through the OpenAI Batch API', counterfactual: 'llama-8b-l40s' },
      { name: 'code-review', architecture: 'api', description: 'Pull-request review bot on OpenAI gpt-4.1', counterfactual: 'llama-70b-h100x8' },
      { name: 'search-rerank', architecture: 'self_hosted', description: 'Search re-ranking on a self-hosted 70B model (one 8×H100 node)', counterfactual: 'anthropic claude-sonnet-4-20250514' },
    ],
    deploymentMeta: [
      { name: 'copilot-vllm', feature: 'internal-copilot', profile: 'llama-8b-l40s', replicas: 2, gpusPerReplica: 1, tpsPerReplica: 1500, maxUtilization: 0.7 },
      { name: 'rerank-70b', feature: 'search-rerank', profile: 'llama-70b-h100x8', replicas: 1, gpusPerReplica: 8, tpsPerReplica: 1200, maxUtilization: 0.7 },
    ],
    dailySpend: fixtureDailySpend(month, selfHosted),
    hourlyLoad: selfHosted ? fixtureHourlyLoad(month) : [],
    coverage: [
      { dataset: 'anthropic usage', days: allDays },
      { dataset: 'openai usage', days: allDays },
      { dataset: 'aws costs', days: allDays },
      ...(selfHosted ? [{ dataset: 'prometheus serving', days: allDays.filter((d) => !d.endsWith('-12') && !d.endsWith('-13')) }] : []),
    ],
    estimatedDays: selfHosted ? allDays.slice(-3).map((day) => ({ source: 'aws', day })) : [],
    sync: [
      { source: 'anthropic', account: 'default', watermark: '2026-11-23T00:00:00.000Z', open_error: null },
      { source: 'aws', account: 'default', watermark: '2026-11-23T00:00:00.000Z', open_error: null },
    ],
    failedWindows: [],
    fxRates: [
      { date: '2025-01-01', from: 'EUR', to: 'USD', rate: '1.0389' },
      { date: '2025-07-01', from: 'EUR', to: 'USD', rate: '1.1720' },
    ],
  };
}
