import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { configSchema } from '../../../src/config/schema.ts';
import { bucketsFromJson, bucketsToJson, histogramQuantile, mergeBuckets, parseLe, quantileOverHours, type Buckets } from '../../../src/model/histogram.ts';
import { hourlyIncrements } from '../../../src/sources/prometheus/counters.ts';
import { LatencyAccumulator, latencyFieldOf } from '../../../src/sources/prometheus/latency.ts';
import { queries } from '../../../src/sources/prometheus/metrics.ts';

const T = 1735689600; // 2025-01-01T00:00:00Z
const H = 3600;
const b = (o: Record<string, number>): Buckets => bucketsFromJson(o);

describe('histogram_quantile over bucket deltas (hand-computed)', () => {
  it('interpolates linearly inside the bucket holding rank q × observations', () => {
    const x = b({ '0.1': 10, '0.5': 60, '1': 90, '+Inf': 100 });
    // p50: rank 50 → bucket (0.1, 0.5] holds 50, 40 into it → 0.1 + 0.4 × 40/50
    expect(histogramQuantile(0.5, x)).toBeCloseTo(0.42, 12);
    // p90: rank 90 → bucket (0.5, 1] is exactly full → 1
    expect(histogramQuantile(0.9, x)).toBe(1);
  });

  it('a rank in the +Inf bucket returns the second-highest bound', () => {
    expect(histogramQuantile(0.95, b({ '0.1': 10, '0.5': 60, '1': 90, '+Inf': 100 }))).toBe(1);
  });

  it('q = 0 is the lower bound of the first populated bucket (Prometheus would divide 0 by 0)', () => {
    expect(histogramQuantile(0, b({ '0.1': 0, '0.5': 0, '1': 30, '+Inf': 30 }))).toBe(0.5);
    expect(histogramQuantile(0, b({ '0.1': 5, '1': 30, '+Inf': 30 }))).toBe(0);
    // Every observation above the highest finite bound: the second-highest bound, as for any rank there.
    expect(histogramQuantile(0, b({ '0.1': 0, '1': 0, '+Inf': 1 }))).toBe(1);
  });

  it('the lowest bucket interpolates from 0, or returns its bound when that is ≤ 0', () => {
    expect(histogramQuantile(0.95, b({ '1': 100, '+Inf': 100 }))).toBeCloseTo(0.95, 12);
    const zero = b({ '0': 50, '1': 100, '+Inf': 100 }); // SGLang's queue_time has le="0.0"
    expect(histogramQuantile(0.4, zero)).toBe(0);
    expect(histogramQuantile(0.95, zero)).toBeCloseTo(0.9, 12); // 0 + 1 × 45/50
  });

  it('an empty hour, a +Inf-only histogram and one without +Inf have no quantile', () => {
    expect(histogramQuantile(0.95, b({ '0.1': 0, '1': 0, '+Inf': 0 }))).toBeNull();
    expect(histogramQuantile(0.95, b({ '+Inf': 10 }))).toBeNull();
    expect(histogramQuantile(0.95, b({ '0.1': 5, '1': 10 }))).toBeNull();
    expect(histogramQuantile(0.95, new Map())).toBeNull();
  });

  it('q outside [0, 1] is ∓Inf, NaN is null', () => {
    const x = b({ '1': 1, '+Inf': 1 });
    expect(histogramQuantile(-0.1, x)).toBe(-Infinity);
    expect(histogramQuantile(1.1, x)).toBe(Infinity);
    expect(histogramQuantile(Number.NaN, x)).toBeNull();
  });

  it('forces monotonic counts (a lower count after a higher one is raised to it)', () => {
    // le=1 (20) < le=0.5 (30) → 30; p95 rank 57 → (1, 2] holds 30, 27 into it → 1.9
    expect(histogramQuantile(0.95, b({ '0.5': 30, '1': 20, '2': 60, '+Inf': 60 }))).toBeCloseTo(1.9, 12);
  });

  it('sparse layouts merge per le as sum by (le) does', () => {
    const a = b({ '0.5': 10, '1': 18, '+Inf': 20 });
    const c = b({ '0.75': 5, '+Inf': 20 });
    const sum = mergeBuckets([a, c]);
    expect(bucketsToJson(sum)).toEqual({ '0.5': 10, '0.75': 5, '1': 18, '+Inf': 40 });
    // monotonic: 0.75 → 10. p25: rank 10 → (0, 0.5] full → 0.5. p50: rank 20 → +Inf bucket → 1.
    expect(histogramQuantile(0.25, sum)).toBe(0.5);
    expect(histogramQuantile(0.5, sum)).toBe(1);
  });

  it('le spellings: "1" and "1.0" coalesce; +Inf and Inf; a non-number is rejected', () => {
    expect(parseLe('+Inf')).toBe(Infinity);
    expect(parseLe('Inf')).toBe(Infinity);
    expect(parseLe('1.0')).toBe(1);
    expect(parseLe('2.5e-1')).toBe(0.25);
    expect(parseLe('abc')).toBeNull();
    expect(parseLe(undefined)).toBeNull();
    expect(bucketsToJson(mergeBuckets([b({ '1': 2, '+Inf': 3 }), b({ '1.0': 1, '+Inf': 1 })]))).toEqual({ '1': 3, '+Inf': 4 });
    expect(() => bucketsFromJson({ x: 1 })).toThrow(/bad histogram bucket "x"/);
  });

  it('a month’s quantile sums the hours’ buckets first (not an average of hourly p95s)', () => {
    const busy = { '1': 10, '10': 100, '+Inf': 100 }; // p95 = 1 + 9 × 85/90 = 9.5
    const quiet = { '1': 100, '10': 100, '+Inf': 100 }; // p95 = 0.95
    expect(quantileOverHours(0.95, [busy])).toBeCloseTo(9.5, 12);
    expect(quantileOverHours(0.95, [quiet])).toBeCloseTo(0.95, 12);
    // together: 1: 110, 10: 200 → rank 190 → 1 + 9 × 80/90 = 9 (the mean of the two p95s would be 5.225)
    expect(quantileOverHours(0.95, [busy, null, quiet])).toBeCloseTo(9, 12);
    expect(quantileOverHours(0.95, [null, undefined])).toBeNull();
  });

  it('property: the quantile lies within the bounds of the populated range and grows with q', () => {
    const bounds = [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10];
    fc.assert(
      fc.property(fc.array(fc.nat(1000), { minLength: bounds.length + 1, maxLength: bounds.length + 1 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (per, q1, q2) => {
        const x: Buckets = new Map();
        let cum = 0;
        bounds.forEach((le, i) => x.set(le, (cum += per[i]!)));
        x.set(Infinity, (cum += per[bounds.length]!));
        const lo = Math.min(q1, q2);
        const hi = Math.max(q1, q2);
        const a = histogramQuantile(lo, x);
        const z = histogramQuantile(hi, x);
        if (cum === 0) return a === null && z === null;
        return a !== null && z !== null && a >= 0 && z <= 10 && a <= z + 1e-12;
      }),
    );
  });
});

describe('latency per deployment-hour from bucket series', () => {
  const config = configSchema.parse({
    gpus: { l40s: { memory_gib: 48, hourly_price: '1.86' } },
    profiles: { p8b: { model_class: 'llama-3.1-8b', gpu: 'l40s', tokens_per_second: 1500 } },
    deployments: [{ name: 'copilot', profile: 'p8b', gpus: 1, match: { prometheus_deployment: 'copilot-vllm-prod' } }, { name: 'tgi-chat', profile: 'p8b', gpus: 1 }],
  });

  it('the latency query asks for every catalogued bucket series and the preemption counter', () => {
    const q = queries.latency();
    for (const n of ['vllm:time_to_first_token_seconds_bucket', 'vllm:e2e_request_latency_seconds_bucket', 'sglang:e2e_request_latency_seconds_bucket', 'tgi_request_duration_bucket', 'tgi_request_queue_duration_bucket', 'vllm:num_preemptions_total']) expect(q).toContain(n);
    expect(latencyFieldOf('tgi_request_duration_bucket')).toBe('e2e');
    expect(latencyFieldOf('vllm:time_to_first_token_seconds_sum')).toBeNull();
  });

  it('a reset mid-hour: fine-step deltas count before and after the restart; replicas and models sum before the quantile', () => {
    // Replica 0 restarts at :40. Cumulative values at :00, :30, :40 (after the restart), :60.
    const at = (vs: number[]) => [[T, vs[0]!], [T + 1800, vs[1]!], [T + 2400, vs[2]!], [T + H, vs[3]!]] as Array<[number, number]>;
    const r0: Record<string, number[]> = { '0.5': [100, 150, 5, 20], '1': [180, 270, 8, 27], '2': [195, 295, 9, 29], '+Inf': [200, 300, 10, 30] };
    // → hour deltas 0.5: 50+5+15 = 70, 1: 90+8+19 = 117, 2: 100+9+20 = 129, +Inf: 100+10+20 = 130
    const acc = new LatencyAccumulator('deployment', config);
    for (const [le, vs] of Object.entries(r0)) {
      acc.add('vllm:e2e_request_latency_seconds_bucket', { deployment: 'copilot-vllm-prod', engine: '0', model_name: 'm1', le }, hourlyIncrements(at(vs), T, T + H));
    }
    // Replica 1 serves another model with a sparser layout: only le=1 and +Inf (10 and 20 this hour).
    acc.add('vllm:e2e_request_latency_seconds_bucket', { deployment: 'copilot-vllm-prod', engine: '0', model_name: 'm2', le: '1.0' }, new Map([[T, 10]]));
    acc.add('vllm:e2e_request_latency_seconds_bucket', { deployment: 'copilot-vllm-prod', engine: '0', model_name: 'm2', le: '+Inf' }, new Map([[T, 20]]));
    acc.add('vllm:num_preemptions_total', { deployment: 'copilot-vllm-prod', engine: '0', model_name: 'm1' }, new Map([[T, 3]]));
    acc.add('vllm:num_preemptions_total', { deployment: 'copilot-vllm-prod', engine: '0', model_name: 'm2' }, new Map([[T, 4]]));
    const [row, ...rest] = acc.rows();
    expect(rest).toEqual([]);
    // Summed: 0.5: 70, 1: 127, 2: 129, +Inf: 150. p95: rank 142.5 → +Inf bucket → 2.
    // p50: rank 75 → (0.5, 1] holds 57, 5 into it → 0.5 + 0.5 × 5/57.
    expect(row).toMatchObject({ deployment: 'copilot', engine: 'vllm', e2e_count: 150, e2e_p95_seconds: 2, preemptions: 7, ttft_count: null, ttft_p95_seconds: null });
    expect(row!.e2e_p50_seconds).toBeCloseTo(0.5 + 0.5 * (5 / 57), 12);
    expect(JSON.parse(row!.e2e_buckets!)).toEqual({ '0.5': 70, '1': 127, '2': 129, '+Inf': 150 });
  });

  it('the p95 inside a bucket for one replica with the reset (hand-computed)', () => {
    const acc = new LatencyAccumulator('deployment', config);
    for (const [le, c] of Object.entries({ '0.5': 70, '1': 117, '2': 129, '+Inf': 130 })) acc.add('sglang:time_to_first_token_seconds_bucket', { deployment: 'copilot-vllm-prod', le }, new Map([[T, c]]));
    const [row] = acc.rows();
    // rank 123.5 → (1, 2] holds 12, 6.5 into it → 1 + 6.5/12
    expect(row!.ttft_p95_seconds).toBeCloseTo(1 + 6.5 / 12, 12);
    expect(row!.engine).toBe('sglang');
  });

  it('an hour without requests keeps its row with count 0 and null latency; +Inf only gives a count and null quantiles', () => {
    const acc = new LatencyAccumulator('deployment', config);
    acc.add('tgi_request_duration_bucket', { deployment: 'tgi-chat', le: '0.5' }, new Map([[T, 0], [T + H, 4]]));
    acc.add('tgi_request_duration_bucket', { deployment: 'tgi-chat', le: '+Inf' }, new Map([[T, 0], [T + H, 5]]));
    acc.add('tgi_request_queue_duration_bucket', { deployment: 'tgi-chat', le: '+Inf' }, new Map([[T, 0], [T + H, 5]]));
    const rows = acc.rows();
    expect(rows.map((r) => [r.hour, r.e2e_count, r.e2e_p95_seconds, r.queue_count, r.queue_p95_seconds, r.ttft_count])).toEqual([
      [new Date(T * 1000), 0, null, 0, null, null],
      [new Date((T + H) * 1000), 5, 0.5, 5, null, null],
    ]);
    expect(rows[0]!.engine).toBe('tgi');
  });
});
