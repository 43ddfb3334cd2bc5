import { loadCapacityChart, type LoadPoint } from './charts/load-capacity.ts';
import { dec, formatInt, formatMoney, formatNumber, formatPct, formatRate, formatTokens } from './format.ts';
import type { DeploymentMeta, DeploymentRow, FeatureRow, HourlyLoad } from './inputs.ts';
import { slug } from './view-features.ts';
import type { ViewCtx } from './view-context.ts';
import type { DeploymentView, LabelValue } from './view-types.ts';

const pctOrDash = (v: number | null) => (v === null ? '—' : formatPct(v, 1));
const prevNote = (label: string, prev: string | null) => (prev === null || prev === '—' ? null : `${label} ${prev}`);

interface Throughput {
  measured: number | null;
  profile: number | null;
  source: string | null;
}

/** Measured vs profile tok/s per GPU: the deployment row first, else `assumptions.throughput[deployment]`. */
function throughputOf(row: DeploymentRow, features: readonly FeatureRow[]): Throughput {
  let measured = row.measured_tps_per_gpu;
  let profile = row.profile_tps_per_gpu;
  let source = row.throughput_source;
  for (const f of features) {
    const t = (f.assumptions.throughput as Record<string, Record<string, unknown>> | undefined)?.[row.deployment];
    if (!t || typeof t !== 'object') continue;
    if (measured === null && typeof t.measured_tps_per_gpu === 'number') measured = t.measured_tps_per_gpu;
    if (profile === null && typeof t.profile_tps_per_gpu === 'number') profile = t.profile_tps_per_gpu;
    if (source === null && typeof t.source === 'string') source = t.source;
  }
  return { measured, profile, source };
}

