import { formatMoney, formatTokens, ZERO } from './format.ts';
import type { FeatureRow } from './inputs.ts';
import { makeViewCtx } from './view-context.ts';
import { archLabel, bindingOf, breakEvenText, recommendationLabel, recommendedSaving, totalTokens } from './view-features.ts';

/**
 * The per-feature summary the CLI prints after `demo` and `compute`: the same words, rounding and
 * saving as the report's cards (one formatter, one view of a feature_monthly row), as plain cells
 * for a text table.
 */
export interface FeatureSummary {
  header: string[];
  rows: string[][];
  /** The sum of the rows' savings, as the report's headline prints it ("$1,234.56 per month"), or null. */
  savings: string | null;
  legend: string;
}

export function featureSummary(rows: readonly FeatureRow[], currency: string, minMonths: number): FeatureSummary {
  const vc = makeViewCtx(currency, minMonths);
  let total = ZERO;
  const out = rows.map((r) => {
    const unattributed = r.feature === 'unattributed';
    const { binding, provisional } = bindingOf(r);
    const saving = recommendedSaving(r, vc);
    if (saving) total = total.plus(saving);
    const be = breakEvenText(r);
    return [
      r.feature,
      archLabel(unattributed ? 'unattributed' : r.architecture),
      vc.fmtMoney(r.actual_cost, r.currency),
      formatTokens(totalTokens(r)),
      vc.fmtRate(r.blended_rate_per_1m, r.currency),
      r.counterfactual_architecture ? vc.fmtMoney(r.counterfactual_cost, r.currency) : '—',
      be.value === '—' ? '—' : be.never ? 'never' : be.value.replace(' tokens/month', ''),
      unattributed ? 'add attribution rules' : recommendationLabel(r, minMonths),
      binding === null ? '—' : provisional ? `${binding} (so far: ${provisional})` : binding,
      saving ? formatMoney(saving, vc.currency) : '—',
    ];
  });
  return {
    header: ['feature', 'runs on', 'actual cost', 'tokens', 'per 1M', 'other arch.', 'break-even/mo', 'recommendation', 'binding factor', 'saving/mo'],
    rows: out,
    savings: total.gt(0) ? `${formatMoney(total, currency)} per month` : null,
    legend:
      'actual cost = invoiced (APIs) or amortized cloud cost (self-hosted); per 1M and other architecture = fully loaded (overhead and ops share included); saving = what following the recommendation saves, fully loaded',
  };
}
