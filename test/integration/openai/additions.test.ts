import { Decimal } from 'decimal.js';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Ctx } from '../../../src/context.ts';
import { readRawBody } from '../../../src/ingest/raw-archive.ts';
import { openaiConnector } from '../../../src/sources/openai/connector.ts';
import { startOpenAISimulator, type OpenAISimulator, type OpenAISimulatorOptions } from '../../../src/simulators/openai.ts';
import { createTestContext, exampleConfig, type TestCtx } from '../../helpers/db.ts';
import { clearOpenAI, snapshot } from './support.ts';

const NOW = new Date('2026-11-24T12:00:00Z');
const D1 = new Date('2026-10-05T00:00:00Z');
const D2 = new Date('2026-10-06T00:00:00Z');
const D3 = new Date('2026-10-07T00:00:00Z');

let base: TestCtx;
let sim: OpenAISimulator | undefined;

beforeAll(async () => {
  base = await createTestContext({ env: { OPENAI_ADMIN_KEY: 'sk-admin-test' } });
});
afterAll(async () => base?.destroy());
beforeEach(async () => {
  await clearOpenAI(base);
  await sql`truncate spend_limits`.execute(base.db);
});
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

type OpenAIConfig = TestCtx['config']['sources']['openai'];

async function withSim(opts: OpenAISimulatorOptions, openai: Partial<OpenAIConfig> = {}): Promise<Ctx> {
  sim = await startOpenAISimulator({ now: () => NOW, ...opts });
  const c = exampleConfig();
  return {
    ...base,
    config: { ...c, sources: { ...c.sources, openai: { ...c.sources.openai, ...openai } } },
    env: { ...base.env, OPENAI_BASE_URL: sim.url, OPENAI_ADMIN_KEY: 'sk-admin-test' },
    sleep: async () => {},
  };
}

describe('openai: line items nobody has seen yet', () => {
  const unknown = [
    { line_item: 'gpt-6-luna-2026-11-01, priority input', value: '1.25', quantity: 50_000 },
    { line_item: 'sora-2-pro, video seconds', value: '4.8', quantity: 96 },
    { line_item: 'Realtime voice minutes', value: 0.9, quantity: 30 },
    { line_item: 'o9-deep-research, reasoning output, flex', value: '0.0001234', quantity: 12 },
    { line_item: null, value: '2.5', quantity: null },
    { line_item: 'Promotional credit', value: '-3', quantity: null },
  ];

  it('are kept, priced from the invoice, parsed best-effort and never matched against a model list', async () => {
    const ctx = await withSim({
      extraCostResults: () =>
        unknown.map((u) => ({
          object: 'organization.costs.result',
          amount: { value: u.value, currency: 'usd' },
          line_item: u.line_item,
          project_id: 'proj_eng',
          quantity: u.quantity,
          quantity_unit: u.quantity === null ? null : 'units',
        })),
    });
    await openaiConnector.ingest(ctx, { start: D1, end: D3 });
    const { costs } = await snapshot(ctx);
    const byItem = (item: string | null) => costs.filter((c) => c.x_line_item === item && c.charge_period_start.getTime() === D1.getTime());
    expect(byItem('gpt-6-luna-2026-11-01, priority input').map((c) => [c.billed_cost, c.x_model, c.x_token_type, c.feature])).toEqual([['1.25', 'gpt-6-luna-2026-11-01', null, 'code-review']]);
    expect(byItem('sora-2-pro, video seconds').map((c) => [c.billed_cost, c.x_model, c.x_token_type, c.consumed_quantity])).toEqual([['4.8', 'sora-2-pro', null, '96']]);
    expect(byItem('Realtime voice minutes').map((c) => [c.billed_cost, c.x_model, c.x_token_type])).toEqual([['0.9', null, null]]);
    expect(byItem('o9-deep-research, reasoning output, flex').map((c) => [c.billed_cost, c.x_model])).toEqual([['0.0001234', 'o9-deep-research']]);
    expect(byItem(null).map((c) => [c.billed_cost, c.charge_description])).toEqual([['2.5', null]]);
    expect(byItem('Promotional credit').map((c) => [c.billed_cost, c.charge_category])).toEqual([['-3', 'Credit']]);
    // Every unknown line of both days is stored: the invoice total includes them to the cent.
    const extra = unknown.reduce((s, u) => s.plus(String(u.value)), new Decimal(0)).times(2);
    const unknownStored = costs.filter((c) => !/^gpt-(4o-mini|4\.1)/.test(c.x_line_item ?? '')).reduce((s, c) => s.plus(c.billed_cost), new Decimal(0));
    expect(unknownStored.equals(extra)).toBe(true);
    const daily = await sql<{ total: string }>`select sum(billed_cost)::text as total from cost_daily where provider = 'OpenAI' or provider = 'openai'`.execute(ctx.db);
    const all = costs.reduce((s, c) => s.plus(c.billed_cost), new Decimal(0));
    expect(new Decimal(daily.rows[0]!.total ?? '0').equals(all)).toBe(true);
  });
});

