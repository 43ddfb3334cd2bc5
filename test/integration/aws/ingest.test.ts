import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { sql } from 'kysely';
import { createTestContext, type TestCtx } from '../../helpers/db.ts';
import { fixedClock } from '../../../src/clock.ts';
import type { Env } from '../../../src/config/env.ts';
import { connectorFor } from '../../../src/ingest/registry.ts';
import { createAwsConnector } from '../../../src/sources/aws/connector.ts';
import { startCostExplorerSimulator, type CostExplorerSimulator, type CostExplorerSimulatorOptions } from '../../../src/simulators/aws-ce.ts';

// The real AWS SDK against the local Cost Explorer simulator, with fake credentials given in the
// client config (never the user's: the SDK's own credential chain is not consulted).
const NOW = new Date('2026-11-24T12:00:00Z');
const FAKE = { AWS_ACCESS_KEY_ID: 'AKIDSIMULATOR', AWS_SECRET_ACCESS_KEY: 'not-a-real-secret' };
const d = (s: string) => new Date(`${s}T00:00:00Z`);

let ctx: TestCtx;
let sim: CostExplorerSimulator | null = null;
const sleeps: number[] = [];

beforeAll(async () => {
  ctx = await createTestContext({ clock: fixedClock(NOW) });
  ctx.sleep = async (ms) => {
    sleeps.push(ms);
  };
});
afterAll(async () => {
  await sim?.close();
  await ctx?.destroy();
});
beforeEach(async () => {
  await sim?.close();
  sim = null;
  sleeps.length = 0;
  // Belt and braces: even a code path falling back to the SDK chain would only find fakes.
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDFROMPROCESSENV');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'fake');
  vi.stubEnv('AWS_PROFILE', '');
});

async function useSimulator(opts: CostExplorerSimulatorOptions = {}): Promise<CostExplorerSimulator> {
  sim = await startCostExplorerSimulator({ now: () => NOW, pageSize: 4, ...opts });
  ctx.env = { ...ctx.env, AWS_ENDPOINT_URL_COST_EXPLORER: sim.url, ...FAKE } as Env;
  return sim;
}

const rowsBetween = (from: string, to: string) =>
  ctx.db.selectFrom('cost_line_items').selectAll().where('source', '=', 'aws').where('charge_period_start', '>=', d(from)).where('charge_period_start', '<', d(to)).execute();

