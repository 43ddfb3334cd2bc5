import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LOCAL_FIXTURES } from '../../helpers/env.ts';
import { analyticsCostPageSchema, analyticsUsagePageSchema } from '../../../src/sources/anthropic/analytics-schema.ts';
import { normalizeAnalyticsCost, normalizeAnalyticsUsageRow, UNGROUPED_REMAINDER_KEY } from '../../../src/sources/anthropic/analytics-normalize.ts';
import { analyticsChunks } from '../../../src/sources/anthropic/analytics-client.ts';

const fixture = (name: string): unknown => JSON.parse(readFileSync(`${LOCAL_FIXTURES}anthropic/${name}`, 'utf8'));
const hour = { start: new Date('2026-09-03T00:00:00Z'), end: new Date('2026-09-03T01:00:00Z') };

describe('analytics usage rows → usage facts', () => {
  it('maps the documented row the way the legacy report maps its result', () => {
    const page = analyticsUsagePageSchema.parse(fixture('anthropic-analytics-usage.json'));
    expect(page.has_more).toBe(true);
    const [first, second] = page.data.map((r) => normalizeAnalyticsUsageRow(r));
    expect(first).toEqual({
      provider: 'anthropic',
      bucket_start: hour.start,
      bucket_end: hour.end,
      project_id: null,
      api_key_id: 'apikey_01Rj2N8SVvo6BePZj99NhmiT',
      workspace_id: 'wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ',
      model: 'claude-sonnet-4-5',
      service_tier: 'standard',
      batch: false,
      context_window: '0-200k',
      uncached_input_tokens: 1500,
      cache_read_tokens: 200,
      cache_write_tokens: 1000,
      cache_write_1h_tokens: 200,
      output_tokens: 500,
      requests: 42,
      extra: { cache_write_5m_tokens: 800, requests_reported: true, api: 'analytics', web_search_requests: 10 },
    });
    // Console usage (no key), default workspace, batch tier; an unknown request count stays "not reported".
    expect(second).toMatchObject({ api_key_id: null, workspace_id: null, service_tier: 'batch', batch: true, requests: 0, extra: { inference_geo: 'us', requests_reported: false } });
  });
});

describe('analytics cost rows → cost lines', () => {
  const grouped = analyticsCostPageSchema.parse(fixture('anthropic-analytics-cost.json')).data;
  const totals = analyticsCostPageSchema.parse(fixture('anthropic-analytics-cost.ungrouped.json')).data;

  it('stores billed and list cost in dollars, exactly, with the discount per line', () => {
    const { lines, problems } = normalizeAnalyticsCost(grouped, totals);
    expect(problems).toEqual([]);
    expect(lines.map((l) => [l.line_key, l.billed_cost, l.list_cost, (l.extra as { discount: string }).discount, l.x_api_key_id, l.x_token_type])).toEqual([
      ['a|wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ|apikey_01Rj2N8SVvo6BePZj99NhmiT|tokens|output_tokens|claude-sonnet-4-5|standard|||', '12.7534375', '15.004', '2.2505625', 'apikey_01Rj2N8SVvo6BePZj99NhmiT', 'output_tokens'],
      ['a|wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ|apikey_01Rj2N8SVvo6BePZj99NhmiT|tokens|cache_creation.ephemeral_1h_input_tokens|claude-sonnet-4-5|standard|||', '0.51', '0.6', '0.09', 'apikey_01Rj2N8SVvo6BePZj99NhmiT', 'cache_creation.ephemeral_1h_input_tokens'],
      ['a|||web_search||||||', '0.2', '0.2', '0', null, null],
      // The total is 54.5 cents above the groups: kept as one unattributed remainder, list price too.
      [UNGROUPED_REMAINDER_KEY, '0.545', '0.705', '0.16', null, null],
    ]);
    expect(lines[0]!.extra).toMatchObject({ service_tier: 'standard', cost_type: 'tokens', amount_cents: '1275.34375', list_amount_cents: '1500.4' });
    expect(lines[3]).toMatchObject({ charge_category: 'Usage', x_model: null, extra: { remainder: true, grouped_rows: 3 } });
  });

  it('writes no remainder when the groups add up, and an adjustment when they overshoot', () => {
    const exact = [{ ...totals[0]!, cost: { ...totals[0]!.cost, amount: '1346.34375', list_amount: '1580.4' } }];
    expect(normalizeAnalyticsCost(grouped, exact).lines.map((l) => l.line_key)).not.toContain(UNGROUPED_REMAINDER_KEY);
    const low = [{ ...totals[0]!, cost: { ...totals[0]!.cost, amount: '1346', list_amount: '1580.4' } }];
    const adj = normalizeAnalyticsCost(grouped, low).lines.at(-1)!;
    expect([adj.line_key, adj.billed_cost, adj.charge_category]).toEqual([UNGROUPED_REMAINDER_KEY, '-0.0034375', 'Adjustment']);
  });

  it('refuses grouped rows that no total can check', () => {
    expect(normalizeAnalyticsCost(grouped, []).problems).toEqual(['grouped cost rows for 2026-09-03T00:00:00.000Z/2026-09-04T00:00:00.000Z but no ungrouped total to check them against']);
  });

  it('rejects money that is not a plain decimal string of cents', () => {
    const bad = fixture('anthropic-analytics-cost.json') as { data: Array<{ cost: Record<string, unknown> }> };
    bad.data[0]!.cost.list_amount = 1500.4;
    const r = analyticsCostPageSchema.safeParse(bad);
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual(['data', 0, 'cost', 'list_amount']);
  });
});

describe('analytics request windows', () => {
  it('chunks a range into pieces of at most 31 days', () => {
    const chunks = analyticsChunks({ start: new Date('2026-08-01T00:00:00Z'), end: new Date('2026-10-15T00:00:00Z') });
    expect(chunks.map((c) => [c.start.toISOString().slice(0, 10), c.end.toISOString().slice(0, 10)])).toEqual([
      ['2026-08-01', '2026-09-01'],
      ['2026-09-01', '2026-10-02'],
      ['2026-10-02', '2026-10-15'],
    ]);
  });
});