describe('openai: Decisions API usage (group_by=api_source)', () => {
  const decisions = { model: 'gpt-6-luna', apiSources: ['responses', 'agents'], input: '0.50', output: '2' };

  it('is read when configured and stored as usage of its model, with requests per api_source kept', async () => {
    const ctx = await withSim({ decisions }, { decisions_usage: true, spend_limits: false });
    const windows = await openaiConnector.ingest(ctx, { start: D1, end: D2 });
    expect(windows[0]!.requests).toBe(3);
    const call = sim!.log.find((l) => l.startsWith('/v1/organization/usage/decisions'))!;
    expect(call).toContain('group_by=api_source');
    const { usage, costs } = await snapshot(ctx);
    const luna = usage.filter((u) => u.model === 'gpt-6-luna');
    expect(luna.length).toBeGreaterThan(5);
    const extra = luna.map((u) => u.extra as Record<string, number>);
    for (const [i, u] of luna.entries()) {
      const e = extra[i]!;
      expect(Number(u.requests)).toBe(e.decisions_requests);
      expect((e['decisions_requests_api_source:responses'] ?? 0) + (e['decisions_requests_api_source:agents'] ?? 0)).toBe(e.decisions_requests);
      expect(Number(u.uncached_input_tokens)).toBe(e.decisions_requests! * 800);
      expect(u.project_id).toBe('proj_eng');
      expect(u.feature).toBe('code-review');
    }
    // Its invoice lines (a model no price list knows) are kept and claimed by the project rule.
    const lunaCost = costs.filter((c) => c.x_model === 'gpt-6-luna');
    expect(lunaCost.map((c) => [c.x_token_type, c.feature])).toEqual([
      ['input', 'code-review'],
      ['output', 'code-review'],
    ]);
    const tokensIn = luna.reduce((s, u) => s + Number(u.uncached_input_tokens), 0);
    expect(new Decimal(lunaCost[0]!.billed_cost).equals(new Decimal(tokensIn).times('0.5').div(1_000_000))).toBe(true);
  });

  it('an organization without the endpoint (404) is read as completions only, asked once per run', async () => {
    const ctx = await withSim({}, { decisions_usage: true, spend_limits: false });
    const windows = await openaiConnector.ingest(ctx, { start: D1, end: D3 });
    expect(windows.map((w) => w.requests)).toEqual([3, 2]);
    expect(sim!.log.filter((l) => l.includes('/usage/decisions'))).toHaveLength(1);
    const { usage } = await snapshot(ctx);
    expect(usage.some((u) => (u.extra as Record<string, unknown>).decisions_requests !== undefined)).toBe(false);
  });

  it('is not asked for unless configured', async () => {
    const ctx = await withSim({ decisions }, { spend_limits: false });
    await openaiConnector.ingest(ctx, { start: D1, end: D2 });
    expect(sim!.log.some((l) => l.includes('/usage/decisions'))).toBe(false);
  });
});

describe('openai: hard spend limits', () => {
  const limits = async (ctx: Ctx) =>
    (await ctx.db.selectFrom('spend_limits').selectAll().orderBy('scope').orderBy('scope_id').execute()).map((r) => [r.scope, r.scope_id, r.threshold_amount, r.currency, r.interval, r.enforcement_status]);

  it('reads the organization and every project seen, stores them exactly, and forgets a removed one', async () => {
    const ctx = await withSim({ spendLimits: { organization: { threshold_amount: 500_000, status: 'enforcing' }, projects: { proj_eng: { threshold_amount: 120_050 } } } });
    await openaiConnector.ingest(ctx, { start: D1, end: D2 });
    const reads = sim!.log.filter((l) => l.includes('spend_limit'));
    expect(reads).toEqual(['/v1/organization/spend_limit', '/v1/organization/projects/proj_docs/spend_limit', '/v1/organization/projects/proj_eng/spend_limit', '/v1/organization/projects/proj_notes/spend_limit', '/v1/organization/projects/proj_sandbox/spend_limit']);
    expect(await limits(ctx)).toEqual([
      ['organization', '', '5000', 'USD', 'month', 'enforcing'],
      ['project', 'proj_eng', '1200.5', 'USD', 'month', 'inactive'],
    ]);
    await sim!.close();
    const again = await withSim({ spendLimits: { organization: { threshold_amount: 600_000 } } });
    await openaiConnector.ingest(again, { start: D1, end: D2 });
    expect(await limits(again)).toEqual([['organization', '', '6000', 'USD', 'month', 'inactive']]);
  });

  it('a key that may not read limits (403) skips them without failing the ingest, keeping what was stored', async () => {
    const first = await withSim({ spendLimits: { organization: { threshold_amount: 100 } } });
    await openaiConnector.ingest(first, { start: D1, end: D2 });
    await sim!.close();
    const ctx = await withSim({ spendLimits: { organization: 'forbidden' } });
    const windows = await openaiConnector.ingest(ctx, { start: D1, end: D2 });
    expect(windows).toHaveLength(1);
    // One refusal answers for every scope.
    expect(sim!.log.filter((l) => l.includes('spend_limit'))).toEqual(['/v1/organization/spend_limit']);
    expect(await limits(ctx)).toEqual([['organization', '', '1', 'USD', 'month', 'inactive']]);
  });

  it('a malformed limit is not stored, does not fail the ingest, and its body is archived with the parse error', async () => {
    const ctx = await withSim({ spendLimits: { organization: { threshold_amount: -5 } } });
    const windows = await openaiConnector.ingest(ctx, { start: D1, end: D2 });
    expect(windows).toHaveLength(1);
    expect(await limits(ctx)).toEqual([]);
    const raw = await ctx.db.selectFrom('raw_payloads').select(['body', 'body_gz', 'parse_error']).where('parse_error', 'is not', null).execute();
    expect(raw).toHaveLength(1);
    expect(readRawBody(raw[0]!)).toContain('"threshold_amount":-5');
    expect(raw[0]!.parse_error).toMatch(/^threshold_amount: /);
  });

  it('is not read when disabled', async () => {
    const ctx = await withSim({ spendLimits: { organization: { threshold_amount: 100 } } }, { spend_limits: false });
    await openaiConnector.ingest(ctx, { start: D1, end: D2 });
    expect(sim!.log.some((l) => l.includes('spend_limit'))).toBe(false);
    expect(await limits(ctx)).toEqual([]);
  });
});
