import type { Logger } from 'pino';
import type { Config } from '../../config/schema.ts';
import type { GpuMetricInsert, ServingLatencyInsert, ServingMetricInsert } from '../../db/types.ts';
import type { HttpDeps } from '../http.ts';
import { queryRange, type PrometheusTarget, type RangeSeries } from './client.ts';
import { HOUR_S, hourClosedBy, hourRanges, hourlyIncrements, resetHours } from './counters.ts';
import { COUNTER_FIELDS, DCGM_FIELDS, GAUGE_FIELDS, engineOf, queries, type CounterField, type DcgmField, type GaugeField } from './metrics.ts';
import { GpuAccumulator, ServingAccumulator } from './normalize.ts';
import { LatencyAccumulator, latencyFieldOf } from './latency.ts';

export interface CollectOptions {
  target: PrometheusTarget;
  /** Label naming the deployment on serving-engine series (config sources.prometheus.deployment_label). */
  depLabel: string;
  config: Config;
  /** Window [start, end), on hour boundaries. */
  start: Date;
  end: Date;
  /**
   * Step of the raw counter values fetched for hours in which a counter reset. Exact when it is not
   * longer than the scrape interval; otherwise the increments between the last point before the
   * restart and the restart itself (less than one step) are lost. Hours without a reset are exact
   * whatever the step.
   */
  fineStepS?: number;
  log?: Logger;
}

export const DEFAULT_FINE_STEP_S = 60;
const QUERY_CONCURRENCY = 4;

