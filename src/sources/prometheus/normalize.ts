import type { Config } from '../../config/schema.ts';
import type { GpuMetricInsert, ServingMetricInsert } from '../../db/types.ts';
import { COUNTER_FIELDS, DCGM_FIELDS, GAUGE_FIELDS, engineOf, isDcgmBlank, type CounterField, type DcgmField, type Engine, type GaugeField } from './metrics.ts';

/**
 * Pure normalization: label sets → (deployment, model) groups and (hostname, gpu) keys, per-hour
 * values → rows of serving_metrics and gpu_metrics. Hours are unix seconds (hour start) here.
 */
export interface ServingGroup {
  deployment: string;
  model: string;
}

/**
 * The deployment is the configured deployment whose match.prometheus_deployment (or name) equals
 * the label value, else the label value itself ('' when the series has no such label: kept, shown
 * as unattributed, never dropped). Model: vLLM/SGLang `model_name`, older SGLang `model`; TGI has
 * none, so the configured deployment's model class, else ''.
 */
export function servingGroup(labels: Record<string, string>, depLabel: string, config: Config): ServingGroup {
  const raw = labels[depLabel] ?? '';
  const dep = config.deployments.find((d) => d.match.prometheus_deployment === raw) ?? config.deployments.find((d) => d.name === raw);
  const model = labels.model_name ?? labels.model ?? (dep ? config.profiles[dep.profile]?.model_class : undefined) ?? '';
  return { deployment: dep?.name ?? raw, model };
}

type Field = CounterField | GaugeField;
const GAUGE_COMBINE: Record<GaugeField, (vs: number[]) => number> = {
  kv_cache_usage_avg: (vs) => vs.reduce((a, b) => a + b, 0) / vs.length,
  kv_cache_usage_p95: (vs) => Math.max(...vs),
  requests_running_avg: (vs) => vs.reduce((a, b) => a + b, 0),
  requests_waiting_avg: (vs) => vs.reduce((a, b) => a + b, 0),
};

/** Collects per-hour contributions by group, field and metric name; resolves name precedence at the end. */
export class ServingAccumulator {
  // group key → field → metric name → hour → values
  private readonly data = new Map<string, { group: ServingGroup; fields: Map<Field, Map<string, Map<number, number[]>>> }>();

  constructor(
    private readonly depLabel: string,
    private readonly config: Config,
  ) {}

  add(labels: Record<string, string>, field: Field, name: string, hours: Map<number, number>): void {
    if (hours.size === 0) return;
    const group = servingGroup(labels, this.depLabel, this.config);
    const key = `${group.deployment}\u0000${group.model}`;
    let g = this.data.get(key);
    if (!g) this.data.set(key, (g = { group, fields: new Map() }));
    let byName = g.fields.get(field);
    if (!byName) g.fields.set(field, (byName = new Map()));
    let byHour = byName.get(name);
    if (!byHour) byName.set(name, (byHour = new Map()));
    for (const [h, v] of hours) {
      const list = byHour.get(h);
      if (list) list.push(v);
      else byHour.set(h, [v]);
    }
  }

  rows(): ServingMetricInsert[] {
    const out: ServingMetricInsert[] = [];
    for (const { group, fields } of this.data.values()) {
      const hours = new Set<number>();
      for (const byName of fields.values()) for (const byHour of byName.values()) for (const h of byHour.keys()) hours.add(h);
      for (const h of [...hours].sort((a, b) => a - b)) {
        let engine: Engine | null = null;
        const pick = (field: Field, names: readonly string[]): number[] | undefined => {
          const byName = fields.get(field);
          for (const n of names) {
            const vs = byName?.get(n)?.get(h);
            if (vs) {
              engine ??= engineOf(n);
              return vs;
            }
          }
          return undefined;
        };
        const counter = (f: CounterField) => {
          const vs = pick(f, COUNTER_FIELDS[f]);
          // Counters are integer-valued; rounding only removes float noise from the (exact) differences.
          return vs ? Math.round(vs.reduce((a, b) => a + b, 0)) : null;
        };
        const gauge = (f: GaugeField) => {
          const vs = pick(f, GAUGE_FIELDS[f].names);
          return vs ? GAUGE_COMBINE[f](vs) : null;
        };
        const prompt = counter('prompt_tokens');
        const generation = counter('generation_tokens');
        const requests = counter('requests');
        out.push({
          hour: new Date(h * 1000),
          deployment: group.deployment,
          model: group.model,
          engine: null,
          prompt_tokens: prompt ?? 0,
          generation_tokens: generation ?? 0,
          requests: requests ?? 0,
          prefix_cache_queries: counter('prefix_cache_queries'),
          prefix_cache_hits: counter('prefix_cache_hits'),
          kv_cache_usage_avg: gauge('kv_cache_usage_avg'),
          kv_cache_usage_p95: gauge('kv_cache_usage_p95'),
          requests_running_avg: gauge('requests_running_avg'),
          requests_waiting_avg: gauge('requests_waiting_avg'),
        });
        out[out.length - 1]!.engine = engine;
      }
    }
    return out;
  }
}

