import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestCtx } from '../../helpers/db.ts';
import { startPrometheusServer, type PrometheusServer } from '../../helpers/prometheus-server.ts';
import { ingestPrometheus, prometheusConnector } from '../../../src/sources/prometheus/connector.ts';
import { buildSynthetic, DAYS, T0 } from './synthetic.ts';

/**
 * Against a REAL Prometheus 2.42 (Debian package): backfill known counters and gauges with promtool,
 * ingest through the connector, and compare what landed in Postgres with the known answers.
 * Fails (does not skip) when the binaries are missing.
 */
const data = buildSynthetic();
let prom: PrometheusServer;
let ctx: TestCtx;
const start = new Date(T0 * 1000);
const end = new Date((T0 + DAYS * 86_400) * 1000);

beforeAll(async () => {
  prom = await startPrometheusServer({ openMetrics: data.openMetrics });
  ctx = await createTestContext({ env: { PROMETHEUS_URL: prom.url } });
}, 180_000);

afterAll(async () => {
  await ctx?.destroy();
  await prom?.close();
});

type ServingRow = Awaited<ReturnType<typeof servingRows>>[number];
const servingRows = () =>
  ctx.db.selectFrom('serving_metrics').leftJoin('serving_dims', (j) => j.onRef('serving_dims.deployment', '=', 'serving_metrics.deployment').onRef('serving_dims.model', '=', 'serving_metrics.model')).selectAll('serving_metrics').select('serving_dims.feature').orderBy('serving_metrics.deployment').orderBy('hour').execute();

