import type { Ctx } from '../../context.ts';
import type { SourceConnector } from '../../ingest/sources.ts';
import { ingestWindow, type WindowResult } from '../../ingest/window.ts';
import { ConfigError } from '../../errors.ts';
import { dayWindows, startOfHour } from '../../time.ts';
import { queryRange, targetFromUrl, type PrometheusTarget } from './client.ts';
import { collectPrometheusWindow } from './collect.ts';
import { checkLabelName, GAUGE_FIELDS } from './metrics.ts';

const SOURCE = 'prometheus';

export function prometheusTarget(ctx: Pick<Ctx, 'env'>): PrometheusTarget {
  const baseUrl = ctx.env.PROMETHEUS_URL;
  if (!baseUrl) throw new ConfigError('prometheus: PROMETHEUS_URL is not set (e.g. http://prometheus:9090)');
  return targetFromUrl(baseUrl, ctx.env.PROMETHEUS_BEARER_TOKEN);
}

/**
 * Pulls [start, end) (floored to hours) in day windows, each one transaction: hourly serving metrics
 * (vLLM both generations, SGLang, TGI), latency quantiles per deployment and DCGM GPU metrics. Re-ingesting a window replaces it.
 */
export async function ingestPrometheus(ctx: Ctx, range: { start: Date; end: Date }, onWindow?: (w: WindowResult) => void): Promise<WindowResult[]> {
  const target = prometheusTarget(ctx);
  const depLabel = checkLabelName(ctx.config.sources.prometheus.deployment_label);
  const out: WindowResult[] = [];
  for (const w of dayWindows(startOfHour(range.start), startOfHour(range.end))) {
    const result = await ingestWindow(ctx, { source: SOURCE, start: w.start, end: w.end }, async (http) => {
      const { serving, gpu, latency } = await collectPrometheusWindow(http, { target, depLabel, config: ctx.config, start: w.start, end: w.end, log: ctx.log });
      return { batch: { serving, gpu, latency }, scope: { serving: true, gpu: true, latency: true } };
    });
    onWindow?.(result);
    out.push(result);
  }
  return out;
}

export const prometheusConnector: SourceConnector = {
  name: 'prometheus',
  configured: (ctx) => (ctx.env.PROMETHEUS_URL ? { ok: true } : { ok: false, why: 'PROMETHEUS_URL is not set' }),
  ingest: ingestPrometheus,
  async probe(ctx, http) {
    // One of the queries ingest sends (the first engine's running requests), over the last full hour.
    const t = Math.floor(startOfHour(ctx.clock.now()).getTime() / 1000);
    const spec = GAUGE_FIELDS.requests_running_avg;
    const name = spec.names[0]!;
    const series = await queryRange(http, prometheusTarget(ctx), { query: spec.query(name, checkLabelName(ctx.config.sources.prometheus.deployment_label)), start: t, end: t, step: 3600 });
    return `query API answered (${series.length} series of ${name} for the last hour)`;
  },
};
