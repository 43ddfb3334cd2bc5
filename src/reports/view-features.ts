import { breakEvenChart, breakEvenCurveFrom } from './charts/break-even.ts';
import type { LifecycleNote } from '../compute/feature-model.ts';
import { Decimal } from 'decimal.js';
import { dec, formatInt, formatMoney, formatPct, formatTokens, humanize } from './format.ts';
import type { FeatureMeta, FeatureRow } from './inputs.ts';
import { rootOf } from './rollup.ts';
import type { ViewCtx } from './view-context.ts';
import type { ChartView, FeatureView, LabelValue } from './view-types.ts';
import { asRecord } from './view-quality.ts';

export const ARCH_LABEL: Record<string, string> = { api: 'API', self_hosted: 'Self-hosted', unattributed: 'Unattributed' };
export const archLabel = (a: string): string => ARCH_LABEL[a] ?? humanize(a);

export function hasEnoughData(row: FeatureRow, minMonths: number): boolean {
  return row.data_months >= minMonths;
}

/** The recommendation as a reader-facing phrase, relative to where the feature runs today. */
export function recommendationLabel(row: FeatureRow, minMonths: number): string {
  if (row.feature === 'unattributed') return '—';
  if (!hasEnoughData(row, minMonths)) return `insufficient data: ${row.data_months} of ${minMonths} months`;
  switch (row.recommendation) {
    case null:
    case '':
      return 'no recommendation';
    case 'api':
      return row.architecture === 'api' ? 'Stay on API' : 'Move to API';
    case 'self_hosted':
      return row.architecture === 'self_hosted' ? 'Keep self-hosted' : 'Move to self-hosted';
    case 'hybrid': {
      const n = row.hybrid_replicas;
      const share = row.hybrid_local_share;
      return `Hybrid${n !== null ? `: ${n} replica${n === 1 ? '' : 's'}` : ''}${share !== null ? `, ${formatPct(share, 0)} served locally` : ''}`;
    }
    case 'insufficient_data':
      return `insufficient data: ${row.data_months} of ${minMonths} months`;
    default:
      return humanize(row.recommendation);
  }
}

/**
 * What following the recommendation saves per month: compute's `recommended_saving` (fully loaded on
 * both sides, ≥ 0), the column the headline sums (COST-MODEL §10). Null when there is none.
 */
export function recommendedSaving(row: FeatureRow, vc: ViewCtx): ReturnType<ViewCtx['money']> {
  if (!hasEnoughData(row, vc.minMonths)) return null;
  const v = vc.money(row.recommended_saving, row.currency);
  return v !== null && v.gt(0) ? v : null;
}

/** The recommendation's binding factor; for a feature with too little data, what the figures so far point to. */
export function bindingOf(row: FeatureRow): { binding: string | null; provisional: string | null } {
  if (row.binding_factor) return { binding: humanize(row.binding_factor), provisional: null };
  const rec = asRecord(row.assumptions.recommendation);
  if (rec.sufficient === false && typeof rec.binding === 'string') {
    // A required architecture does not depend on the figures.
    return { binding: humanize(rec.binding), provisional: rec.binding === 'requirement' ? archLabel('self_hosted') : provisionalLabel(row) };
  }
  return { binding: null, provisional: null };
}

/** The cheapest of today, the other architecture and a hybrid, fully loaded: where the figures so far point. */
function provisionalLabel(row: FeatureRow): string | null {
  if (row.counterfactual_cost === null) return null;
  const today = dec(row.fully_loaded_cost ?? row.actual_cost);
  const other = dec(row.counterfactual_cost);
  const hybrid = row.hybrid_replicas !== null && row.hybrid_replicas > 0 && row.hybrid_cost !== null ? dec(row.hybrid_cost) : null;
  if (hybrid && hybrid.lt(Decimal.min(today, other))) return 'hybrid';
  return archLabel(other.lt(today) ? (row.counterfactual_architecture ?? row.architecture) : row.architecture);
}

const breakEvenObj = (row: FeatureRow): Record<string, unknown> =>
  row.assumptions.break_even && typeof row.assumptions.break_even === 'object' ? (row.assumptions.break_even as Record<string, unknown>) : {};

