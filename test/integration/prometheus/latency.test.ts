import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestCtx } from '../../helpers/db.ts';
import { startPrometheusServer, type PrometheusServer } from '../../helpers/prometheus-server.ts';
import { ingestPrometheus } from '../../../src/sources/prometheus/connector.ts';
import { histogramQuantile, mergeBuckets, quantileOverHours } from '../../../src/model/histogram.ts';
import { capacityHours, estimateCapacityAtSlo } from '../../../src/model/capacity-slo.ts';
import { deploymentLatencyHours } from '../../../src/db/repositories/serving-latency.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectDb } from '../../../src/db/connect.ts';
import { migrateToLatest } from '../../../src/db/migrate.ts';
import { buildLatencySynthetic, DAYS, HOURS, T0, type Kind } from './latency-synthetic.ts';

/**
 * Latency ingest against a REAL Prometheus 2.42 (Debian package), backfilled with promtool:
 * vLLM V1 and V0, SGLang and TGI histograms with resets mid-hour. The stored p95s must equal both the
 * quantiles of the known bucket deltas and Prometheus' own
 * histogram_quantile(q, sum by (le) (increase(x_bucket[1h]))) — exact here because samples sit on the
 * hour boundaries, so increase() has nothing to extrapolate.
 */
const data = buildLatencySynthetic();
let prom: PrometheusServer;
let ctx: TestCtx;
const start = new Date(T0 * 1000);
const end = new Date((T0 + DAYS * 86_400) * 1000);
const hourIso = (k: number) => new Date((T0 + k * 3600) * 1000).toISOString();
const KINDS: Kind[] = ['ttft', 'e2e', 'queue'];

beforeAll(async () => {
  prom = await startPrometheusServer({ openMetrics: data.openMetrics });
  ctx = await createTestContext({ env: { PROMETHEUS_URL: prom.url } });
  await ingestPrometheus(ctx, { start, end });
}, 240_000);

afterAll(async () => {
  await ctx?.destroy();
  await prom?.close();
});

const latencyRows = () => ctx.db.selectFrom('serving_latency_hourly').selectAll().orderBy('deployment').orderBy('hour').execute();

async function promHistogramQuantile(q: number, name: string, deployment: string): Promise<Map<string, number>> {
  const query = `histogram_quantile(${q}, sum by (le) (increase(${name}_bucket{deployment="${deployment}"}[1h])))`;
  const body = new URLSearchParams({ query, start: String(T0 + 3600), end: String(T0 + HOURS * 3600), step: '3600' });
  const res = await fetch(`${prom.url}/api/v1/query_range`, { method: 'POST', body });
  const json = (await res.json()) as { data: { result: Array<{ values: Array<[number, string]> }> } };
  const out = new Map<string, number>();
  for (const [t, v] of json.data.result[0]?.values ?? []) out.set(new Date((t - 3600) * 1000).toISOString(), Number(v));
  return out;
}