export function deploymentView(
  row: DeploymentRow,
  prev: DeploymentRow | undefined,
  meta: DeploymentMeta | undefined,
  load: readonly HourlyLoad[],
  monthStartMs: number,
  hoursInMonth: number,
  features: readonly FeatureRow[],
  vc: ViewCtx,
  /** OpenCost /inferenceCost at list, $/1M (its own currency, USD by default), when pulled. */
  opencostListPer1M?: string,
): DeploymentView {
  const c = row.currency;
  const gpuCost = vc.money(row.gpu_cost, c);
  // COST-MODEL §10: the utilization tax is what the capacity that served nothing cost, hour by hour;
  // hours without a token are its extreme case, shown beside it.
  const tax = vc.money(row.utilization_tax, c);
  const taxShare = gpuCost && tax && !gpuCost.isZero() ? formatPct(tax.div(gpuCost), 0) : null;
  const tp = throughputOf(row, features);
  const metrics: LabelValue[] = [];

  metrics.push({
    label: 'GPU cost (amortized)',
    value: vc.fmtMoney(row.gpu_cost, c),
    note: [row.gpu_count !== null ? `${row.gpu_count} GPUs` : null, row.gpu_hours !== null ? `${formatInt(Math.round(row.gpu_hours))} GPU-hours` : null, prev ? `last month ${vc.fmtMoney(prev.gpu_cost, prev.currency)}` : null]
      .filter(Boolean)
      .join(' · ') || null,
  });
  metrics.push({
    label: 'Utilization tax',
    value: tax === null ? '—' : formatMoney(tax, vc.currency),
    note: [
      taxShare ? `${taxShare} of GPU cost paid for capacity that served nothing, hour by hour` : 'no capacity or billing to measure it against',
      `of it ${vc.fmtMoney(row.idle_cost, c)} in ${formatInt(row.idle_hours)} idle hour${row.idle_hours === 1 ? '' : 's'} (no token served)`,
      prev ? `last month ${vc.fmtMoney(prev.utilization_tax, prev.currency)}` : null,
    ]
      .filter(Boolean)
      .join(' · '),
  });
  metrics.push({ label: 'GPU utilization (DCGM)', value: pctOrDash(row.gpu_utilization), note: prevNote('last month', prev ? pctOrDash(prev.gpu_utilization) : null) });
  metrics.push({ label: 'Token utilization', value: pctOrDash(row.token_utilization), note: ['tokens served ÷ capacity', prevNote('last month', prev ? pctOrDash(prev.token_utilization) : null)].filter(Boolean).join(' · ') });
  const ratio = tp.measured !== null && tp.profile ? ` (${formatPct(tp.measured / tp.profile, 0)} of profile)` : '';
  metrics.push({
    label: 'Throughput per GPU',
    value: tp.measured !== null ? `${formatNumber(tp.measured, 0)} tok/s measured` : 'not measured',
    note: [
      tp.profile !== null ? `profile ${formatNumber(tp.profile, 0)} tok/s${ratio}` : null,
      `measured = tokens served ÷ GPU-hours billed, idle hours included; sizing and break-even use ${row.capacity_source && row.capacity_source !== 'profile' ? 'the capacity at the SLO' : 'the profile capacity'}`,
    ].filter(Boolean).join(' · ') || null,
  });
  metrics.push(...sloMetrics(row, meta, vc));
  metrics.push({
    label: 'KV-cache usage',
    value: row.kv_cache_usage_avg === null ? '—' : `${formatPct(row.kv_cache_usage_avg, 0)} avg`,
    note: row.kv_cache_usage_p95 === null ? null : `p95 ${formatPct(row.kv_cache_usage_p95, 0)}`,
  });
  metrics.push({ label: 'Prefix-cache hit rate', value: pctOrDash(row.prefix_cache_hit_rate), note: prevNote('last month', prev ? pctOrDash(prev.prefix_cache_hit_rate) : null) });
  const batch = row.batch_depth_avg === null ? null : `${formatNumber(row.batch_depth_avg, 1)} running`;
  const queue = row.queue_depth_avg === null ? null : `${formatNumber(row.queue_depth_avg, 2)} waiting`;
  metrics.push({
    label: 'Batch depth / queueing',
    value: batch || queue ? `${[batch, queue].filter(Boolean).join(' · ')} (avg requests)` : '—',
    note: prev && (prev.batch_depth_avg !== null || prev.queue_depth_avg !== null)
      ? `last month ${formatNumber(prev.batch_depth_avg, 1)} running · ${formatNumber(prev.queue_depth_avg, 2)} waiting`
      : null,
  });
  metrics.push({
    label: 'Served',
    value: `${formatTokens(row.tokens)} tokens · ${formatInt(row.requests)} requests`,
    note: [
      row.cost_per_request === null ? null : `${vc.fmtRate(row.cost_per_request, c)} per request`,
      row.tokens_per_request === null ? null : `${formatNumber(row.tokens_per_request, 0)} tokens per request`,
    ].filter(Boolean).join(' · ') || null,
  });
  if (opencostListPer1M !== undefined) {
    const effective = gpuCost && Number(row.tokens) > 0 ? formatRate(gpuCost.div(String(row.tokens)).times(1e6), vc.currency) : '—';
    metrics.push({
      label: 'OpenCost cross-check',
      value: `OpenCost at list: ${formatRate(opencostListPer1M, 'USD')}/1M; at your effective rate: ${effective}/1M`,
      note: 'OpenCost /inferenceCost prices GPU-hours at list; the effective rate is this deployment’s share of the bill ÷ its tokens',
    });
  }

  // The provisioned line at the capacity sizing used (capacity at the SLO where measured, else the profile).
  const chartTps = row.capacity_tps_per_replica ?? meta?.tpsPerReplica ?? null;
  const points: LoadPoint[] = load
    .filter((l) => l.deployment === row.deployment)
    .map((l) => {
      const capacityReplicas = l.gpus !== null && meta ? l.gpus / Math.max(meta.gpusPerReplica, 1) : (meta?.replicas ?? null);
      return {
        hour: Math.round((Date.parse(l.hour) - monthStartMs) / 3_600_000),
        tokensPerSecond: Number(dec(l.tokens).div(3600).toFixed(3)),
        capacity: capacityReplicas !== null && chartTps ? capacityReplicas * chartTps : null,
      };
    });
  const chart =
    points.length > 0
      ? {
          id: `load-${slug(row.deployment)}`,
          cid: `load-${slug(row.deployment)}@breakeven`,
          title: `Hourly load vs provisioned capacity: ${row.deployment}`,
          alt: `Hourly tokens per second served by ${row.deployment} against its provisioned capacity`,
          svg: loadCapacityChart(row.deployment, hoursInMonth, points, meta?.maxUtilization ?? null),
          width: 600,
          height: 220,
        }
      : null;

  const headline = [
    row.gpu_count !== null ? `${row.gpu_count} GPUs` : null,
    meta ? `profile ${meta.profile}` : null,
    row.gpu_utilization !== null ? `${formatPct(row.gpu_utilization, 0)} GPU utilization` : null,
  ]
    .filter(Boolean)
    .join(' · ');
  return {
    deployment: row.deployment,
    // A shared deployment serves several features: name them all.
    feature: row.features && row.features.length > 0 ? row.features.join(', ') : row.feature,
    headline,
    utilizationTax: tax ? formatMoney(tax, vc.currency) : vc.fmtMoney(row.utilization_tax, c),
    metrics,
    chart,
  };
}

const seconds = (v: number | null) => (v === null ? null : `${formatNumber(v, v < 10 ? 2 : 1)} s`);
const tps = (v: number) => `${formatNumber(v, 0)} tok/s`;