export function totalTokens(row: FeatureRow) {
  return dec(row.input_tokens).plus(dec(row.output_tokens));
}

export function breakEvenText(row: FeatureRow): { value: string; never: boolean } {
  if (row.break_even_tokens_per_month !== null) return { value: `${formatTokens(row.break_even_tokens_per_month)} tokens/month`, never: false };
  const applicable = row.counterfactual_architecture !== null || Object.keys(breakEvenObj(row)).length > 0;
  return applicable ? { value: 'never at this price', never: true } : { value: '—', never: false };
}

export function featureView(row: FeatureRow, meta: FeatureMeta | undefined, vc: ViewCtx, index: number): FeatureView {
  const c = row.currency;
  const be = breakEvenObj(row);
  const tokens = totalTokens(row);
  const sufficient = hasEnoughData(row, vc.minMonths);
  const details: LabelValue[] = [];
  const warnings: string[] = [];

  const spendNotes: string[] = [costBasisWords(row, meta)];
  if (row.overhead_cost !== null && !dec(row.overhead_cost).isZero()) spendNotes.push(`plus ${vc.fmtMoney(row.overhead_cost, c)} overhead${row.architecture === 'self_hosted' ? ' and ops share' : ''}: ${vc.fmtMoney(row.fully_loaded_cost, c)} fully loaded`);
  if (row.idle_cost !== null && !dec(row.idle_cost).isZero()) spendNotes.push(`${vc.fmtMoney(row.idle_cost, c)} of it paid for hours that served no token (idle hours)`);
  details.push({ label: 'Spend', value: vc.fmtMoney(row.actual_cost, c), note: row.feature === 'unattributed' ? null : spendNotes.join('; ') });

  details.push({
    label: 'Volume',
    value: `${formatTokens(tokens)} tokens`,
    // Anthropic's usage report has no request counts: 0 requests with tokens means "not reported".
    note: `input ${formatTokens(row.input_tokens)} (${formatTokens(row.cached_input_tokens)} cached) · output ${formatTokens(row.output_tokens)} · ${dec(row.requests).isZero() && !tokens.isZero() ? 'requests not reported' : `${formatInt(row.requests)} requests`}`,
  });
  const rate = vc.fmtRate(row.blended_rate_per_1m, c);
  const rateOutput = vc.fmtRate(row.blended_rate_per_1m_output, c);
  details.push({
    label: 'Blended rate',
    value: row.blended_rate_per_1m === null ? '—' : `${rate} per 1M tokens`,
    note: row.blended_rate_per_1m_output === null ? null : `${rateOutput} per 1M output tokens`,
  });

  let counterfactual: string | null = null;
  if (row.counterfactual_architecture) {
    const on = meta?.counterfactual ? ` (${meta.counterfactual})` : '';
    counterfactual = `${archLabel(row.counterfactual_architecture)}${on}: ${vc.fmtMoney(row.counterfactual_cost, c)}/month`;
    // Compared with today's fully loaded cost (billed + overhead + ops share), the basis of the blended rate.
    const billed = vc.money(row.actual_cost, c);
    const actual = billed === null ? null : billed.plus(vc.money(row.overhead_cost ?? '0', c) ?? 0);
    const cf = vc.money(row.counterfactual_cost, c);
    let note = `${vc.fmtRate(row.counterfactual_rate_per_1m, c)} per 1M tokens`;
    const sizing = asRecord(row.assumptions.counterfactual).sizing;
    if (typeof sizing === 'string') note += ` · ${sizing}`;
    if (actual !== null && cf !== null && !actual.isZero()) {
      const diff = cf.minus(actual);
      const pct = formatPct(diff.abs().div(actual), 0);
      note += diff.isZero() ? ' · same as today' : ` · ${formatMoney(diff.abs(), vc.currency)} (${pct}) ${diff.isNegative() ? 'cheaper' : 'more expensive'} than today, fully loaded`;
    }
    details.push({ label: 'Counterfactual', value: counterfactual, note });
  }

  const bet = breakEvenText(row);
  // One vocabulary (COST-MODEL §10): the card names one binding factor, the recommendation's.
  const { binding, provisional } = bindingOf(row);
  if (bet.value !== '—') {
    const notes: string[] = [];
    if (bet.never && be.selfCostPer1MAtFullCapacity !== undefined && be.apiPricePer1M !== undefined) {
      notes.push(
        `self-hosting costs ${vc.fmtRate(String(be.selfCostPer1MAtFullCapacity), c)} per 1M at full capacity vs ${vc.fmtRate(String(be.apiPricePer1M), c)} on the API`,
      );
      // A capacity-free volume beside "never" only with its label.
      if (typeof be.simpleVolume === 'number') notes.push(`if one replica's capacity were unlimited: ${formatTokens(String(be.simpleVolume))}/month`);
    } else if (!bet.never && !tokens.isZero()) {
      notes.push(`this month: ${formatTokens(tokens)} (${formatPct(tokens.div(row.break_even_tokens_per_month!), 0)} of break-even)`);
    }
    if (be.capacityPerReplicaMonth !== undefined) notes.push(`one replica serves ${formatTokens(String(be.capacityPerReplicaMonth))}/month`);
    // API features carry the capacity line in their counterfactual's sizing; self-hosted ones here (COST-MODEL §11).
    const capacity = asRecord(row.assumptions.capacity_at_slo).label;
    if (row.architecture === 'self_hosted' && typeof capacity === 'string') notes.push(capacity);
    details.push({ label: 'Break-even', value: bet.value, note: notes.join(' · ') || null });
  }

  // A hybrid of 0 replicas is all-API, one that serves every token locally is all-self-hosted: neither is a hybrid.
  // A feature that requires self-hosting cannot spill to the API, so no hybrid is offered.
  if (!meta?.requires?.length && row.hybrid_replicas !== null && row.hybrid_replicas > 0 && (row.hybrid_local_share === null || row.hybrid_local_share < 0.995)) {
    const share = row.hybrid_local_share !== null ? `, ${formatPct(row.hybrid_local_share, 0)} of tokens served locally` : '';
    details.push({
      label: 'Best hybrid',
      value: `${row.hybrid_replicas} replica${row.hybrid_replicas === 1 ? '' : 's'}${share}`,
      note: row.hybrid_cost !== null ? `${vc.fmtMoney(row.hybrid_cost, c)}/month` : null,
    });
  }

  const recommendation = row.feature === 'unattributed' ? 'No rule claims this spend: add an attribution rule to give it a feature' : recommendationLabel(row, vc.minMonths);
  // compute's reason already names the recommendation's binding factor (utilization, volume, price, capacity).
  const recNotes = [row.recommendation_reason].filter((s): s is string => Boolean(s) && s !== recommendation);
  if (provisional) recNotes.push(`figures so far point to ${provisional} (binding factor: ${binding})`);
  if (meta?.requires?.length) details.push({ label: 'Requires', value: meta.requires.map(humanize).join(', '), note: 'the API is ruled out whatever the price' });
  const saving = recommendedSaving(row, vc);
  if (saving) details.push({ label: 'Saving', value: `${formatMoney(saving, vc.currency)}/month`, note: 'if the recommendation is followed, fully loaded on both sides' });
  const dataMonths = sufficient ? `${row.data_months} month${row.data_months === 1 ? '' : 's'} of data` : `insufficient data: ${row.data_months} of ${vc.minMonths} months`;
  details.push({ label: 'Data', value: dataMonths, note: null });

  if (dec(row.unpriced_tokens).gt(0)) warnings.push(`${formatTokens(row.unpriced_tokens)} tokens had no list price; the estimate leaves them out.`);
  for (const l of lifecycleNotes(row)) warnings.push(lifecycleWarning(l, row.currency, vc));

  const volume = Number(tokens.toString());
  const curve = breakEvenCurveFrom(
    row.feature,
    row.assumptions,
    volume,
    row.break_even_tokens_per_month === null ? null : Number(row.break_even_tokens_per_month),
    vc.symbol,
  );
  let chart: ChartView | null = null;
  let chartNote: string | null = null;
  if (curve) {
    const id = `break-even-${index + 1}`;
    chart = {
      id,
      cid: `${id}.${slug(row.feature)}@breakeven`,
      title: `Break-even: ${row.feature}`,
      alt: `Break-even chart for ${row.feature}: API cost line against the self-hosted step cost by monthly token volume`,
      svg: breakEvenChart(curve),
      width: 600,
      height: 260,
    };
  } else if (row.counterfactual_architecture) {
    chartNote = 'No break-even curve: the computed assumptions lack capacity or price inputs.';
  }

  const parent = row.feature.includes('.') ? rootOf(row.feature) : null;
  return {
    feature: row.feature,
    parent,
    level: parent ? 1 : 0,
    architecture: archLabel(row.feature === 'unattributed' ? 'unattributed' : row.architecture),
    description: meta?.description ?? null,
    spend: vc.fmtMoney(row.actual_cost, c),
    volume: `${formatTokens(tokens)} tokens`,
    rate,
    rateOutput,
    counterfactual,
    breakEven: bet.value,
    breakEvenNever: bet.never,
    binding,
    recommendation,
    recommendationReason: row.recommendation_reason,
    recommendationNote: row.feature === 'unattributed' ? null : recNotes.join(' · ') || null,
    sufficientData: sufficient,
    dataMonths,
    details,
    warnings,
    chart,
    chartNote,
  };
}

