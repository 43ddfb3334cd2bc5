import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRawBody } from '../../../src/ingest/raw-archive.ts';
import { createTestContext, type TestCtx } from '../../helpers/db.ts';
import { startPrometheusSimulator, type PrometheusSimulator } from '../../../src/simulators/prometheus.ts';
import { DEFAULT_SEED, DEPLOYMENTS, hourLoad, streamsOf } from '../../../src/simulators/scenario.ts';
import { ingestPrometheus } from '../../../src/sources/prometheus/connector.ts';
import { PrometheusQueryError } from '../../../src/sources/prometheus/client.ts';
import { addHours } from '../../../src/time.ts';
import { readHttpFixture } from '../../unit/prometheus/http-fixture.ts';
import { LATENCY_PROFILES, VLLM_BUCKETS, bucketCounts, hourLatency } from '../../../src/simulators/latency-model.ts';
import { histogramQuantile } from '../../../src/model/histogram.ts';

/** The demo path: the real connector against the built-in simulator (with a bearer token). */
let sim: PrometheusSimulator;
let ctx: TestCtx;
const start = new Date('2026-03-02T00:00:00Z'); // a Monday: business-hours load is non-zero
const end = new Date('2026-03-04T00:00:00Z');

beforeAll(async () => {
  sim = await startPrometheusSimulator({ bearerToken: 'prom-token-123' });
  ctx = await createTestContext({ env: { PROMETHEUS_URL: sim.url, PROMETHEUS_BEARER_TOKEN: 'prom-token-123' } });
});
afterAll(async () => {
  await ctx?.destroy();
  await sim?.close();
});

/** A deployment's whole load in an hour: the sum over the engines (models) on its hosts. */
function deploymentLoad(streams: ReturnType<typeof streamsOf>, hour: Date) {
  const all = streams.map((st) => hourLoad(st, hour));
  const sum = (f: keyof (typeof all)[number]) => all.reduce((a, l) => a + l[f], 0);
  return { requests: sum('requests'), inputTokens: sum('inputTokens'), uncachedInputTokens: sum('uncachedInputTokens'), cacheReadTokens: sum('cacheReadTokens'), cacheWriteTokens: sum('cacheWriteTokens'), outputTokens: sum('outputTokens') };
}