/** The latency SLO as a phrase: "TTFT p95 ≤ 3 s, e2e p95 ≤ 15 s" (null when none is set). */
function sloText(row: DeploymentRow): string | null {
  const parts = [
    row.slo_ttft_p95_seconds !== null ? `TTFT p95 ≤ ${seconds(row.slo_ttft_p95_seconds)}` : null,
    row.slo_e2e_p95_seconds !== null ? `e2e p95 ≤ ${seconds(row.slo_e2e_p95_seconds)}` : null,
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : null;
}

/**
 * COST-MODEL §11 lines: the month's p95 latencies, the capacity at the SLO sizing used (beside the
 * profile's figure, with its evidence) and right-sizing ("2 × L40S run at 12 %: 1 replica meets the
 * SLO, saving $…/month").
 */
function sloMetrics(row: DeploymentRow, meta: DeploymentMeta | undefined, vc: ViewCtx): LabelValue[] {
  const out: LabelValue[] = [];
  const slo = sloText(row);
  if (row.ttft_p95_seconds !== null || row.e2e_p95_seconds !== null) {
    out.push({
      label: 'Latency (p95 over the month)',
      value: [row.ttft_p95_seconds !== null ? `TTFT ${seconds(row.ttft_p95_seconds)}` : null, row.e2e_p95_seconds !== null ? `e2e ${seconds(row.e2e_p95_seconds)}` : null].filter(Boolean).join(' · '),
      note: [
        slo ? `SLO ${slo}` : null,
        row.slo_violation_hours !== null && slo ? `${formatInt(row.slo_violation_hours)} hour${row.slo_violation_hours === 1 ? '' : 's'} broke it` : null,
        row.preemptions !== null && Number(row.preemptions) > 0 ? `${formatInt(row.preemptions)} preemptions (KV-cache pressure)` : null,
      ].filter(Boolean).join(' · ') || null,
    });
  }
  if (row.capacity_tps_per_replica === null || row.capacity_source === null) return out;
  if (slo) out.push(capacityLine(row, slo));
  return [...out, ...rightSizingLine(row, meta, vc)];
}

/** "measured at your SLO: X tok/s per replica (profile: Y)", with the SLO and the evidence. */
function capacityLine(row: DeploymentRow, slo: string): LabelValue {
  const cap = row.capacity_tps_per_replica!;
  const profile = row.profile_tps_per_replica;
  const value =
    row.capacity_source === 'measured'
      ? `measured at your SLO: ${tps(cap)} per replica${profile !== null ? ` (profile: ${formatNumber(profile, 0)})` : ''}`
      : row.capacity_source === 'lower_bound'
        ? `at least ${tps(cap)} per replica at your SLO${profile !== null ? ` (profile: ${formatNumber(profile, 0)})` : ''}`
        : `profile: ${tps(cap)} per replica`;
  const evidence = [
    row.slo_compliant_tps_per_replica !== null ? `busiest hour within the SLO ${tps(row.slo_compliant_tps_per_replica)}` : null,
    row.slo_violating_tps_per_replica !== null ? `least busy hour over it ${tps(row.slo_violating_tps_per_replica)}` : null,
  ].filter(Boolean);
  return {
    label: 'Capacity at your SLO',
    value,
    note: [`SLO ${slo}`, row.slo_busy_hours !== null ? `${formatInt(row.slo_busy_hours)} busy hours` : null, ...evidence, row.capacity_source === 'profile' ? row.capacity_reason : null, 'sizing, break-even and the utilization tax use this capacity']
      .filter(Boolean)
      .join(' · '),
  };
}

/** "2 × L40S run at 12 %: 1 replica meets the SLO, saving $…/month" (none without right-sizing figures). */
function rightSizingLine(row: DeploymentRow, meta: DeploymentMeta | undefined, vc: ViewCtx): LabelValue[] {
  if (row.capacity_tps_per_replica === null || row.recommended_replicas === null || row.replicas === null || row.right_sizing_saving === null) return [];
  const cap = row.capacity_tps_per_replica;
  const gpu = meta?.gpu ? meta.gpu.toUpperCase() : 'replica';
  const perReplica = meta && meta.gpusPerReplica > 1 ? `${meta.gpusPerReplica}×${gpu}` : gpu;
  const fleet = `${row.replicas} × ${perReplica}${row.token_utilization !== null ? ` run at ${formatPct(row.token_utilization, 0)}` : ''}`;
  const n = row.recommended_replicas;
  const replicas = `${meta?.provisioning === 'autoscale' ? 'autoscaling up to ' : ''}${n} replica${n === 1 ? '' : 's'}`;
  const meets = row.capacity_source === 'profile' ? `${n === 1 ? 'carries' : 'carry'} the load at the profile's ${tps(cap)}` : `${n === 1 ? 'meets' : 'meet'} the SLO`;
  const saving = vc.money(row.right_sizing_saving, row.currency);
  const amount = saving ? formatMoney(saving.abs(), vc.currency) : vc.fmtMoney(row.right_sizing_saving, row.currency);
  const verdict = saving === null ? `saving ${amount}/month` : saving.isZero() ? 'right-sized' : saving.isNegative() ? `${amount} more per month` : `saving ${amount}/month`;
  return [{
    label: 'Right-sizing',
    value: `${fleet}: ${replicas} ${meets}, ${verdict}`,
    note: `${tps(cap)} per replica × ${meta?.maxUtilization !== null && meta?.maxUtilization !== undefined ? formatPct(meta.maxUtilization, 0) : 'max'} utilization, ${meta?.provisioning === 'autoscale' ? 'hour by hour (autoscale)' : "at the month's peak hour (static)"}`,
  }];
}
