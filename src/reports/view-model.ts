import type { Decimal } from 'decimal.js';
import { dailySpendChart, type DailySpendBar } from './charts/daily-spend.ts';
import { formatChange, formatMoney, formatMoneyDelta, formatPct, monthTitle, ZERO } from './format.ts';
import type { FeatureRow, ReportInputs } from './inputs.ts';
import { groupFeatures, orderedRows, UNATTRIBUTED, type FeatureGroup } from './rollup.ts';
import { makeViewCtx, type ViewCtx } from './view-context.ts';
import { deploymentView } from './view-deployments.ts';
import { archLabel, featureView, hasEnoughData, recommendationLabel, recommendedSaving } from './view-features.ts';
import { assumptionsView, dataQualityView, reconciliationView } from './view-quality.ts';
import type { ChartView, Kpi, MoveView, RecommendationChange, ReportView, SummaryRow } from './view-types.ts';

interface Totals {
  api: Decimal;
  self: Decimal;
  unattributed: Decimal;
  total: Decimal;
}

/**
 * Builds the fully formatted view of one month. Pure: the same inputs give the same view, byte for
 * byte. Money is summed with decimal.js after conversion into the reporting currency.
 */
export function buildReportView(inputs: ReportInputs, inputsDigest: string): ReportView {
  const vc = makeViewCtx(inputs.currency, inputs.minMonths);
  const cost = (r: FeatureRow) => vc.money(r.actual_cost, r.currency) ?? ZERO;

  const groups = groupFeatures(inputs.features, cost);
  const prevGroups = groupFeatures(inputs.previousFeatures, cost);
  const hasPrevious = inputs.previousFeatures.length > 0;
  const reconUnattributed = inputs.reconciliation.reduce((s, r) => s.plus(vc.money(r.unattributed_cost, r.currency) ?? ZERO), ZERO);
  const totals = totalsOf(inputs.features, cost, reconUnattributed);
  const prevTotals = hasPrevious ? totalsOf(inputs.previousFeatures, cost, ZERO) : null;
  const m = (v: Decimal) => formatMoney(v, vc.currency);
  const title = monthTitle(inputs.month);
  const prevTitle = monthTitle(inputs.previousMonth);
  const prevShort = inputs.previousMonth.slice(0, 4) === inputs.month.slice(0, 4) ? prevTitle.slice(0, 3) : `${prevTitle.slice(0, 3)} ${inputs.previousMonth.slice(0, 4)}`;

  const kpis: Kpi[] = [
    { label: 'Total spend', value: m(totals.total), note: prevTotals ? `${formatChange(totals.total, prevTotals.total)} vs ${prevShort}` : `no data for ${prevShort}` },
    { label: 'API', value: m(totals.api), note: prevTotals ? `${formatChange(totals.api, prevTotals.api)} vs ${prevShort}` : share(totals.api, totals.total) },
    { label: 'Self-hosted', value: m(totals.self), note: prevTotals ? `${formatChange(totals.self, prevTotals.self)} vs ${prevShort}` : share(totals.self, totals.total) },
    { label: 'Unattributed', value: m(totals.unattributed), note: `${share(totals.unattributed, totals.total)} of spend` },
  ];

  const summaryRows = summaryRowsOf(groups, prevGroups, hasPrevious, totals, vc);
  const totalRow: SummaryRow = {
    feature: 'total',
    label: 'Total',
    level: 0,
    group: true,
    architecture: '',
    spend: m(totals.total),
    share: '100%',
    change: prevTotals ? formatChange(totals.total, prevTotals.total) : '—',
    recommendation: '',
  };

  const moves = biggestMoves(inputs, cost, vc);
  const recommendationChanges = changedRecommendations(inputs, vc);
  // Exactly the sum of the cards' savings: compute's recommended_saving column (COST-MODEL §10).
  const savingsTotal = inputs.features.reduce((s, f) => s.plus(recommendedSaving(f, vc) ?? ZERO), ZERO);
  const savings = savingsTotal.gt(0) ? `${m(savingsTotal)} per month` : null;

  const meta = new Map(inputs.featureMeta.map((f) => [f.name, f]));
  const features = orderedRows(groups).map((r, i) => featureView(r, meta.get(r.feature), vc, i));

  const monthStartMs = Date.parse(`${inputs.month}-01T00:00:00Z`);
  const prevDeps = new Map(inputs.previousDeployments.map((d) => [d.deployment, d]));
  const depMeta = new Map(inputs.deploymentMeta.map((d) => [d.name, d]));
  const listRates = new Map((inputs.opencostListRates ?? []).map((r) => [r.deployment, r.listPer1M]));
  const deployments = inputs.deployments.map((d) =>
    deploymentView(d, prevDeps.get(d.deployment), depMeta.get(d.deployment), inputs.hourlyLoad, monthStartMs, inputs.daysInMonth * 24, inputs.features, vc, listRates.get(d.deployment)),
  );

  const dailyChart = dailyChartOf(inputs, vc);
  const reconciliation = reconciliationView(inputs, vc, m(totals.unattributed));
  const assumptions = assumptionsView(inputs.features, vc);
  // Last: it reports amounts the sections above could not convert.
  const dataQuality = dataQualityView(inputs, vc);

  const change = prevTotals ? ` (${formatChange(totals.total, prevTotals.total)} vs ${prevTitle})` : '';
  const partialMonth = inputs.elapsedDays < inputs.daysInMonth ? `Month in progress: figures cover ${inputs.elapsedDays} of ${inputs.daysInMonth} days.` : null;
  const headline = `${m(totals.total)} on LLM inference in ${title}${change}: ${m(totals.api)} on APIs, ${m(totals.self)} self-hosted, ${m(totals.unattributed)} unattributed.`;
  const charts = [dailyChart, ...features.map((f) => f.chart), ...deployments.map((d) => d.chart)].filter((c): c is ChartView => c !== null);
  return {
    month: inputs.month,
    monthTitle: title,
    previousMonthTitle: prevTitle,
    previousMonthShort: prevShort,
    currency: vc.currency,
    subject: `LLM break-even report, ${title}: ${m(totals.total)} spend${change}`,
    headline,
    partialMonth,
    kpis,
    moves,
    recommendationChanges,
    previousAvailable: hasPrevious,
    savings,
    summaryRows,
    totalRow,
    dailyChart,
    features,
    deployments,
    hasDeployments: deployments.length > 0,
    reconciliation,
    dataQuality,
    assumptions,
    inputsDigest,
    charts,
  };
}