/** Runs at most `n` calls of `fn` at a time. */
function limited<A extends unknown[], R>(n: number, fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async (...args: A) => {
    while (active >= n) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await fn(...args);
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

const FIELD_OF_COUNTER = new Map<string, CounterField>(
  (Object.entries(COUNTER_FIELDS) as Array<[CounterField, readonly string[]]>).flatMap(([f, names]) => names.map((n) => [n, f] as [string, CounterField])),
);

function withoutName(m: Record<string, string>): Record<string, string> {
  const { __name__: _, ...rest } = m;
  return rest;
}
/** `name{a="x", b="y"}`, for errors. */
const seriesName = (m: Record<string, string>) =>
  `${m.__name__ ?? ''}{${Object.keys(m)
    .filter((k) => k !== '__name__')
    .sort()
    .map((k) => `${k}="${m[k]}"`)
    .join(', ')}}`;
const labelKey = (m: Record<string, string>) =>
  Object.keys(m)
    .sort()
    .map((k) => `${k}=${m[k]}`)
    .join('\u0000');

/** Series by __name__, `_created` companions and names the caller does not want left out. */
function groupByName(series: RangeSeries[], wanted: (name: string) => boolean): Map<string, RangeSeries[]> {
  const byName = new Map<string, RangeSeries[]>();
  for (const s of series) {
    const name = s.metric.__name__;
    if (!name || name.endsWith('_created') || !wanted(name)) continue;
    const list = byName.get(name);
    if (list) list.push(s);
    else byName.set(name, [s]);
  }
  return byName;
}

/**
 * Everything Prometheus holds for one window: hourly serving metrics per deployment × model,
 * hourly latency quantiles and preemptions per deployment, and hourly DCGM averages per host × GPU. Fetches only; no writes. Missing metrics (no SGLang, a
 * deployment without DCGM) simply produce no rows.
 */
export async function collectPrometheusWindow(
  http: HttpDeps,
  o: CollectOptions,
): Promise<{ serving: ServingMetricInsert[]; gpu: GpuMetricInsert[]; latency: ServingLatencyInsert[] }> {
  const fromS = Math.floor(o.start.getTime() / 1000);
  const toS = Math.floor(o.end.getTime() / 1000);
  const fineStep = o.fineStepS ?? DEFAULT_FINE_STEP_S;
  const serving = new ServingAccumulator(o.depLabel, o.config);
  const gpu = new GpuAccumulator(o.config);
  const latency = new LatencyAccumulator(o.depLabel, o.config);
  // A few queries in flight at once (Prometheus' default limit is 20 concurrent queries per server).
  const q = limited(QUERY_CONCURRENCY, (query: string, start: number, end: number, step: number) => queryRange(http, o.target, { query, start, end, step }));

  // Counters and latency histogram buckets: values at every hour boundary of the window (the first one is the baseline).
  const [byName, latencyByName] = await Promise.all([
    q(queries.counters(), fromS, toS, HOUR_S).then((r) => groupByName(r, (n) => FIELD_OF_COUNTER.has(n))),
    q(queries.latency(), fromS, toS, HOUR_S).then((r) => groupByName(r, (n) => latencyFieldOf(n) !== null)),
  ]);
  const engines = new Set([...byName.keys()].map(engineOf));
  const hourly = toS - fromS >= HOUR_S;

  // Everything else is independent: fetched concurrently, applied below in a fixed order.
  const increments = async ([name, series]: [string, RangeSeries[]]) => {
    const inc = new Map(series.map((s) => [labelKey(withoutName(s.metric)), hourlyIncrements(s.points, fromS, toS, seriesName(s.metric))]));
    if (hourly) await correctResets(name, inc);
    return { name, series, increments: inc };
  };
  const counterJobs = [...byName].map(increments);
  const latencyJobs = [...latencyByName].map(increments);
  const gaugeJobs = !hourly
    ? []
    : (Object.entries(GAUGE_FIELDS) as Array<[GaugeField, (typeof GAUGE_FIELDS)[GaugeField]]>).flatMap(([field, spec]) =>
        spec.names.filter((n) => engines.has(engineOf(n))).map(async (name) => ({ field, name, series: await q(spec.query(name, o.depLabel), fromS + HOUR_S, toS, HOUR_S) })),
      );
  const dcgmJobs = !hourly
    ? []
    : (Object.entries(DCGM_FIELDS) as Array<[DcgmField, string]>).map(async ([field, name]) => ({ field, series: await q(queries.dcgmAvg(name), fromS + HOUR_S, toS, HOUR_S) }));
  const [counters, gauges, dcgm, latencies] = await Promise.all([Promise.all(counterJobs), Promise.all(gaugeJobs), Promise.all(dcgmJobs), Promise.all(latencyJobs)]);

  for (const { name, series, increments } of counters) {
    for (const s of series) serving.add(withoutName(s.metric), FIELD_OF_COUNTER.get(name)!, name, increments.get(labelKey(withoutName(s.metric)))!);
  }
  for (const { field, name, series } of gauges) {
    for (const s of series) {
      const hours = new Map<number, number>();
      for (const [t, v] of s.points) if (v !== null) hours.set(hourClosedBy(t), v);
      serving.add(s.metric, field, name, hours);
    }
  }
  for (const { field, series } of dcgm) for (const s of series) gpu.add(s.metric, field, s.points, hourClosedBy);
  for (const { name, series, increments: inc } of latencies) {
    for (const s of series) latency.add(name, withoutName(s.metric), inc.get(labelKey(withoutName(s.metric)))!);
  }
  return { serving: serving.rows(), gpu: gpu.rows(), latency: latency.rows() };

  /** Hours in which a series of `name` reset are recomputed from raw values at the fine step. */
  async function correctResets(name: string, increments: Map<string, Map<number, number>>): Promise<void> {
    const flagged = new Map<string, number[]>();
    for (const s of await q(queries.resets(name), fromS + HOUR_S, toS, HOUR_S)) {
      const hours = resetHours(s.points, fromS, toS);
      if (hours.length) flagged.set(labelKey(s.metric), hours);
    }
    if (flagged.size === 0) return;
    o.log?.debug({ metric: name, series: flagged.size }, 'counter resets: refetching raw values');
    const fine = new Map<string, Array<[number, number | null]>>();
    for (const r of hourRanges([...flagged.values()].flat())) {
      for (const s of await q(queries.raw(name), r.start, r.end, fineStep)) {
        const key = labelKey(withoutName(s.metric));
        const into = fine.get(key);
        if (into) into.push(...s.points);
        else fine.set(key, [...s.points]);
      }
    }
    for (const [key, hours] of flagged) {
      const inc = increments.get(key);
      const points = fine.get(key);
      if (!inc || !points) continue;
      // Adjacent ranges share no point, so each range is diffed on its own (its first point is its baseline).
      const exact = new Map<number, number>();
      for (const r of hourRanges(hours)) {
        const inRange = points.filter(([t]) => t >= r.start && t <= r.end);
        for (const [h, v] of hourlyIncrements(inRange, r.start, r.end, `${name}${key ? ` {${key.replaceAll('\u0000', ', ')}}` : ''}`)) exact.set(h, v);
      }
      for (const h of hours) if (exact.has(h)) inc.set(h, exact.get(h)!);
    }
  }
}