/** DCGM labels: `Hostname` (older exporters) or `hostname` (newer); `UUID`, `modelName`. */
export function gpuKey(labels: Record<string, string>): { hostname: string; gpu: string; uuid: string | null; modelName: string | null } {
  return {
    hostname: labels.Hostname ?? labels.hostname ?? labels.instance ?? '',
    gpu: labels.gpu ?? '',
    uuid: labels.UUID ?? labels.uuid ?? null,
    modelName: labels.modelName ?? labels.model_name ?? null,
  };
}

/** DCGM_FI_DEV_GPU_UTIL is a percentage; gpu_metrics.gpu_util_avg is a fraction (0–1). */
const DCGM_SCALE: Record<DcgmField, number> = { gpu_util_avg: 0.01, engine_active_avg: 1, fb_used_mib_avg: 1, power_w_avg: 1 };

export class GpuAccumulator {
  private readonly data = new Map<string, { key: ReturnType<typeof gpuKey>; hours: Map<number, Map<DcgmField, number[]>> }>();

  constructor(private readonly config: Config) {}

  /** Hourly averages of one DCGM series; blank-sentinel hours and NaN are dropped. */
  add(labels: Record<string, string>, field: DcgmField, points: ReadonlyArray<readonly [number, number | null]>, hourOf: (t: number) => number): void {
    const key = gpuKey(labels);
    const k = `${key.hostname}\u0000${key.gpu}`;
    let g = this.data.get(k);
    if (!g) this.data.set(k, (g = { key, hours: new Map() }));
    g.key.uuid ??= key.uuid;
    g.key.modelName ??= key.modelName;
    for (const [t, v] of points) {
      if (v === null || isDcgmBlank(v)) continue;
      const h = hourOf(t);
      let fields = g.hours.get(h);
      if (!fields) g.hours.set(h, (fields = new Map()));
      const list = fields.get(field);
      if (list) list.push(v * DCGM_SCALE[field]);
      else fields.set(field, [v * DCGM_SCALE[field]]);
    }
  }

  rows(): GpuMetricInsert[] {
    const out: GpuMetricInsert[] = [];
    for (const { key, hours } of this.data.values()) {
      const deployment = this.config.deployments.find((d) => d.match.hostnames.includes(key.hostname))?.name ?? null;
      for (const h of [...hours.keys()].sort((a, b) => a - b)) {
        const fields = hours.get(h)!;
        // Two series for one (host, gpu) — e.g. scraped by two jobs — are averaged, not double-written.
        const avg = (f: DcgmField) => {
          const vs = fields.get(f);
          return vs ? vs.reduce((a, b) => a + b, 0) / vs.length : null;
        };
        const row: GpuMetricInsert = {
          hour: new Date(h * 1000),
          hostname: key.hostname,
          gpu: key.gpu,
          uuid: key.uuid,
          model_name: key.modelName,
          deployment,
          gpu_util_avg: avg('gpu_util_avg'),
          engine_active_avg: avg('engine_active_avg'),
          fb_used_mib_avg: avg('fb_used_mib_avg'),
          power_w_avg: avg('power_w_avg'),
        };
        out.push(row);
      }
    }
    return out;
  }
}

export const DCGM_FIELD_NAMES = Object.entries(DCGM_FIELDS) as Array<[DcgmField, string]>;
