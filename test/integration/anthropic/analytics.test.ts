import { Decimal } from 'decimal.js';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestContext, type TestCtx } from '../../helpers/db.ts';
import { startAnthropicSimulator, type AnthropicSimulatorOptions, type SimRequest } from '../../../src/simulators/anthropic.ts';
import { anthropicConnector } from '../../../src/sources/anthropic/connector.ts';
import { ANALYTICS_BETA } from '../../../src/sources/anthropic/endpoints.ts';
import { UNGROUPED_REMAINDER_KEY } from '../../../src/sources/anthropic/analytics-normalize.ts';
import { ADMIN_KEY, clearAll, configWithApi, scenarioTotals, snapshot, withApi, withSimulator } from './support.ts';

const FROM = new Date('2026-10-05T00:00:00Z');
const TO = new Date('2026-10-07T00:00:00Z');

let ctx: TestCtx;

beforeAll(async () => {
  ctx = await createTestContext({ config: configWithApi('auto'), env: { ANTHROPIC_ADMIN_KEY: ADMIN_KEY } });
});
afterAll(async () => {
  await ctx?.destroy();
});
beforeEach(async () => {
  await clearAll(ctx);
});

async function ingest(api: 'analytics' | 'legacy' | 'auto', opts: AnthropicSimulatorOptions = {}, range = { start: FROM, end: TO }) {
  const sim = await startAnthropicSimulator(opts);
  try {
    const windows = await anthropicConnector.ingest(withApi(withSimulator(ctx, sim.url), api), range);
    return { windows, requests: [...sim.requests] };
  } finally {
    await sim.close();
  }
}

const route = (r: SimRequest) => `${r.endpoint}:${r.status}`;

/** Usage facts as both generations must store them: natural key and token columns. */
async function usageFacts() {
  return (await snapshot(ctx)).usage.map((u) => ({
    key: [u.bucket_start.toISOString(), u.bucket_end.toISOString(), u.project_id, u.api_key_id, u.workspace_id, u.model, u.service_tier, u.batch, u.context_window].join('|'),
    tokens: [u.uncached_input_tokens, u.cache_read_tokens, u.cache_write_tokens, u.cache_write_1h_tokens, u.output_tokens],
    feature: u.feature,
  }));
}

/** Billed money per (day, workspace, model, token type): the grain both generations can state. */
async function costGrain() {
  const r = await sql<{ day: string; ws: string | null; model: string | null; tt: string | null; billed: string; feature: string | null }>`
    select charge_period_start::date::text as day, x_workspace_id as ws, x_model as model, x_token_type as tt,
           sum(billed_cost)::text as billed, min(feature) as feature
      from cost_line_items where source = 'anthropic' group by 1, 2, 3, 4 order by 1, 2, 3, 4`.execute(ctx.db);
  return r.rows.map((x) => ({ ...x, billed: new Decimal(x.billed).toFixed() }));
}