describe('prometheus connector against a real Prometheus 2.42', () => {
  it('ingests two day windows', async () => {
    expect(prometheusConnector.configured(ctx)).toEqual({ ok: true });
    const windows = await ingestPrometheus(ctx, { start, end });
    expect(windows.map((w) => [w.start.toISOString(), w.end.toISOString()])).toEqual([
      ['2025-03-10T00:00:00.000Z', '2025-03-11T00:00:00.000Z'],
      ['2025-03-11T00:00:00.000Z', '2025-03-12T00:00:00.000Z'],
    ]);
    expect(windows.every((w) => w.rows > 0)).toBe(true);
  });

  it('stores hourly token, request and prefix-cache totals EXACTLY, across counter resets', async () => {
    const rows = await servingRows();
    const byDep = new Map<string, ServingRow[]>();
    for (const r of rows) byDep.set(r.deployment, [...(byDep.get(r.deployment) ?? []), r]);
    expect([...byDep.keys()].sort()).toEqual(['batch-sglang', 'copilot-vllm', 'rerank-70b']);
    for (const [dep, expected] of data.serving) {
      const got = byDep.get(dep)!;
      expect(got.map((r) => r.hour.toISOString())).toEqual([...expected.keys()]);
      for (const r of got) {
        const e = expected.get(r.hour.toISOString())!;
        const where = `${dep} ${r.hour.toISOString()}`;
        expect({ where, prompt: Number(r.prompt_tokens), gen: Number(r.generation_tokens), req: Number(r.requests) }).toEqual({ where, prompt: e.prompt, gen: e.generation, req: e.requests });
        expect({ where, pq: r.prefix_cache_queries === null ? null : Number(r.prefix_cache_queries), ph: r.prefix_cache_hits === null ? null : Number(r.prefix_cache_hits) }).toEqual({ where, pq: e.pq, ph: e.ph });
      }
    }
    // The hours with a restart are the interesting ones: they must be right too (not just "close").
    const rerankRestart = byDep.get('rerank-70b')!.find((r) => r.hour.toISOString() === '2025-03-10T13:00:00.000Z')!;
    expect(Number(rerankRestart.prompt_tokens)).toBe(data.serving.get('rerank-70b')!.get('2025-03-10T13:00:00.000Z')!.prompt);
  });

  it('sums per day to the known daily totals', async () => {
    const daily = await ctx.db
      .selectFrom('serving_metrics')
      .select((eb) => [
        'deployment',
        eb.fn<string>('date_trunc', [eb.val('day'), eb.ref('hour')]).as('day'),
        eb.fn.sum<string>('prompt_tokens').as('prompt'),
        eb.fn.sum<string>('generation_tokens').as('gen'),
      ])
      .groupBy(['deployment', 'day'])
      .orderBy('deployment')
      .orderBy('day')
      .execute();
    const expected: Array<{ deployment: string; day: string; prompt: number; gen: number }> = [];
    for (const [dep, hours] of [...data.serving].sort(([a], [b]) => a.localeCompare(b))) {
      for (let d = 0; d < DAYS; d++) {
        const day = new Date((T0 + d * 86_400) * 1000).toISOString();
        const inDay = [...hours].filter(([h]) => h.slice(0, 10) === day.slice(0, 10)).map(([, v]) => v);
        expected.push({ deployment: dep, day, prompt: inDay.reduce((a, v) => a + v.prompt, 0), gen: inDay.reduce((a, v) => a + v.generation, 0) });
      }
    }
    expect(daily.map((r) => ({ deployment: r.deployment, day: new Date(r.day).toISOString(), prompt: Number(r.prompt), gen: Number(r.gen) }))).toEqual(expected);
  });

  it('stores hourly gauge statistics (avg, p95 over replicas) and the engine and model', async () => {
    const rows = await servingRows();
    for (const r of rows) {
      const e = data.serving.get(r.deployment)!.get(r.hour.toISOString())!;
      const where = `${r.deployment} ${r.hour.toISOString()}`;
      expect(r.engine, where).toBe(r.deployment === 'batch-sglang' ? 'sglang' : 'vllm');
      for (const [got, want] of [
        [r.kv_cache_usage_avg, e.kvAvg],
        [r.kv_cache_usage_p95, e.kvP95],
        [r.requests_running_avg, e.running],
        [r.requests_waiting_avg, e.waiting],
      ] as const) {
        if (want === null) expect(got, where).toBeNull();
        else expect(Math.abs(got! - want), where).toBeLessThan(1e-9);
      }
    }
    const models = [...new Set(rows.map((r) => `${r.deployment}:${r.model}`))].sort();
    expect(models).toEqual(['batch-sglang:Qwen/Qwen2.5-7B-Instruct', 'copilot-vllm:meta-llama/Llama-3.1-8B-Instruct', 'rerank-70b:meta-llama/Llama-3.1-70B-Instruct']);
    // Attribution ran in the same transaction: configured deployments carry their feature.
    expect(new Set(rows.filter((r) => r.deployment === 'copilot-vllm').map((r) => r.feature))).toEqual(new Set(['internal-copilot']));
    expect(new Set(rows.filter((r) => r.deployment === 'batch-sglang').map((r) => r.feature))).toEqual(new Set([null]));
  });

  it('stores DCGM hourly averages (util as a fraction), maps hosts to deployments, never a blank sentinel', async () => {
    const rows = await ctx.db.selectFrom('gpu_metrics').selectAll().orderBy('hostname').orderBy('gpu').orderBy('hour').execute();
    expect(rows).toHaveLength(4 * DAYS * 24);
    for (const r of rows) {
      const e = data.gpu.get(`${r.hostname}|${r.gpu}`)!.get(r.hour.toISOString())!;
      const where = `${r.hostname}/${r.gpu} ${r.hour.toISOString()}`;
      expect(Math.abs(r.gpu_util_avg! - e.util!), where).toBeLessThan(1e-9);
      expect(r.gpu_util_avg!, where).toBeLessThanOrEqual(1);
      if (e.engineActive === null) expect(r.engine_active_avg, where).toBeNull();
      else expect(Math.abs(r.engine_active_avg! - e.engineActive), where).toBeLessThan(1e-9);
      if (e.fb === null) expect(r.fb_used_mib_avg, where).toBeNull();
      else expect(Math.abs(r.fb_used_mib_avg! - e.fb), where).toBeLessThan(1e-6);
      expect(Math.abs(r.power_w_avg! - e.power!), where).toBeLessThan(1e-9);
      expect(r.deployment, where).toBe(r.hostname.startsWith('copilot') ? 'copilot-vllm' : 'rerank-70b');
    }
    const blankFb = rows.find((r) => r.hostname === 'copilot-1' && r.hour.toISOString() === '2025-03-10T15:00:00.000Z')!;
    expect(blankFb.fb_used_mib_avg).toBeNull();
    expect(rows.filter((r) => r.hostname === 'rerank-0' && r.gpu === '1').every((r) => r.engine_active_avg === null)).toBe(true);
    expect(rows.filter((r) => r.hostname === 'rerank-0' && r.gpu === '0').every((r) => r.engine_active_avg !== null)).toBe(true);
    const max = Math.max(...rows.flatMap((r) => [r.gpu_util_avg, r.engine_active_avg, r.fb_used_mib_avg, r.power_w_avg].filter((v): v is number => v !== null)));
    expect(max).toBeLessThan(1e6);
    expect(rows.find((r) => r.hostname === 'rerank-0')!.uuid).toMatch(/^GPU-/);
    expect(rows.find((r) => r.hostname === 'copilot-0')!.model_name).toBe('NVIDIA L40S');
  });

  it('re-ingesting a window replaces, never adds; the watermark is the end of the last window', async () => {
    const before = await ctx.db.selectFrom('serving_metrics').select((eb) => eb.fn.sum<string>('prompt_tokens').as('p')).executeTakeFirstOrThrow();
    await ingestPrometheus(ctx, { start: new Date((T0 + 86_400) * 1000), end });
    const after = await ctx.db.selectFrom('serving_metrics').select((eb) => eb.fn.sum<string>('prompt_tokens').as('p')).executeTakeFirstOrThrow();
    expect(after.p).toBe(before.p);
    const state = await ctx.db.selectFrom('sync_state').select('watermark').where('source', '=', 'prometheus').executeTakeFirstOrThrow();
    expect(state.watermark).toEqual(end);
  });
});
