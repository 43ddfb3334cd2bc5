import type { Config } from '../../config/schema.ts';
import type { ServingLatencyInsert } from '../../db/types.ts';
import { addToBuckets, bucketsToJson, histogramQuantile, observations, parseLe, type Buckets } from '../../model/histogram.ts';
import { HISTOGRAM_FIELDS, HISTOGRAM_FIELD_NAMES, PREEMPTION_NAMES, engineOf, type Engine, type HistogramField } from './metrics.ts';
import { servingGroup } from './normalize.ts';

const FIELD_OF_BUCKET_NAME = new Map<string, HistogramField>(
  (Object.entries(HISTOGRAM_FIELDS) as Array<[HistogramField, readonly string[]]>).flatMap(([f, names]) => names.map((n) => [`${n}_bucket`, f] as [string, HistogramField])),
);
const PREEMPTIONS = new Set<string>(PREEMPTION_NAMES);

/** The latency field a series name feeds (`…_bucket` of a catalogued histogram), 'preemptions', or null. */
export function latencyFieldOf(name: string): HistogramField | 'preemptions' | null {
  return FIELD_OF_BUCKET_NAME.get(name) ?? (PREEMPTIONS.has(name) ? 'preemptions' : null);
}

interface DeploymentHours {
  engine: Engine | null;
  /** field → hour → summed bucket deltas. */
  fields: Map<HistogramField, Map<number, Buckets>>;
  preemptions: Map<number, number>;
}

/**
 * Pure normalization of the latency series of one window: hourly bucket increments per series
 * (exact, see counters.ts) → per deployment and hour, summed over replicas, models and engines per
 * `le` (as `sum by (le)`), then p50/p95. An hour with no requests keeps its row (count 0) with
 * null quantiles; a deployment without a histogram of a field has null count and quantiles there.
 */
export class LatencyAccumulator {
  private readonly data = new Map<string, DeploymentHours>();

  constructor(
    private readonly depLabel: string,
    private readonly config: Config,
  ) {}

  /** One series (labels without __name__) of `name` with its hourly increments (hour start, unix s → delta). */
  add(name: string, labels: Record<string, string>, increments: Map<number, number>): void {
    const field = latencyFieldOf(name);
    if (!field || increments.size === 0) return;
    const { deployment } = servingGroup(labels, this.depLabel, this.config);
    let d = this.data.get(deployment);
    if (!d) this.data.set(deployment, (d = { engine: null, fields: new Map(), preemptions: new Map() }));
    if (field === 'preemptions') {
      for (const [h, v] of increments) d.preemptions.set(h, (d.preemptions.get(h) ?? 0) + v);
      return;
    }
    const le = parseLe(labels.le);
    if (le === null) return; // histogram_quantile ignores a bucket without a numeric le as well
    d.engine ??= engineOf(name);
    let byHour = d.fields.get(field);
    if (!byHour) d.fields.set(field, (byHour = new Map()));
    for (const [h, v] of increments) {
      let b = byHour.get(h);
      if (!b) byHour.set(h, (b = new Map()));
      addToBuckets(b, le, v);
    }
  }

  rows(): ServingLatencyInsert[] {
    const out: ServingLatencyInsert[] = [];
    for (const [deployment, d] of [...this.data].sort(([a], [b]) => a.localeCompare(b))) {
      const hours = new Set<number>(d.preemptions.keys());
      for (const byHour of d.fields.values()) for (const h of byHour.keys()) hours.add(h);
      for (const h of [...hours].sort((a, b) => a - b)) {
        const row: ServingLatencyInsert = {
          hour: new Date(h * 1000),
          deployment,
          engine: d.engine,
          ttft_count: null,
          ttft_p50_seconds: null,
          ttft_p95_seconds: null,
          ttft_buckets: null,
          e2e_count: null,
          e2e_p50_seconds: null,
          e2e_p95_seconds: null,
          e2e_buckets: null,
          queue_count: null,
          queue_p50_seconds: null,
          queue_p95_seconds: null,
          queue_buckets: null,
          preemptions: d.preemptions.has(h) ? Math.round(d.preemptions.get(h)!) : null,
        };
        for (const f of HISTOGRAM_FIELD_NAMES) {
          const raw = d.fields.get(f)?.get(h);
          if (!raw) continue;
          // Bucket counts are integer-valued; rounding only removes float noise from the exact differences.
          const b: Buckets = new Map([...raw].map(([le, c]) => [le, Math.round(c)]));
          Object.assign(row, {
            [`${f}_count`]: observations(b),
            [`${f}_p50_seconds`]: finite(histogramQuantile(0.5, b)),
            [`${f}_p95_seconds`]: finite(histogramQuantile(0.95, b)),
            [`${f}_buckets`]: JSON.stringify(bucketsToJson(b)),
          });
        }
        out.push(row);
      }
    }
    return out;
  }
}

const finite = (v: number | null): number | null => (v !== null && Number.isFinite(v) ? v : null);
