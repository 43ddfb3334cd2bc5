import { loadCapacityChart, type LoadPoint } from './charts/load-capacity.ts';
import { dec, formatInt, formatMoney, formatNumber, formatPct, formatTokens } from './format.ts';
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
    note: [tp.profile !== null ? `profile ${formatNumber(tp.profile, 0)} tok/s${ratio}` : null, 'measured = tokens served ÷ GPU-hours billed, idle hours included; sizing and break-even use the profile capacity'].filter(Boolean).join(' · ') || null,
  });
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

  const points: LoadPoint[] = load
    .filter((l) => l.deployment === row.deployment)
    .map((l) => {
      const capacityReplicas = l.gpus !== null && meta ? l.gpus / Math.max(meta.gpusPerReplica, 1) : (meta?.replicas ?? null);
      return {
        hour: Math.round((Date.parse(l.hour) - monthStartMs) / 3_600_000),
        tokensPerSecond: Number(dec(l.tokens).div(3600).toFixed(3)),
        capacity: capacityReplicas !== null && meta?.tpsPerReplica ? capacityReplicas * meta.tpsPerReplica : null,
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