function share(part: Decimal, total: Decimal): string {
  return total.isZero() ? '0%' : formatPct(part.div(total), 1);
}

function totalsOf(rows: readonly FeatureRow[], cost: (r: FeatureRow) => Decimal, reconUnattributed: Decimal): Totals {
  let api = ZERO;
  let self = ZERO;
  let unattributed: Decimal | null = null;
  for (const r of rows) {
    if (r.feature === UNATTRIBUTED) unattributed = (unattributed ?? ZERO).plus(cost(r));
    else if (r.architecture === 'self_hosted') self = self.plus(cost(r));
    else api = api.plus(cost(r));
  }
  // Compute writes unattributed spend as its own feature row; older rows only have it per provider.
  const un = unattributed ?? reconUnattributed;
  return { api, self, unattributed: un, total: api.plus(self).plus(un) };
}

function summaryRowsOf(groups: FeatureGroup[], prevGroups: FeatureGroup[], hasPrevious: boolean, totals: Totals, vc: ViewCtx): SummaryRow[] {
  const prevByRoot = new Map(prevGroups.map((g) => [g.root, g]));
  const prevByFeature = new Map(prevGroups.flatMap((g) => [...(g.parent ? [g.parent] : []), ...g.children]).map((r) => [r.feature, r]));
  const m = (v: Decimal) => formatMoney(v, vc.currency);
  const changeOf = (cur: Decimal, prev: Decimal | null) => (hasPrevious ? formatChange(cur, prev) : '—');
  const rowCost = (r: FeatureRow) => vc.money(r.actual_cost, r.currency) ?? ZERO;
  const prevCost = (name: string) => {
    const p = prevByFeature.get(name);
    return p ? rowCost(p) : null;
  };
  const out: SummaryRow[] = [];
  for (const g of groups) {
    const members = [...(g.parent ? [g.parent] : []), ...g.children];
    const archs = new Set(members.map((r) => (r.feature === UNATTRIBUTED ? 'unattributed' : r.architecture)));
    const architecture = archs.size === 1 ? archLabel([...archs][0]!) : 'Mixed';
    const prevGroup = prevByRoot.get(g.root);
    out.push({
      feature: g.root,
      label: g.root,
      level: 0,
      group: g.children.length > 0,
      architecture,
      spend: m(g.total),
      share: share(g.total, totals.total),
      change: changeOf(g.total, prevGroup ? prevGroup.total : null),
      recommendation: g.parent ? recommendationLabel(g.parent, vc.minMonths) : '—',
    });
    if (g.children.length === 0) continue;
    for (const r of members) {
      out.push({
        feature: r.feature,
        label: r === g.parent ? `${r.feature} (direct)` : r.feature,
        level: 1,
        group: false,
        architecture: archLabel(r.architecture),
        spend: m(rowCost(r)),
        share: share(rowCost(r), totals.total),
        change: changeOf(rowCost(r), prevCost(r.feature)),
        recommendation: recommendationLabel(r, vc.minMonths),
      });
    }
  }
  if (!groups.some((g) => g.root === UNATTRIBUTED)) {
    out.push({
      feature: UNATTRIBUTED,
      label: UNATTRIBUTED,
      level: 0,
      group: false,
      architecture: 'Unattributed',
      spend: m(totals.unattributed),
      share: share(totals.unattributed, totals.total),
      change: '—',
      recommendation: '—',
    });
  }
  return out;
}