/** What the feature's actual cost is, in words that say where it comes from. */
function costBasisWords(row: FeatureRow, meta: FeatureMeta | undefined): string {
  const basis = meta?.costBasis ?? (row.architecture === 'self_hosted' ? 'amortized' : 'invoiced');
  if (basis === 'invoiced') return "invoiced (the provider's cost report)";
  if (basis === 'amortized') return 'amortized cloud cost (Savings Plans and RIs at their effective rate)';
  return 'billed cloud cost';
}

/** A cid-safe fragment of a name that may contain anything. */
export function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'x';
}


/** What compute stores per retirement note (`assumptions.lifecycle`, JSON). */
type LifecycleNoteView = LifecycleNote;

/** `assumptions.lifecycle` (compute's retirement notes), tolerant of older rows without it. */
function lifecycleNotes(row: FeatureRow): LifecycleNoteView[] {
  const v = (row.assumptions as Record<string, unknown>).lifecycle;
  return Array.isArray(v) ? (v.filter((x) => x && typeof x === 'object' && typeof (x as LifecycleNoteView).model === 'string') as LifecycleNoteView[]) : [];
}

/**
 * "The comparator openai gpt-4o retires on 14 Jan 2027 (shipped retirement table); successor gpt-5.1:
 * the same tokens cost $X at gpt-4o's list price, $Y at gpt-5.1's."
 */