describe('prometheus connector × simulator', () => {
  it('stores exactly the scenario load per deployment and hour', async () => {
    const windows = await ingestPrometheus(ctx, { start, end });
    expect(windows).toHaveLength(2);
    // Counters in one request, resets per counter name present (5 shared + 2 of the old generation),
    // gauges only for vLLM names (kv avg+p95 for both generations, running, waiting), DCGM (4),
    // latency histograms and preemptions in one request, resets per latency name present (3 histograms + preemptions).
    expect(windows.map((w) => w.requests)).toEqual([1 + 7 + 6 + 4 + 1 + 4, 1 + 7 + 6 + 4 + 1 + 4]);
    expect(sim.requests.every((r) => r.method === 'POST')).toBe(true);
    expect(Math.max(...sim.requests.map((r) => (r.end - r.start) / r.step))).toBeLessThanOrEqual(11_000);

    const rows = await ctx.db.selectFrom('serving_metrics').leftJoin('serving_dims', (j) => j.onRef('serving_dims.deployment', '=', 'serving_metrics.deployment').onRef('serving_dims.model', '=', 'serving_metrics.model')).selectAll('serving_metrics').select('serving_dims.feature').orderBy('serving_metrics.deployment').orderBy('hour').execute();
    // One row per deployment × model × hour: rerank-70b runs two engines (two models) on one node.
    expect(rows).toHaveLength(streamsOf('vllm').length * 48);
    for (const stream of streamsOf('vllm')) {
      const mine = rows.filter((r) => r.deployment === stream.dims.deployment && r.model === stream.model);
      expect(mine).toHaveLength(48);
      for (let h = start; h < end; h = addHours(h, 1)) {
        const want = hourLoad(stream, h, DEFAULT_SEED);
        const got = mine.find((r) => r.hour.getTime() === h.getTime())!;
        expect({ h: h.toISOString(), p: Number(got.prompt_tokens), g: Number(got.generation_tokens), r: Number(got.requests), q: Number(got.prefix_cache_queries), hit: Number(got.prefix_cache_hits) }).toEqual({
          h: h.toISOString(),
          p: want.inputTokens,
          g: want.outputTokens,
          r: want.requests,
          q: want.inputTokens,
          hit: want.cacheReadTokens,
        });
        expect(got.model).toBe(stream.model);
        expect(got.engine).toBe('vllm');
        expect(got.feature).toBe(stream.feature);
        expect(got.kv_cache_usage_avg).toBeGreaterThan(0);
      }
    }
  });

  it('stores deployment latency from the simulated histograms: exact p95s, rising past the knee with load', async () => {
    const rows = await ctx.db.selectFrom('serving_latency_hourly').selectAll().orderBy('deployment').orderBy('hour').execute();
    expect(rows).toHaveLength(2 * 48);
    for (const d of DEPLOYMENTS) {
      const streams = streamsOf('vllm').filter((s) => s.dims.deployment === d.name);
      const layout = VLLM_BUCKETS[d.name === 'copilot-vllm' ? 'v1' : 'v0'];
      const mine = rows.filter((r) => r.deployment === d.name);
      for (const r of mine) {
        // Latency follows the whole node's load; every engine's histogram counts its own requests.
        const l = deploymentLoad(streams, r.hour);
        const lat = hourLatency(LATENCY_PROFILES[d.name]!, l, d.instances);
        const want = (counts: number[], bounds: readonly number[], q: number) => histogramQuantile(q, new Map([...bounds.map((b, i) => [b, counts[i]!] as [number, number]), [Infinity, counts[bounds.length]!]]));
        const where = `${d.name} ${r.hour.toISOString()}`;
        const counts = (p95: number, bounds: readonly number[]) => {
          const per = streams.map((st) => bucketCounts(hourLoad(st, r.hour).requests, p95, bounds));
          return per[0]!.map((_, i) => per.reduce((a, c) => a + c[i]!, 0));
        };
        expect({ where, n: Number(r.e2e_count), ttft: r.ttft_p95_seconds, e2e: r.e2e_p95_seconds, e2e50: r.e2e_p50_seconds, queue: r.queue_p95_seconds, pre: Number(r.preemptions) }).toEqual({
          where,
          n: l.requests,
          ttft: want(counts(lat.ttftP95, layout.ttft), layout.ttft, 0.95),
          e2e: want(counts(lat.e2eP95, layout.e2e), layout.e2e, 0.95),
          e2e50: want(counts(lat.e2eP95, layout.e2e), layout.e2e, 0.5),
          queue: want(counts(lat.queueP95, layout.e2e), layout.e2e, 0.95),
          pre: lat.preemptions,
        });
      }
    }
    // The knee: copilot's busiest hour waits far longer for its first token than its quietest.
    const copilot = rows.filter((r) => r.deployment === 'copilot-vllm' && Number(r.e2e_count) > 0);
    const byLoad = copilot.map((r) => ({ r, n: Number(r.e2e_count) })).sort((a, b) => a.n - b.n);
    expect(byLoad.at(-1)!.r.ttft_p95_seconds!).toBeGreaterThan(3 * byLoad[0]!.r.ttft_p95_seconds!);
    // serving_hourly carries the deployment-level p95s on each model row.
    const sh = await ctx.db.selectFrom('serving_hourly' as never).select(['hour', 'deployment', 'ttft_p95_seconds', 'e2e_p95_seconds'] as never[]).execute() as unknown as Array<{ hour: Date; deployment: string; ttft_p95_seconds: number | null; e2e_p95_seconds: number | null }>;
    for (const r of rows) {
      const v = sh.find((x) => x.deployment === r.deployment && x.hour.getTime() === r.hour.getTime())!;
      expect([v.ttft_p95_seconds, v.e2e_p95_seconds]).toEqual([r.ttft_p95_seconds, r.e2e_p95_seconds]);
    }
  });

  it('stores DCGM utilization consistent with load ÷ capacity, for every GPU of both deployments', async () => {
    const rows = await ctx.db.selectFrom('gpu_metrics').selectAll().execute();
    const gpus = DEPLOYMENTS.reduce((a, d) => a + d.instances * d.gpusPerInstance, 0);
    expect(rows).toHaveLength(gpus * 48);
    for (const d of DEPLOYMENTS) {
      const hour = new Date('2026-03-02T11:00:00Z');
      const l = deploymentLoad(streamsOf('vllm').filter((s) => s.dims.deployment === d.name), hour);
      const u = Math.min(1, (l.inputTokens + l.outputTokens) / 3600 / d.tokensPerSecondCapacity);
      const atHour = rows.filter((r) => r.deployment === d.name && r.hour.getTime() === hour.getTime());
      expect(atHour).toHaveLength(d.instances * d.gpusPerInstance);
      for (const r of atHour) expect(r.gpu_util_avg!).toBeCloseTo(u, 9);
      expect(new Set(atHour.map((r) => r.hostname))).toEqual(new Set(d.hostnames));
    }
  });

  it('turns a Prometheus error body into a typed error and writes nothing of the window', async () => {
    sim.failNext.push({ status: 422, errorType: 'execution', error: 'vector cannot contain metrics with the same labelset' });
    const day = { start: new Date('2026-03-05T00:00:00Z'), end: new Date('2026-03-06T00:00:00Z') };
    const err = await ingestPrometheus(ctx, day).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PrometheusQueryError);
    expect((err as PrometheusQueryError).errorType).toBe('execution');
    expect((err as Error).message).toContain('prometheus: HTTP 422');
    expect((err as Error).message).toContain('vector cannot contain metrics with the same labelset');
    expect((err as Error).message).not.toContain('prom-token-123');
    const n = await ctx.db.selectFrom('serving_metrics').where('hour', '>=', day.start).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(0);
    const archived = (await ctx.db.selectFrom('raw_payloads').where('status', '=', 422).select(['body', 'body_gz', 'request']).execute()).map((r) => ({ request: r.request, body: readRawBody(r) }));
    expect(archived).toHaveLength(1);
    expect(JSON.stringify(archived)).not.toContain('prom-token-123');
  });

  it('retries 503 (overloaded) and then succeeds', async () => {
    sim.failNext.push({ status: 503, errorType: 'unavailable', error: 'too many queries' });
    const day = { start: new Date('2026-03-05T00:00:00Z'), end: new Date('2026-03-06T00:00:00Z') };
    const [w] = await ingestPrometheus(ctx, day);
    // serving rows per model, gpu rows per GPU, latency rows per deployment, hour by hour.
    expect(w!.rows).toBe(streamsOf('vllm').length * 24 + 10 * 24 + 2 * 24);
  });

  it.each([
    ['qr_err_11000.http', { start: '0', end: '11001', step: '1' }],
    ['qr_err_step0.http', { start: '0', end: '10', step: '0' }],
    ['qr_err_end_before_start.http', { start: '10', end: '0', step: '1' }],
  ])('answers bad ranges with the same body as the real Prometheus (%s)', async (fixture, params) => {
    const res = await fetch(`${sim.url}/api/v1/query_range?${new URLSearchParams({ query: 'vllm:prompt_tokens_total', ...params })}`, { headers: { authorization: 'Bearer prom-token-123' } });
    const real = readHttpFixture(fixture);
    expect(res.status).toBe(real.status);
    expect(await res.text()).toBe(real.body);
  });

  it('refuses without the bearer token', async () => {
    const other = await createTestContext({ env: { PROMETHEUS_URL: sim.url } });
    try {
      const err = await ingestPrometheus(other, { start, end: addHours(start, 24) }).catch((e: unknown) => e);
      expect((err as Error).message).toMatch(/prometheus: HTTP 401/);
    } finally {
      await other.destroy();
    }
  });
});