describe('latency histograms through a real Prometheus 2.42', () => {
  it('stores one row per deployment and hour with p50/p95 equal to the known bucket deltas, across resets', async () => {
    const rows = await latencyRows();
    expect([...new Set(rows.map((r) => r.deployment))].sort()).toEqual(['batch-sglang', 'copilot-vllm', 'rerank-70b', 'tgi-chat']);
    expect(rows).toHaveLength(4 * HOURS);
    for (const [dep, hours] of data.expected) {
      const mine = rows.filter((r) => r.deployment === dep);
      expect(mine.map((r) => r.hour.toISOString())).toEqual(hours.map((_, k) => hourIso(k)));
      mine.forEach((r, k) => {
        const e = hours[k]!;
        for (const kind of KINDS) {
          const where = `${dep} ${hourIso(k)} ${kind}`;
          const b = e.buckets[kind];
          const got = { where, n: r[`${kind}_count`] === null ? null : Number(r[`${kind}_count`]), p50: r[`${kind}_p50_seconds`], p95: r[`${kind}_p95_seconds`] };
          if (!b) {
            expect(got, where).toEqual({ where, n: null, p50: null, p95: null });
            continue;
          }
          expect(got.n, where).toBe(b.get(Infinity));
          expect(Math.abs(got.p95! - histogramQuantile(0.95, b)!), where).toBeLessThan(1e-9);
          expect(Math.abs(got.p50! - histogramQuantile(0.5, b)!), where).toBeLessThan(1e-9);
        }
        expect(r.preemptions === null ? null : Number(r.preemptions)).toBe(e.preemptions);
      });
    }
    const engines = Object.fromEntries(rows.map((r) => [r.deployment, r.engine]));
    expect(engines).toEqual({ 'batch-sglang': 'sglang', 'copilot-vllm': 'vllm', 'rerank-70b': 'vllm', 'tgi-chat': 'tgi' });
    // The knee is in the data: copilot's e2e p95 at 23:00 is well above 00:00's.
    const copilot = rows.filter((r) => r.deployment === 'copilot-vllm');
    expect(copilot[23]!.e2e_p95_seconds!).toBeGreaterThan(2.5 * copilot[0]!.e2e_p95_seconds!);
    expect(rows.filter((r) => r.deployment === 'rerank-70b').some((r) => Number(r.preemptions) > 0)).toBe(true);
  });

  it('the hours with a restart are exact too (copilot engine 1 at 06:20 on day 2, rerank at 13:35 on day 1)', async () => {
    const rows = await latencyRows();
    for (const [dep, k] of [['copilot-vllm', 30], ['rerank-70b', 13]] as const) {
      const r = rows.find((x) => x.deployment === dep && x.hour.toISOString() === hourIso(k))!;
      const b = data.expected.get(dep)![k]!.buckets.e2e!;
      expect(Number(r.e2e_count)).toBe(b.get(Infinity));
      expect(r.e2e_buckets).toEqual(Object.fromEntries([...b].sort(([x], [y]) => x - y).map(([le, c]) => [le === Infinity ? '+Inf' : String(le), c])));
    }
  });

  it.each([
    ['copilot-vllm', 'vllm:e2e_request_latency_seconds', 'e2e'],
    ['copilot-vllm', 'vllm:time_to_first_token_seconds', 'ttft'],
    ['rerank-70b', 'vllm:e2e_request_latency_seconds', 'e2e'],
    ['batch-sglang', 'sglang:queue_time_seconds', 'queue'],
    ['tgi-chat', 'tgi_request_duration', 'e2e'],
  ] as const)('%s %s: p95 equals Prometheus’ own histogram_quantile over increase()', async (dep, name, kind) => {
    const theirs = await promHistogramQuantile(0.95, name, dep);
    expect(theirs.size).toBe(HOURS);
    const rows = (await latencyRows()).filter((r) => r.deployment === dep);
    for (const r of rows) {
      const want = theirs.get(r.hour.toISOString())!;
      expect(Math.abs(r[`${kind}_p95_seconds`]! - want), `${dep} ${r.hour.toISOString()}`).toBeLessThan(1e-9 * Math.max(1, want));
    }
  });

  it('re-ingesting a window replaces its latency rows, never adds to them', async () => {
    const before = await latencyRows();
    await ingestPrometheus(ctx, { start: new Date((T0 + 86_400) * 1000), end });
    const after = await latencyRows();
    const strip = (rows: typeof before) => rows.map(({ ingested_at: _, ...r }) => r);
    expect(strip(after)).toEqual(strip(before));
  });

  it('TGI has no time to first token: null, never zero', async () => {
    const rows = (await latencyRows()).filter((r) => r.deployment === 'tgi-chat');
    expect(rows.every((r) => r.ttft_p95_seconds === null && r.ttft_count === null && r.e2e_p95_seconds !== null)).toBe(true);
  });

  it('the estimator on the stored rows finds the knee the test data puts there', async () => {
    // One hour before and after the data: every hour of the range comes back, unserved ones empty.
    const read = await deploymentLatencyHours(ctx.db, { deployment: 'copilot-vllm', start: new Date(start.getTime() - 3_600_000), end: new Date(end.getTime() + 3_600_000) });
    expect(read).toHaveLength(HOURS + 2);
    expect([read[0]!.tokens, read[0]!.requests, read[0]!.e2eP95Seconds, read.at(-1)!.ttftBuckets]).toEqual([0, 0, null, null]);
    const inRange = read.slice(1, -1);
    expect(inRange.map((h) => h.tokens)).toEqual(data.expected.get('copilot-vllm')!.map((e) => e.tokens));
    // The month's p95 from the stored buckets equals the quantile of all known deltas together.
    expect(quantileOverHours(0.95, inRange.map((h) => h.e2eBuckets))).toBeCloseTo(histogramQuantile(0.95, mergeBuckets(data.expected.get('copilot-vllm')!.map((e) => e.buckets.e2e!)))!, 9);
    const fromDb = capacityHours(inRange, 2);
    const known = capacityHours(
      data.expected.get('copilot-vllm')!.map((e, k) => ({ hour: new Date(hourIso(k)), tokens: e.tokens, requests: e.buckets.e2e!.get(Infinity)!, e2eP95Seconds: histogramQuantile(0.95, e.buckets.e2e!), ttftP95Seconds: histogramQuantile(0.95, e.buckets.ttft!) })),
      2,
    );
    const slo = { e2e_p95_seconds: 3 };
    const got = estimateCapacityAtSlo(fromDb, slo, 1500);
    const want = estimateCapacityAtSlo(known, slo, 1500);
    expect(got.source).toBe('measured');
    expect(got.capacityTpsPerReplica).toBeCloseTo(want.capacityTpsPerReplica!, 9);
    // Computed directly: the busiest hour whose e2e p95 met 3 s, among hours busier than a quarter of the peak.
    const compliant = known.filter((h) => h.e2eP95Seconds! <= 3).map((h) => h.tokensPerSecondPerReplica);
    expect(got.capacityTpsPerReplica).toBeCloseTo(Math.max(...compliant), 9);
    expect(got.sloViolationHours).toBe(known.filter((h) => h.e2eP95Seconds! > 3).length);
    expect(got.sloViolationHours).toBeGreaterThan(0);
    expect(got.latencyBinds).toBe(true);
    // A looser SLO is met everywhere: only a lower bound, at the busiest hour.
    const loose = estimateCapacityAtSlo(fromDb, { e2e_p95_seconds: 60 }, 1500);
    expect([loose.source, loose.sizingSource]).toEqual(['lower_bound', 'profile']);
    expect(loose.capacityTpsPerReplica).toBeCloseTo(Math.max(...known.map((h) => h.tokensPerSecondPerReplica)), 9);
  });

  it('the embedded database (PGlite) stores and reads the latency rows the same way', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bk-lat-'));
    const lite = await connectDb({ dataDir: join(dir, 'pgdata') });
    try {
      await migrateToLatest(lite.db);
      const { writeFacts } = await import('../../../src/ingest/upsert.ts');
      const serving = await ctx.db.selectFrom('serving_metrics').selectAll().where('deployment', '=', 'copilot-vllm').execute();
      const latency = await ctx.db.selectFrom('serving_latency_hourly').selectAll().where('deployment', '=', 'copilot-vllm').execute();
      await lite.db.transaction().execute((trx) =>
        writeFacts(trx, ctx.config, {
          serving: serving.map(({ ingested_at: _, ...r }) => r),
          latency: latency.map(({ ingested_at: _, ...r }) => ({ ...r, ttft_buckets: JSON.stringify(r.ttft_buckets), e2e_buckets: JSON.stringify(r.e2e_buckets), queue_buckets: JSON.stringify(r.queue_buckets) })),
        }),
      );
      const q = { deployment: 'copilot-vllm', start, end };
      expect(await deploymentLatencyHours(lite.db, q)).toEqual(await deploymentLatencyHours(ctx.db, q));
    } finally {
      await lite.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