describe('anthropic analytics API: the same facts as the legacy reports', () => {
  it('stores the same usage facts and the same billed cost as legacy, plus list price and discount per line', async () => {
    const legacy = await ingest('legacy', { discount: '0.15' });
    expect(legacy.requests.every((r) => r.endpoint === 'usage' || r.endpoint === 'cost')).toBe(true);
    const legacyUsage = await usageFacts();
    const legacyCost = await costGrain();
    expect(legacyUsage).toHaveLength(96);

    await clearAll(ctx);
    const analytics = await ingest('analytics', { discount: '0.15' });
    // Per day: a grouped and an ungrouped page of usage, then of cost, all with the beta header.
    const day = ['analytics-usage:200', 'analytics-usage:200', 'analytics-cost:200', 'analytics-cost:200'];
    expect(analytics.requests.map(route)).toEqual([...day, ...day]);
    expect(new Set(analytics.requests.map((r) => r.anthropicBeta))).toEqual(new Set([ANALYTICS_BETA]));
    expect(analytics.requests[0]!.query['time_bucket_width']).toEqual(['1h']);
    expect(analytics.requests[0]!.query['group_by[]']).toEqual(['api_key_id', 'workspace_id', 'model', 'service_tier', 'context_window']);
    expect(analytics.requests[1]!.query['group_by[]']).toBeUndefined();
    expect(analytics.requests[2]!.query['group_by[]']).toEqual(['api_key_id', 'workspace_id', 'model', 'service_tier', 'cost_type', 'token_type']);
    expect(analytics.requests[3]!.query['group_by[]']).toBeUndefined();

    expect(await usageFacts()).toEqual(legacyUsage);
    const analyticsCost = await costGrain();
    const money = (rows: typeof legacyCost) => rows.map(({ feature: _f, ...r }) => r);
    expect(money(analyticsCost)).toEqual(money(legacyCost));
    // Legacy lines name no API key, so the rules (workspace + key) cannot claim them and compute splits
    // them by usage; analytics lines carry the key and are attributed by the rules directly.
    expect(new Set(legacyCost.map((c) => c.feature))).toEqual(new Set([null]));
    expect(new Set(analyticsCost.map((c) => `${c.model}:${c.feature}`))).toEqual(new Set(['claude-3-5-haiku-20241022:support-chat.guardrail', 'claude-sonnet-4-20250514:support-chat']));

    const { usage, costs } = await snapshot(ctx);
    // What only analytics knows: measured request counts, and the API key on every cost line.
    expect(usage.every((u) => Number(u.requests) > 0 && (u.extra as { requests_reported: boolean }).requests_reported)).toBe(true);
    expect(new Set(costs.map((c) => c.x_api_key_id))).toEqual(new Set(['apikey_support_prod', 'apikey_support_guard']));
    // The negotiated discount: list − billed per line, 15 % of list within the simulator's 5-decimal cent rounding.
    for (const c of costs) {
      const list = new Decimal(c.list_cost!);
      const billed = new Decimal(c.billed_cost);
      expect(new Decimal((c.extra as { discount: string }).discount).equals(list.minus(billed))).toBe(true);
      expect(list.times('0.85').minus(billed).abs().lte('0.0000001')).toBe(true);
    }
    // The day's total equals the scenario's list total × 0.85 (legacy shows the same billed money, no list price).
    const expectedList = [...scenarioTotals(FROM, TO).values()].reduce((s, t) => s.plus(t.cost), new Decimal(0));
    const listSum = costs.reduce((s, c) => s.plus(c.list_cost!), new Decimal(0));
    expect(listSum.equals(expectedList)).toBe(true);
    // No remainder line when every group fits under the cap.
    expect(costs.some((c) => c.line_key === UNGROUPED_REMAINDER_KEY)).toBe(false);
    // focus_costs carries the list price, so ListCost − EffectiveCost is the discount.
    const focus = await sql<{ list: string; effective: string }>`select sum("ListCost")::text as list, sum("EffectiveCost")::text as effective from focus_costs where "ProviderName" = 'Anthropic'`.execute(ctx.db);
    expect(new Decimal(focus.rows[0]!.list).equals(listSum)).toBe(true);
    expect(new Decimal(focus.rows[0]!.effective).lessThan(listSum)).toBe(true);
  });

  it('keeps what the top-N cap cut off as one unattributed remainder line per day, reconciling to the ungrouped total', async () => {
    const full = await ingest('analytics', { discount: '0.1' });
    expect(full.windows).toHaveLength(2);
    const uncapped = (await snapshot(ctx)).costs;
    const total = uncapped.reduce((s, c) => s.plus(c.billed_cost), new Decimal(0));
    const totalList = uncapped.reduce((s, c) => s.plus(c.list_cost!), new Decimal(0));

    await clearAll(ctx);
    await ingest('analytics', { discount: '0.1', maxGroups: 3 });
    const { costs } = await snapshot(ctx);
    const remainder = costs.filter((c) => c.line_key === UNGROUPED_REMAINDER_KEY);
    expect(remainder.map((c) => c.charge_period_start.toISOString())).toEqual(['2026-10-05T00:00:00.000Z', '2026-10-06T00:00:00.000Z']);
    // 8 groups a day, 3 kept: 6 grouped lines + 2 remainders.
    expect(costs).toHaveLength(8);
    for (const r of remainder) {
      expect(r.feature).toBeNull();
      expect(r.x_model).toBeNull();
      expect((r.extra as { grouped_rows: number }).grouped_rows).toBe(3);
      expect(new Decimal(r.billed_cost).greaterThan(0)).toBe(true);
    }
    expect(costs.reduce((s, c) => s.plus(c.billed_cost), new Decimal(0)).equals(total)).toBe(true);
    expect(costs.reduce((s, c) => s.plus(c.list_cost!), new Decimal(0)).equals(totalList)).toBe(true);
  });

  it('keeps the usage the top-N cap cut off as one dimensionless remainder fact per hour: no token goes missing', async () => {
    await ingest('analytics');
    const full = await usageFacts();
    const sum = (rows: typeof full) => rows.reduce((s, r) => s.map((v, i) => v + Number(r.tokens[i])), [0, 0, 0, 0, 0]);
    await clearAll(ctx);
    await ingest('analytics', { maxGroups: 1 });
    const { usage } = await snapshot(ctx);
    const remainder = usage.filter((u) => (u.extra as { remainder?: boolean }).remainder);
    // Two keys an hour, one kept: 48 hours, each with one grouped row and one remainder.
    expect(remainder).toHaveLength(48);
    expect(usage).toHaveLength(96);
    for (const r of remainder) {
      expect([r.api_key_id, r.workspace_id, r.model, r.service_tier, r.feature]).toEqual([null, null, null, null, null]);
      expect((r.extra as { grouped_rows: number }).grouped_rows).toBe(1);
    }
    expect(sum(await usageFacts())).toEqual(sum(full));
  });

  it('follows cursor pages; paging changes no fact', async () => {
    await ingest('analytics');
    const onePage = await snapshot(ctx);
    await clearAll(ctx);
    const paged = await ingest('analytics', { maxPageBuckets: 7 });
    // Per day: 48 grouped usage rows at 7 a page = 7 pages, 24 hourly totals = 4; 8 cost rows = 2 pages, 1 total = 1.
    expect(paged.requests.filter((r) => r.endpoint === 'analytics-usage')).toHaveLength(22);
    expect(paged.requests.filter((r) => r.endpoint === 'analytics-cost')).toHaveLength(6);
    const strip = (s: Awaited<ReturnType<typeof snapshot>>) => ({ usage: s.usage.map(({ id: _i, ...r }) => r), costs: s.costs.map(({ id: _i, ...r }) => r) });
    expect(strip(await snapshot(ctx))).toEqual(strip(onePage));
  });

  it('auto reads analytics when it answers', async () => {
    const { requests } = await ingest('auto');
    expect(new Set(requests.map((r) => r.endpoint))).toEqual(new Set(['analytics-usage', 'analytics-cost']));
    expect(await usageFacts()).toHaveLength(96);
  });

  it('auto falls back to legacy when analytics answers 404, settles it for the run, and stores the same usage facts', async () => {
    await ingest('analytics');
    const viaAnalytics = await usageFacts();
    await clearAll(ctx);
    const { requests } = await ingest('auto', { apis: ['legacy'] });
    // One probe (404) on the first day; the rest of the run reads legacy only.
    expect(requests.map(route)).toEqual(['other:404', 'usage:200', 'cost:200', 'usage:200', 'cost:200']);
    expect(requests[0]!.path).toBe('/v1/organizations/analytics/usage');
    expect(await usageFacts()).toEqual(viaAnalytics);
    const runs = await ctx.db.selectFrom('ingestion_runs').select(['status', 'requests_made']).orderBy('id').execute();
    expect(runs).toEqual([{ status: 'succeeded', requests_made: 3 }, { status: 'succeeded', requests_made: 2 }]);
  });

  it('an organisation that only answers analytics is fully ingested by auto; legacy then fails naming the 404', async () => {
    const { requests } = await ingest('auto', { apis: ['analytics'] });
    expect(requests.every((r) => r.status === 200)).toBe(true);
    expect((await snapshot(ctx)).costs).toHaveLength(16);
    await clearAll(ctx);
    await expect(ingest('legacy', { apis: ['analytics'] })).rejects.toThrow(/anthropic: HTTP 404 from .*usage_report\/messages/);
  });

  it('explicit analytics does not fall back: a 404 fails the window and writes nothing', async () => {
    await expect(ingest('analytics', { apis: ['legacy'] })).rejects.toThrow(/anthropic: HTTP 404 from .*\/v1\/organizations\/analytics\/usage/);
    expect(await snapshot(ctx)).toEqual({ usage: [], costs: [] });
  });
});
