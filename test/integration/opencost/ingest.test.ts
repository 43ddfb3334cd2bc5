import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestContext, exampleConfig, type TestCtx } from '../../helpers/db.ts';
import { startOpencostSimulator, type OpencostSimulatorOptions } from '../../../src/simulators/opencost.ts';
import { opencostConnector } from '../../../src/sources/opencost/connector.ts';
import { SourceHttpError, SourceSchemaError } from '../../../src/errors.ts';
import type { Ctx } from '../../../src/context.ts';
import { readRawBody } from '../../../src/ingest/raw-archive.ts';

// 2026-11-03 is a Tuesday: copilot-vllm holds copilot-1 08–18, copilot-embed 0.5 GPU 00–06.
const DAY = { start: new Date('2026-11-03T00:00:00Z'), end: new Date('2026-11-04T00:00:00Z') };

let ctx: TestCtx;

beforeAll(async () => {
  const config = exampleConfig();
  config.sources.opencost = { ...config.sources.opencost, enabled: true, inference_cost: true };
  ctx = await createTestContext({ config });
}, 120_000);
afterAll(async () => {
  await ctx?.destroy();
});
beforeEach(async () => {
  for (const t of ['opencost_gpu_allocations', 'opencost_gpu_idle', 'opencost_inference_costs', 'raw_payloads', 'ingestion_runs', 'sync_state'] as const) await ctx.db.deleteFrom(t).execute();
});

const pointed = (url: string): Ctx => ({ ...ctx, env: { ...ctx.env, OPENCOST_URL: url } });

async function ingestWith(opts: OpencostSimulatorOptions, prime?: (sim: Awaited<ReturnType<typeof startOpencostSimulator>>) => void) {
  const sim = await startOpencostSimulator(opts);
  try {
    prime?.(sim);
    const err = await opencostConnector.ingest(pointed(sim.url), DAY).then(
      () => null,
      (e: unknown) => e as Error,
    );
    return { err, requests: sim.requests };
  } finally {
    await sim.close();
  }
}