/** The three largest month-over-month changes in spend, by absolute amount, per feature. */
function biggestMoves(inputs: ReportInputs, cost: (r: FeatureRow) => Decimal, vc: ViewCtx): MoveView[] {
  if (inputs.previousFeatures.length === 0) return [];
  const cur = new Map(inputs.features.map((r) => [r.feature, cost(r)]));
  const prev = new Map(inputs.previousFeatures.map((r) => [r.feature, cost(r)]));
  const names = [...new Set([...cur.keys(), ...prev.keys()])].sort();
  return names
    .map((feature) => {
      const c = cur.get(feature) ?? ZERO;
      const p = prev.get(feature) ?? null;
      return { feature, c, p, delta: c.minus(p ?? ZERO) };
    })
    .filter((x) => !x.delta.isZero())
    .sort((a, b) => b.delta.abs().comparedTo(a.delta.abs()) || (a.feature < b.feature ? -1 : 1))
    .slice(0, 3)
    .map((x) => ({
      feature: x.feature,
      delta: formatMoneyDelta(x.delta, vc.currency),
      change: formatChange(x.c, x.p),
      previous: formatMoney(x.p ?? ZERO, vc.currency),
      current: formatMoney(x.c, vc.currency),
      up: x.delta.gt(0),
    }));
}

function changedRecommendations(inputs: ReportInputs, vc: ViewCtx): RecommendationChange[] {
  if (inputs.previousFeatures.length === 0) return [];
  const prev = new Map(inputs.previousFeatures.map((r) => [r.feature, r]));
  const out: RecommendationChange[] = [];
  for (const r of inputs.features) {
    if (r.feature === UNATTRIBUTED) continue;
    const p = prev.get(r.feature);
    const to = recommendationLabel(r, vc.minMonths);
    const from = p ? recommendationLabel(p, vc.minMonths) : 'new feature';
    // "1 of 3 months" becoming "2 of 3 months", or a hybrid's local share moving a point, is not a
    // changed recommendation: what to do (architecture, replicas) is compared, not the wording.
    const undecided = (row: FeatureRow | undefined) => row !== undefined && !hasEnoughData(row, vc.minMonths);
    const decision = (row: FeatureRow) => (hasEnoughData(row, vc.minMonths) ? `${row.recommendation}|${row.recommendation === 'hybrid' ? row.hybrid_replicas : ''}` : 'undecided');
    if ((!p || decision(p) !== decision(r)) && !(undecided(r) && undecided(p))) out.push({ feature: r.feature, from, to });
  }
  return out;
}

function dailyChartOf(inputs: ReportInputs, vc: ViewCtx): ChartView | null {
  if (inputs.dailySpend.length === 0) return null;
  const estimated = new Set(inputs.estimatedDays.map((e) => e.day));
  const bars: DailySpendBar[] = [];
  for (let d = 1; d <= inputs.daysInMonth; d++) {
    const day = `${inputs.month}-${String(d).padStart(2, '0')}`;
    const sum = { api: ZERO, self_hosted: ZERO, unattributed: ZERO };
    for (const s of inputs.dailySpend) if (s.day === day) sum[s.category] = sum[s.category].plus(vc.money(s.amount, s.currency) ?? ZERO);
    bars.push({ day, api: sum.api.toNumber(), selfHosted: sum.self_hosted.toNumber(), unattributed: sum.unattributed.toNumber(), estimated: estimated.has(day) });
  }
  return {
    id: 'daily-spend',
    cid: 'daily-spend@breakeven',
    title: 'Daily spend by architecture',
    alt: `Daily spend in ${monthTitle(inputs.month)}, stacked by architecture (API, self-hosted, unattributed)`,
    svg: dailySpendChart(monthTitle(inputs.month), bars, vc.symbol),
    width: 600,
    height: 240,
  };
}


