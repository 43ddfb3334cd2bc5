import { dayRanges, dec, formatMoney, formatPct, formatRate, formatTokens, humanize, shortDay } from './format.ts';
import type { FeatureRow, ReportInputs } from './inputs.ts';
import type { ViewCtx } from './view-context.ts';
import type { AssumptionsView, DataQualityView, LabelValue, ReconciliationView } from './view-types.ts';

export function reconciliationView(inputs: ReportInputs, vc: ViewCtx, unattributedTotal: string): ReconciliationView {
  const rows = inputs.reconciliation.map((r) => {
    const inv = vc.money(r.invoice_cost, r.currency);
    const est = vc.money(r.estimated_cost, r.currency);
    const gap = r.gap !== null ? vc.money(r.gap, r.currency) : inv && est ? inv.minus(est) : null;
    const notes: string[] = [];
    if (r.usage_without_cost) notes.push('usage without a cost line');
    if (r.cost_without_usage) notes.push('cost without usage');
    if (dec(r.unpriced_tokens).gt(0)) notes.push(`${formatTokens(r.unpriced_tokens)} unpriced tokens`);
    // Older rows (computed before list prices were kept) have no list_cost.
    if (r.list_cost !== undefined && r.discount !== undefined && !dec(r.discount).isZero()) {
      notes.push(`negotiated discount ${vc.fmtMoney(r.discount, r.currency)} off ${vc.fmtMoney(r.list_cost, r.currency)} at list`);
    }
    for (const l of (inputs.spendLimits ?? []).filter((x) => x.source === r.provider)) notes.push(spendLimitNote(l));
    // Cloud bills have no usage × list price to compare with; their money is the amortized cost.
    // (An API invoice without usage has no estimate either: it says so above, and is not a cloud bill.)
    if (r.estimated_cost === null && !r.cost_without_usage) notes.push('amortized cloud cost, no list-price estimate');
    const fmt = (v: typeof gap) => (v === null ? '—' : vc.fmtMoney(v.toString(), vc.currency));
    return {
      provider: r.provider,
      invoice: vc.fmtMoney(r.invoice_cost, r.currency),
      estimate: r.estimated_cost === null ? '—' : vc.fmtMoney(r.estimated_cost, r.currency),
      gap: gap === null ? '—' : (gap.gt(0) ? '+' : '') + fmt(gap),
      gapPct: gap !== null && est && !est.isZero() ? `${gap.gt(0) ? '+' : ''}${formatPct(gap.div(est), 1)}` : null,
      notes: notes.join('; '),
    };
  });
  const unattributedByProvider = inputs.reconciliation
    .filter((r) => !dec(r.unattributed_cost).isZero())
    .map((r) => `${r.provider}: ${vc.fmtMoney(r.unattributed_cost, r.currency)}`);
  const unpriced = [
    ...inputs.features.filter((f) => dec(f.unpriced_tokens).gt(0)).map((f) => `${f.feature}: ${formatTokens(f.unpriced_tokens)} tokens without a list price`),
  ];
  return { rows, unattributed: unattributedTotal, unattributedByProvider, unpriced, empty: rows.length === 0 };
}

/** "spend limit $5,000.00 a month (organization): $1,234.56 spent this month, 24.7%" — in the limit's own currency. */
function spendLimitNote(l: NonNullable<ReportInputs['spendLimits']>[number]): string {
  const scope = l.scope === 'project' ? `project ${l.scopeId}` : l.scope;
  const per = l.interval ? ` a ${l.interval}` : '';
  const limit = dec(l.limit);
  const used = limit.gt(0) ? `, ${formatPct(dec(l.spent).div(limit), 1)}` : '';
  return `spend limit ${formatMoney(limit, l.currency)}${per} (${scope}): ${formatMoney(l.spent, l.currency)} spent this month${used}`;
}