async function counts() {
  const n = async (t: 'opencost_gpu_allocations' | 'opencost_gpu_idle' | 'opencost_inference_costs') =>
    Number((await ctx.db.selectFrom(t).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
  return { allocations: await n('opencost_gpu_allocations'), idle: await n('opencost_gpu_idle'), inference: await n('opencost_inference_costs') };
}

describe('opencost ingest against the simulator', () => {
  it('stores a day of GPU-hour shares and per-node idle that add up to each node’s capacity', async () => {
    const { err, requests } = await ingestWith({});
    expect(err).toBeNull();
    expect(requests.map((r) => r.path)).toEqual(['/allocation', '/inferenceCost/total']);
    expect(requests[0]!.params).toMatchObject({ step: '1h', aggregate: 'cluster,node,namespace,label:app.kubernetes.io/name', includeIdle: 'true', idleByNode: 'true' });

    const perNode = await ctx.db
      .selectFrom('opencost_gpu_allocations')
      .select(['node', 'node_pool', (eb) => eb.fn.sum<string>('gpu_hours').as('hours')])
      .groupBy(['node', 'node_pool'])
      .orderBy('node')
      .execute();
    // copilot-1: vllm 10 h (business hours) + embed 6 × 0.5; rerank-0: 22 × 8 + 2 × 4.
    expect(perNode.map((r) => [r.node, r.node_pool, Number(r.hours)])).toEqual([
      ['copilot-0', 'gpu-l40s', 24],
      ['copilot-1', 'gpu-l40s', 13],
      ['rerank-0', 'gpu-h100', 184],
    ]);
    const idle = await ctx.db
      .selectFrom('opencost_gpu_idle')
      .select(['node', 'node_pool', 'gpu_hours_basis', (eb) => eb.fn.sum<string>('gpu_hours').as('hours')])
      .groupBy(['node', 'node_pool', 'gpu_hours_basis'])
      .orderBy(['node', 'gpu_hours_basis'])
      .execute();
    // Capacity 24, 24 and 192 GPU-hours. copilot-1's fully idle hours have no rate of their own → its pool's.
    expect(idle.map((r) => [r.node, r.node_pool, r.gpu_hours_basis, Number(r.hours)])).toEqual([
      ['copilot-1', 'gpu-l40s', 'node_rate', 3],
      ['copilot-1', 'gpu-l40s', 'pool_rate', 8],
      ['rerank-0', 'gpu-h100', 'node_rate', 8],
    ]);
    const inf = await ctx.db.selectFrom('opencost_inference_costs').select(['model_name', 'cost_basis', 'total_cost_list']).orderBy('model_name').execute();
    expect(inf).toEqual([
      { model_name: 'meta-llama/Llama-3.1-70B-Instruct', cost_basis: 'allocation', total_cost_list: '2261.36' },
      { model_name: 'meta-llama/Llama-3.1-8B-Instruct', cost_basis: 'allocation', total_cost_list: '63.274' },
    ]);
  });

  it('re-ingesting the day changes no row', async () => {
    await ingestWith({});
    const first = await ctx.db.selectFrom('opencost_gpu_allocations').select(['hour', 'node', 'deployment', 'gpu_hours']).orderBy(['hour', 'node', 'deployment']).execute();
    const c1 = await counts();
    await ingestWith({});
    expect(await counts()).toEqual(c1);
    expect(await ctx.db.selectFrom('opencost_gpu_allocations').select(['hour', 'node', 'deployment', 'gpu_hours']).orderBy(['hour', 'node', 'deployment']).execute()).toEqual(first);
  });

  it('without splitIdle support (OpenCost itself) idle comes back merged per hour and is kept cluster-wide', async () => {
    const { err } = await ingestWith({ honourSplitIdle: false, inferenceCost: false });
    expect(err).toBeNull();
    const idle = await ctx.db.selectFrom('opencost_gpu_idle').select(['node', 'gpu_hours_basis']).distinct().execute();
    expect(idle).toEqual([{ node: '', gpu_hours_basis: 'cluster_rate' }]);
    // /inferenceCost answered 404 (older OpenCost): the cross-check is skipped, the shares are stored.
    expect(await counts()).toMatchObject({ inference: 0 });
    expect((await counts()).allocations).toBeGreaterThan(0);
  });
});

describe('opencost ingest: bad input writes nothing of the day and keeps the raw body', () => {
  it.each<[string, { status: number; body: string }, typeof SourceSchemaError | typeof SourceHttpError, RegExp, RegExp]>([
    ['malformed JSON', { status: 200, body: '{"code":200,"data":[{' }, SourceSchemaError, /opencost: unexpected response shape from http:\/\/127\.0\.0\.1:\d+\/allocation\?window=.*: not JSON/, /^\{"code":200/],
    ['a missing field', { status: 200, body: '{"code":200,"data":[{"a/b/c/d":{"name":"a/b/c/d","end":"2026-11-03T01:00:00Z"}}]}' }, SourceSchemaError, /data\[0\]\.a\/b\/c\/d\.start: /, /"name":"a\/b\/c\/d"/],
    ['a set that is not one hour', { status: 200, body: '{"code":200,"data":[{"c/n/ns/d":{"name":"c/n/ns/d","start":"2026-11-03T00:00:00Z","end":"2026-11-04T00:00:00Z","gpuHours":8,"gpuCost":1}}]}' }, SourceSchemaError, /window .* is not within one hour/, /"gpuHours":8/],
    ['an error code inside a 200', { status: 200, body: '{"code":500,"message":"Error: prometheus unreachable","data":[]}' }, SourceSchemaError, /code 500: Error: prometheus unreachable/, /prometheus unreachable/],
    ['a 400 from OpenCost', { status: 400, body: '{"code":400,"message":"Error: Invalid \'aggregate\' parameter"}' }, SourceHttpError, /opencost: HTTP 400 from .*\/allocation.*: Error: Invalid 'aggregate' parameter/, /Invalid/],
  ])('%s', async (_what, answer, type, message, body) => {
    // Prime a good day first: a failed re-pull must not erase it either.
    await ingestWith({});
    const before = await counts();
    const { err } = await ingestWith({}, (sim) => sim.failNext.push(answer));
    expect(err).toBeInstanceOf(type);
    expect(err!.message).toMatch(message);
    expect(await counts()).toEqual(before);
    const run = await ctx.db.selectFrom('ingestion_runs').selectAll().where('source', '=', 'opencost').orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(run.status).toBe('failed');
    expect(run.error).toBe(err!.message);
    const raw = await ctx.db.selectFrom('raw_payloads').select(['status', 'body', 'body_gz', 'parse_error']).where('run_id', '=', run.id).execute();
    expect(raw).toHaveLength(1);
    expect(readRawBody(raw[0]!)).toMatch(body);
    expect(raw[0]!.status).toBe(answer.status);
    if (type === SourceSchemaError) expect(raw[0]!.parse_error).toBeTruthy();
  });

  it('says which variable to set when OPENCOST_URL is missing', () => {
    expect(opencostConnector.configured(ctx)).toEqual({ ok: false, why: 'OPENCOST_URL is not set' });
  });
});
