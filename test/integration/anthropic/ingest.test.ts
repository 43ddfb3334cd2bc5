import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestContext, type TestCtx } from '../../helpers/db.ts';
import { startAnthropicSimulator, type AnthropicSimulator } from '../../../src/simulators/anthropic.ts';
import { anthropicConnector } from '../../../src/sources/anthropic/connector.ts';
import { ADMIN_KEY, clearAll, configWithApi, scenarioTotals, snapshot, storedTotals, withSimulator } from './support.ts';

const FROM = new Date('2026-10-05T00:00:00Z');
const TO = new Date('2026-10-08T00:00:00Z');

let ctx: TestCtx;
let sim: AnthropicSimulator;

beforeAll(async () => {
  sim = await startAnthropicSimulator();
  ctx = await createTestContext({ config: configWithApi('legacy'), env: { ANTHROPIC_BASE_URL: sim.url, ANTHROPIC_ADMIN_KEY: ADMIN_KEY } });
});
afterAll(async () => {
  await sim?.close();
  await ctx?.destroy();
});
beforeEach(async () => {
  await clearAll(ctx);
  sim.requests.length = 0;
});

describe('anthropic ingest against the simulator', () => {
  it('stores exactly the scenario totals for the window, and a second pull changes nothing', async () => {
    const seen: string[] = [];
    const windows = await anthropicConnector.ingest(ctx, { start: FROM, end: TO }, (w) => seen.push(w.start.toISOString()));
    expect(windows.map((w) => [w.start.toISOString(), w.end.toISOString(), w.rows, w.requests])).toEqual([
      // 24 hours × 2 keys of usage + 4 token types × 2 models of cost; one usage and one cost page a day.
      ['2026-10-05T00:00:00.000Z', '2026-10-06T00:00:00.000Z', 56, 2],
      ['2026-10-06T00:00:00.000Z', '2026-10-07T00:00:00.000Z', 56, 2],
      ['2026-10-07T00:00:00.000Z', '2026-10-08T00:00:00.000Z', 56, 2],
    ]);
    expect(seen).toEqual(windows.map((w) => w.start.toISOString()));

    const expected = scenarioTotals(FROM, TO);
    const stored = await storedTotals(ctx);
    expect([...stored.keys()].sort()).toEqual(['apikey_support_guard', 'apikey_support_prod']);
    for (const [key, e] of expected) {
      const s = stored.get(key)!;
      expect({ uncached: s.uncached, cacheRead: s.cacheRead, cacheWrite: s.cacheWrite, output: s.output }).toEqual({
        uncached: e.uncached,
        cacheRead: e.cacheRead,
        cacheWrite: e.cacheWrite,
        output: e.output,
      });
      // Money compared exactly, as decimals (numeric → text keeps every digit).
      expect(new Decimal(s.cost).equals(e.cost)).toBe(true);
      expect(s.requests).toBe(0);
    }
    const prodCost = expected.get('apikey_support_prod')!.cost;
    expect(prodCost.greaterThan(100)).toBe(true);

    const first = await snapshot(ctx);
    expect(first.usage).toHaveLength(144);
    expect(first.costs).toHaveLength(24);
    // Attribution ran inside the window's transaction.
    expect(new Set(first.usage.filter((u) => u.api_key_id === 'apikey_support_prod').map((u) => u.feature))).toEqual(new Set(['support-chat']));
    expect(new Set(first.usage.filter((u) => u.api_key_id === 'apikey_support_guard').map((u) => u.feature))).toEqual(new Set(['support-chat.guardrail']));
    expect(first.costs[0]).toMatchObject({ billing_currency: 'USD', provider_name: 'Anthropic', x_workspace_id: 'wrkspc_support', charge_category: 'Usage' });

    await anthropicConnector.ingest(ctx, { start: FROM, end: TO });
    expect(await snapshot(ctx)).toEqual(first);

    const state = await ctx.db.selectFrom('sync_state').selectAll().where('source', '=', 'anthropic').executeTakeFirstOrThrow();
    expect(state.watermark?.toISOString()).toBe(TO.toISOString());
    expect(Number(state.requests_total)).toBe(12);
    const raw = await ctx.db.selectFrom('raw_payloads').select(['request', 'status', 'parse_error']).execute();
    expect(raw).toHaveLength(12);
    expect(raw.every((r) => r.status === 200 && r.parse_error === null)).toBe(true);
    expect(JSON.stringify(raw)).not.toContain(ADMIN_KEY);
  });

  it('sends the documented query and headers', async () => {
    await anthropicConnector.ingest(ctx, { start: FROM, end: new Date('2026-10-06T00:00:00Z') });
    expect(sim.requests.map((r) => [r.endpoint, r.status, r.authorized, r.anthropicVersion])).toEqual([
      ['usage', 200, true, '2023-06-01'],
      ['cost', 200, true, '2023-06-01'],
    ]);
    expect(sim.requests[0]!.query).toEqual({
      starting_at: ['2026-10-05T00:00:00Z'],
      ending_at: ['2026-10-06T00:00:00Z'],
      bucket_width: ['1h'],
      'group_by[]': ['api_key_id', 'workspace_id', 'model', 'service_tier', 'context_window'],
      limit: ['24'],
    });
    expect(sim.requests[1]!.query).toEqual({
      starting_at: ['2026-10-05T00:00:00Z'],
      ending_at: ['2026-10-06T00:00:00Z'],
      bucket_width: ['1d'],
      'group_by[]': ['workspace_id', 'description'],
      limit: ['1'],
    });
  });

  it('follows next_page cursors and keeps empty buckets out of the facts', async () => {
    const paged = await startAnthropicSimulator({ maxPageBuckets: 5, emptyBefore: '2026-10-05T06:00:00Z' });
    try {
      const [w] = await anthropicConnector.ingest(withSimulator(ctx, paged.url), { start: FROM, end: new Date('2026-10-06T00:00:00Z') });
      const usagePages = paged.requests.filter((r) => r.endpoint === 'usage');
      expect(usagePages.map((r) => r.query.page?.[0] ?? null)).toEqual([
        null,
        `page_${Buffer.from('2026-10-05T05:00:00Z').toString('base64')}`,
        `page_${Buffer.from('2026-10-05T10:00:00Z').toString('base64')}`,
        `page_${Buffer.from('2026-10-05T15:00:00Z').toString('base64')}`,
        `page_${Buffer.from('2026-10-05T20:00:00Z').toString('base64')}`,
      ]);
      expect(w!.requests).toBe(6);
      const hours = await ctx.db.selectFrom('usage_facts').select('bucket_start').distinct().orderBy('bucket_start').execute();
      // Hours 00–05 came back as `results: []`: no facts, no zero rows.
      expect(hours).toHaveLength(18);
      expect(hours[0]!.bucket_start.toISOString()).toBe('2026-10-05T06:00:00.000Z');
    } finally {
      await paged.close();
    }
  });

  it('honours Retry-After on 429 and converges', async () => {
    const limited = await startAnthropicSimulator({ faults: [{ kind: 'rate-limit', endpoint: 'usage', times: 1, retryAfterSeconds: 7 }] });
    const slept: number[] = [];
    try {
      const c = { ...withSimulator(ctx, limited.url), sleep: async (ms: number) => void slept.push(ms) };
      const [w] = await anthropicConnector.ingest(c, { start: FROM, end: new Date('2026-10-06T00:00:00Z') });
      expect(limited.requests.map((r) => [r.endpoint, r.status])).toEqual([
        ['usage', 429],
        ['usage', 200],
        ['cost', 200],
      ]);
      expect(slept).toEqual([7000]);
      expect(w!.rows).toBe(56);
    } finally {
      await limited.close();
    }
  });

  it('a partial day pulls hourly usage only and leaves that day’s cost rows alone', async () => {
    const day = { start: FROM, end: new Date('2026-10-06T00:00:00Z') };
    await anthropicConnector.ingest(ctx, day);
    const costsBefore = (await snapshot(ctx)).costs;
    sim.requests.length = 0;
    const [w] = await anthropicConnector.ingest(ctx, { start: FROM, end: new Date('2026-10-05T12:00:00Z') });
    expect(sim.requests.map((r) => r.endpoint)).toEqual(['usage']);
    expect(sim.requests[0]!.query.limit).toEqual(['12']);
    expect(w!.rows).toBe(24);
    const after = await snapshot(ctx);
    expect(after.costs).toEqual(costsBefore);
    // Usage rows after noon are outside the re-pulled window and stay too.
    expect(after.usage).toHaveLength(48);
  });

  it('is configured only with an admin key', () => {
    expect(anthropicConnector.configured(ctx)).toEqual({ ok: true });
    const bare = { ...ctx, env: { ...ctx.env, ANTHROPIC_ADMIN_KEY: undefined } };
    expect(anthropicConnector.configured(bare)).toEqual({ ok: false, why: expect.stringContaining('ANTHROPIC_ADMIN_KEY') });
  });
});