export function dataQualityView(inputs: ReportInputs, vc: ViewCtx): DataQualityView {
  const expected: string[] = [];
  for (let d = 1; d <= inputs.elapsedDays; d++) expected.push(`${inputs.month}-${String(d).padStart(2, '0')}`);
  const coverage = inputs.coverage.map((c) => {
    const have = new Set(c.days);
    const missing = expected.filter((d) => !have.has(d));
    return { dataset: c.dataset, covered: `${expected.length - missing.length} of ${expected.length} days`, gaps: missing.length ? `missing ${dayRanges(missing)}` : null };
  });
  const issues: string[] = [];
  const covered = new Set(inputs.coverage.map((c) => c.dataset.split(' ')[0]));
  for (const s of inputs.sync) {
    if (!covered.has(s.source) && expected.length > 0) issues.push(`${s.source}: no data at all for this month.`);
  }
  const estBySource = new Map<string, string[]>();
  for (const e of inputs.estimatedDays) estBySource.set(e.source, [...(estBySource.get(e.source) ?? []), e.day]);
  for (const [source, days] of estBySource) {
    issues.push(`${source}: ${days.length} day${days.length === 1 ? '' : 's'} still estimated (${dayRanges(days)}); these costs may be restated.`);
  }
  const monthEnd = Date.UTC(Number(inputs.month.slice(0, 4)), Number(inputs.month.slice(5, 7)), 1);
  const cutoff = Math.min(monthEnd, Date.parse(`${inputs.month}-01T00:00:00Z`) + inputs.elapsedDays * 86_400_000);
  for (const s of inputs.sync) {
    const name = s.account === 'default' ? s.source : `${s.source} (${s.account})`;
    if (s.watermark === null) issues.push(`${name}: never synced; its data may be missing.`);
    else if (Date.parse(s.watermark) < cutoff) issues.push(`${name}: synced only through ${shortDay(s.watermark.slice(0, 10))}; later data may still arrive.`);
    if (s.open_error) issues.push(`${name}: last pull failed: ${s.open_error}`);
  }
  for (const w of inputs.failedWindows) {
    issues.push(`${w.source}: window ${w.window_start.slice(0, 16).replace('T', ' ')} – ${w.window_end.slice(0, 16).replace('T', ' ')} UTC failed and was not re-run${w.error ? ` (${w.error})` : ''}.`);
  }
  for (const r of inputs.reconciliation) {
    const skipped = vc.money(r.overlap_skipped_cost, r.currency);
    if (skipped && !skipped.isZero()) {
      issues.push(`${r.provider}: ${vc.fmtMoney(r.overlap_skipped_cost, r.currency)} not counted — the same AWS days are billed by both Cost Explorer and a FOCUS export; counted once (sources.focus.overlap).`);
    }
  }
  for (const u of inputs.unknownDeliveries ?? []) {
    issues.push(`The ${u.month} report to ${u.recipient} has an unknown delivery outcome (the SMTP server took it but never confirmed${u.messageId ? `; Message-ID ${u.messageId}` : ''}): check the inbox, or resend with \`report --send --force\`.`);
  }
  for (const cur of [...vc.unconverted].sort()) issues.push(`Amounts in ${cur} reached the report unconverted (compute converts every amount to ${vc.currency}: recompute the month); they are left out of totals.`);
  const clean = issues.length === 0 && coverage.every((c) => c.gaps === null);
  return { clean, coverage, issues };
}

export const asRecord = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** Renders any JSON value as a short "key: value" string; the assumptions' shapes may grow. */
export function describe(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.map(describe).join(', ');
  return Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => `${humanize(k.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase())}: ${describe(x)}`)
    .join(' · ');
}

/**
 * Prices, FX, profiles, overheads and throughput as recorded in each feature's `assumptions`
 * (deduplicated across features), plus FX rates this report itself applied.
 */
export function assumptionsView(features: readonly FeatureRow[], vc: ViewCtx): AssumptionsView {
  const prices = new Map<string, AssumptionsView['prices'][number]>();
  const fx = new Map<string, AssumptionsView['fx'][number]>();
  const profiles = new Map<string, string>();
  const overheads = new Map<string, LabelValue>();
  const throughput = new Map<string, string>();
  for (const f of features) {
    const a = f.assumptions;
    for (const p of Array.isArray(a.prices) ? a.prices : []) {
      const r = asRecord(p);
      const label = [r.provider, r.model].filter((x) => typeof x === 'string').join(' ') || 'price';
      const effectiveFrom = typeof r.effectiveFrom === 'string' ? r.effectiveFrom : typeof r.effective_from === 'string' ? r.effective_from : '—';
      // Catalog prices keep their own currency (genai-prices lists USD); they are shown as recorded.
      const currency = typeof r.currency === 'string' ? r.currency : 'USD';
      const rest = Object.entries(r).filter(([k]) => !['provider', 'model', 'effectiveFrom', 'effective_from', 'currency'].includes(k));
      const detail = rest.map(([k, x]) => priceField(k, x, currency)).join(' · ');
      prices.set(`${label}\u0000${effectiveFrom}\u0000${detail}`, { label, effectiveFrom, detail });
    }
    for (const x of Array.isArray(a.fx) ? a.fx : []) {
      const r = asRecord(x);
      const pair = typeof r.pair === 'string' ? r.pair : [r.from, r.to].filter(Boolean).join('/');
      fx.set(`${pair}|${describe(r.date)}`, { pair, rate: describe(r.rate), date: describe(r.date) });
    }
    for (const [name, p] of Object.entries(asRecord(a.profiles))) profiles.set(name, describe(p));
    for (const [k, v] of Object.entries(asRecord(a.overheads))) {
      overheads.set(k, { label: `Overhead, ${humanize(k)}`, value: typeof v === 'number' ? `+${formatPct(v, 0)}` : describe(v), note: null });
    }
    if (a.ops_monthly !== undefined) overheads.set('ops', { label: 'Ops, monthly (fixed)', value: vc.fmtMoney(String(a.ops_monthly), vc.currency), note: 'allocated by token share' });
    for (const [d, t] of Object.entries(asRecord(a.throughput))) throughput.set(d, describe(t));
  }
  const byKey = <T>(m: Map<string, T>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
  const view: AssumptionsView = {
    prices: byKey(prices),
    fx: byKey(fx),
    profiles: byKey(new Map([...profiles].map(([k, v]) => [k, { name: k, detail: v }]))),
    overheads: byKey(overheads),
    throughput: byKey(new Map([...throughput].map(([k, v]) => [k, { deployment: k, detail: v }]))),
    empty: false,
  };
  view.empty = !view.prices.length && !view.fx.length && !view.profiles.length && !view.overheads.length && !view.throughput.length;
  return view;
}

function priceField(key: string, value: unknown, currency: string): string {
  const label = key.replace(/Per1M$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  if (/Per1M$/.test(key) && (typeof value === 'string' || typeof value === 'number') && Number.isFinite(Number(value))) {
    return `${humanize(label)} ${formatRate(String(value), currency)}/1M`;
  }
  return `${humanize(label)}: ${describe(value)}`;
}

