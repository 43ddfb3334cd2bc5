import { toCsv } from './csv.ts';
import { dec } from './format.ts';
import type { ReportInputs } from './inputs.ts';
import { rootOf } from './rollup.ts';
import { breakEvenText, recommendationLabel } from './view-features.ts';

export const FEATURE_CSV_HEADER = [
  'month',
  'feature',
  'parent',
  'architecture',
  'requests',
  'input_tokens',
  'cached_input_tokens',
  'output_tokens',
  'total_tokens',
  'actual_cost',
  'currency',
  'blended_rate_per_1m',
  'blended_rate_per_1m_output',
  'idle_cost',
  'counterfactual_architecture',
  'counterfactual_cost',
  'counterfactual_rate_per_1m',
  'break_even_tokens_per_month',
  'break_even_binding',
  'recommendation',
  'recommendation_reason',
  'data_months',
  'hybrid_replicas',
  'hybrid_cost',
  'hybrid_local_share',
  'unpriced_tokens',
  'fully_loaded_cost',
  'recommended_saving',
  'binding_factor',
] as const;

/**
 * The per-feature table as CSV: one row per feature exactly as computed (so a spreadsheet can sum
 * it), children after their parent with the parent named. Money stays in the row's own currency and
 * exact decimal spelling; break-even null is spelled "never" where a break-even applies.
 */
export function featureCsv(inputs: ReportInputs, order: readonly string[]): string {
  // Same order as the HTML table (spend, rolled up), so the two read alike.
  const pos = new Map(order.map((f, i) => [f, i]));
  const rows = [...inputs.features].sort((a, b) => (pos.get(a.feature) ?? 1e9) - (pos.get(b.feature) ?? 1e9) || (a.feature < b.feature ? -1 : 1));
  return toCsv(
    FEATURE_CSV_HEADER,
    rows.map((r) => [
      inputs.month,
      r.feature,
      r.feature.includes('.') ? rootOf(r.feature) : '',
      r.feature === 'unattributed' ? 'unattributed' : r.architecture,
      r.requests,
      r.input_tokens,
      r.cached_input_tokens,
      r.output_tokens,
      dec(r.input_tokens).plus(dec(r.output_tokens)).toFixed(0),
      r.actual_cost,
      r.currency,
      r.blended_rate_per_1m,
      r.blended_rate_per_1m_output,
      r.idle_cost,
      r.counterfactual_architecture,
      r.counterfactual_cost,
      r.counterfactual_rate_per_1m,
      r.break_even_tokens_per_month ?? (breakEvenText(r).never ? 'never' : ''),
      r.break_even_binding,
      recommendationLabel(r, inputs.minMonths),
      r.recommendation_reason,
      r.data_months,
      r.hybrid_replicas,
      r.hybrid_cost,
      r.hybrid_local_share,
      r.unpriced_tokens,
      r.fully_loaded_cost,
      r.recommended_saving,
      r.binding_factor,
    ]),
  );
}