function lifecycleWarning(l: LifecycleNoteView, currency: string, vc: ViewCtx): string {
  const what = l.role === 'comparator' ? `The comparator ${l.provider} ${l.model}` : `${l.provider} ${l.model}, which this feature runs on,`;
  const when = l.status === 'retired' ? (l.date ? `was retired on ${l.date}` : 'is retired') : `retires on ${l.date}`;
  const head = `${what} ${when} (${l.origin === 'shipped' ? 'shipped retirement table' : l.origin === 'config' ? 'models.retirements' : l.origin})`;
  if (!l.successor) return `${head}; no successor is configured: set features[].counterfactual.successor to compare against the model that replaces it.`;
  const succ = l.successor_provider && l.successor_provider !== l.provider ? `${l.successor_provider} ${l.successor}` : l.successor;
  if (l.successor_cost === null) return `${head}; successor ${succ} has no list price in the catalog, so it is not priced.`;
  const sc = vc.fmtMoney(l.successor_cost, currency);
  if (l.comparator_replaced) return `${head} and has no list price any more; the counterfactual above is priced at its successor ${succ}: ${sc}.`;
  const basis = l.role === 'comparator' ? 'the same tokens cost' : "this month's usage costs";
  return `${head}; successor ${succ}: ${basis} ${l.cost === null ? 'an unknown amount' : vc.fmtMoney(l.cost, currency)} at ${l.model}'s list price, ${sc} at ${l.successor}'s.`;
}