describe('aws connector against the Cost Explorer simulator', () => {
  it('pulls a closed month as one paginated request chain: tag groups incl. untagged, GPU lines, exact money, requests counted', async () => {
    const s = await useSimulator();
    const connector = connectorFor('aws');
    expect(connector.configured(ctx)).toEqual({ ok: true });
    const windows = await connector.ingest(ctx, { start: d('2026-10-01'), end: d('2026-11-01') });

    // 31 days × 5 groups at 4 groups a page = 39 pages, one request each, one chain.
    expect(s.requests).toHaveLength(39);
    expect(windows).toHaveLength(1);
    expect(windows[0]).toMatchObject({ rows: 62, requests: 39 });
    expect(s.requests.every((r) => r.credentialScope?.startsWith('AKIDSIMULATOR/') && r.credentialScope.endsWith('/us-east-1/ce/aws4_request'))).toBe(true);
    const first = s.requests[0]!.body;
    expect(first).toMatchObject({
      TimePeriod: { Start: '2026-10-01', End: '2026-11-01' },
      Granularity: 'DAILY',
      Metrics: ['UnblendedCost', 'NetAmortizedCost', 'UsageQuantity'],
      GroupBy: [
        { Type: 'TAG', Key: 'feature' },
        { Type: 'DIMENSION', Key: 'USAGE_TYPE' },
      ],
    });
    expect(first['NextPageToken']).toBeUndefined();
    expect(s.requests.slice(1).every((r) => typeof r.body['NextPageToken'] === 'string')).toBe(true);

    const rows = await rowsBetween('2026-10-01', '2026-11-01');
    // Only inference spend is kept: the two tagged GPU deployments × 31 days. Untagged non-GPU lines
    // (m7i web servers, S3) are the rest of the AWS bill and are not stored.
    expect(rows).toHaveLength(62);
    const g6e = rows.filter((r) => r.x_usage_type === 'BoxUsage:g6e.xlarge');
    expect(g6e).toHaveLength(31);
    expect(g6e[0]).toMatchObject({ x_gpu_model: 'l40s', x_gpu_count: 1, deployment: 'copilot-vllm', feature: 'internal-copilot', tags: { feature: 'internal-copilot' }, estimated: false, resource_type: 'instance' });
    expect(Number(g6e[0]!.billed_cost)).toBe(89.328); // 2 instances × 24 h × $1.861
    expect(g6e[0]!.billed_cost).toBe('89.328');
    expect(g6e[0]!.effective_cost).toBe('73.24896'); // NetAmortizedCost: Savings Plan share
    const p5 = rows.find((r) => r.x_usage_type === 'BoxUsage:p5.48xlarge')!;
    expect(p5).toMatchObject({ x_gpu_model: 'h100', x_gpu_count: 8, deployment: 'rerank-70b', feature: 'search-rerank', billed_cost: '1320.96', consumed_quantity: '24', consumed_unit: 'Hrs' });
    expect(rows.filter((r) => Object.keys(r.tags).length === 0)).toHaveLength(0);
    expect(rows.some((r) => ['BoxUsage:m7i.xlarge', 'TimedStorage-ByteHrs', 'Requests-Tier1'].includes(r.x_usage_type ?? ''))).toBe(false);

    const month = await sql<{ feature: string; billed: string }>`
      select feature, sum(billed_cost)::text as billed from cost_daily where day >= '2026-10-01' and day < '2026-11-01' and sku = 'BoxUsage:g6e.xlarge' group by feature`.execute(ctx.db);
    expect(month.rows).toEqual([{ feature: 'internal-copilot', billed: '2769.168' }]);

    const run = await ctx.db.selectFrom('ingestion_runs').selectAll().where('source', '=', 'aws').executeTakeFirstOrThrow();
    expect(run).toMatchObject({ status: 'succeeded', requests_made: 39, rows_written: 62 });
    const state = await ctx.db.selectFrom('sync_state').selectAll().where('source', '=', 'aws').executeTakeFirstOrThrow();
    expect(state.requests_total).toBe('39');
    expect(state.watermark?.toISOString()).toBe('2026-11-01T00:00:00.000Z');
    const raw = await ctx.db.selectFrom('raw_payloads').select(sql<string>`count(*)`.as('n')).where('run_id', '=', run.id).executeTakeFirstOrThrow();
    expect(Number(raw.n)).toBe(39);
  });

  it('replaces Estimated days on re-pull with the restated amounts (values replaced, not added)', async () => {
    await useSimulator({ faults: { restatement: true } });
    const connector = createAwsConnector({ credentials: { accessKeyId: 'AKIDSIMULATOR', secretAccessKey: 'x' } });
    await connector.ingest(ctx, { start: d('2026-11-01'), end: d('2026-11-24') });
    let rows = await rowsBetween('2026-11-01', '2026-11-24');
    expect(rows).toHaveLength(23 * 2);
    expect(rows.every((r) => r.estimated)).toBe(true);
    expect(rows.find((r) => r.x_usage_type === 'BoxUsage:g6e.xlarge')!.billed_cost).toBe('89.328');

    await connector.ingest(ctx, { start: d('2026-11-01'), end: d('2026-11-24') });
    rows = await rowsBetween('2026-11-01', '2026-11-24');
    expect(rows).toHaveLength(23 * 2);
    const g6e = rows.filter((r) => r.x_usage_type === 'BoxUsage:g6e.xlarge');
    expect(new Set(g6e.map((r) => r.billed_cost))).toEqual(new Set(['92.00784'])); // 89.328 × 1.03
    const sum = await sql<{ s: string }>`select sum(billed_cost)::text as s from cost_line_items where x_usage_type = 'BoxUsage:g6e.xlarge' and charge_period_start >= '2026-11-01'`.execute(ctx.db);
    expect(sum.rows[0]!.s).toBe('2116.18032'); // 23 × 92.00784, not the sum of both pulls
    // The closed month pulled before is untouched.
    expect(await rowsBetween('2026-10-01', '2026-11-01')).toHaveLength(62);
  });

  it('retries LimitExceededException with backoff, then succeeds; every request is counted', async () => {
    const s = await useSimulator({ faults: { limitExceeded: 2 } });
    const [w] = await connectorFor('aws').ingest(ctx, { start: d('2026-09-01'), end: d('2026-09-04') });
    // 3 days × 5 groups = 15 groups → 4 pages, after 2 throttled attempts.
    expect(s.requests.map((r) => r.status)).toEqual([400, 400, 200, 200, 200, 200]);
    expect(w).toMatchObject({ rows: 6, requests: 6 });
    expect(sleeps).toHaveLength(2);
    expect(sleeps[1]!).toBeGreaterThan(0);
    const run = await ctx.db.selectFrom('ingestion_runs').selectAll().where('window_start', '=', d('2026-09-01')).executeTakeFirstOrThrow();
    expect(run).toMatchObject({ status: 'succeeded', requests_made: 6 });
    expect(await rowsBetween('2026-09-01', '2026-09-04')).toHaveLength(6);
  });

  it('fails a ValidationException at once with a clear error and writes nothing of the window', async () => {
    const s = await useSimulator({ faults: { validationException: { afterRequests: 1, message: 'Tag key feature is not activated for cost allocation' } } });
    const before = await ctx.db.selectFrom('sync_state').select('requests_total').where('source', '=', 'aws').executeTakeFirstOrThrow();
    await expect(connectorFor('aws').ingest(ctx, { start: d('2026-08-01'), end: d('2026-08-05') })).rejects.toThrow(
      'AWS Cost Explorer: HTTP 400 from GetCostAndUsage: ValidationException: Tag key feature is not activated for cost allocation',
    );
    expect(s.requests).toHaveLength(2); // the first page, then the rejected second: no retry
    expect(await rowsBetween('2026-08-01', '2026-08-05')).toHaveLength(0);
    const run = await ctx.db.selectFrom('ingestion_runs').selectAll().where('window_start', '=', d('2026-08-01')).executeTakeFirstOrThrow();
    expect(run.status).toBe('failed');
    expect(run.requests_made).toBe(2);
    expect(run.error).toContain('ValidationException');
    const state = await ctx.db.selectFrom('sync_state').selectAll().where('source', '=', 'aws').executeTakeFirstOrThrow();
    expect(state.last_error).toContain('Tag key feature is not activated');
    expect(Number(state.requests_total) - Number(before.requests_total)).toBe(2);
  });

  it('falls back from a refused NetAmortizedCost to AmortizedCost once per run, one chain per month window', async () => {
    const s = await useSimulator({ faults: { rejectMetrics: ['NetAmortizedCost'] } });
    const windows = await connectorFor('aws').ingest(ctx, { start: d('2026-06-29'), end: d('2026-07-02') });
    expect(windows.map((w) => `${w.start.toISOString().slice(0, 10)}..${w.end.toISOString().slice(0, 10)}`)).toEqual(['2026-06-29..2026-07-01', '2026-07-01..2026-07-02']);
    const refused = s.requests.filter((r) => r.status === 400);
    expect(refused).toHaveLength(1);
    const chains = s.requests.filter((r) => r.status === 200 && r.body['NextPageToken'] === undefined).map((r) => r.body['TimePeriod']);
    expect(chains).toEqual([
      { Start: '2026-06-29', End: '2026-07-01' },
      { Start: '2026-07-01', End: '2026-07-02' },
    ]);
    expect(s.requests.filter((r) => r.status === 200).every((r) => (r.body['Metrics'] as string[]).includes('AmortizedCost'))).toBe(true);
    const g6e = (await rowsBetween('2026-06-29', '2026-07-02')).filter((r) => r.x_usage_type === 'BoxUsage:g6e.xlarge');
    expect(g6e).toHaveLength(3);
    expect(g6e.every((r) => r.effective_cost === '75.9288' && (r.extra as { cost_metric?: string }).cost_metric === 'AmortizedCost')).toBe(true);
    expect(windows.reduce((a, w) => a + w.requests, 0)).toBe(s.requests.length);
  });

  it('writes Bedrock token usage types as aws-bedrock usage facts with the tokens of their cost lines', async () => {
    await useSimulator({ bedrock: true });
    await connectorFor('aws').ingest(ctx, { start: d('2026-05-10'), end: d('2026-05-11') });
    const lines = await rowsBetween('2026-05-10', '2026-05-11');
    expect(lines).toHaveLength(6);
    const qty = (u: string) => lines.find((l) => l.x_usage_type === u)!.consumed_quantity;
    const facts = await ctx.db.selectFrom('usage_facts').selectAll().where('provider', '=', 'aws-bedrock').orderBy('model').execute();
    expect(facts.map((f) => f.model)).toEqual(['Llama3-3-70B', 'bedrock-marketplace']);
    expect(facts[0]).toMatchObject({ uncached_input_tokens: qty('USE1-Llama3-3-70B-input-tokens'), output_tokens: qty('USE1-Llama3-3-70B-output-tokens'), project_id: null });
    expect(facts[1]).toMatchObject({ uncached_input_tokens: qty('USE1-MP:USE1_InputTokenCount-Units'), output_tokens: qty('USE1-MP:USE1_OutputTokenCount-Units') });
    expect(Number(facts[0]!.uncached_input_tokens)).toBeGreaterThanOrEqual(2_000_000);
    expect(facts[0]!.bucket_start.toISOString()).toBe('2026-05-10T00:00:00.000Z');
  });
});
