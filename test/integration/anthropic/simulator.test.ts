import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnthropicSimulator, SIM_API_KEY, type AnthropicSimulator } from '../../../src/simulators/anthropic.ts';
import { hourLoad, streamsOf } from '../../../src/simulators/scenario.ts';
import { costPageSchema, usagePageSchema } from '../../../src/sources/anthropic/schema.ts';

let sim: AnthropicSimulator;
const HEADERS = { 'x-api-key': SIM_API_KEY, 'anthropic-version': '2023-06-01' };

beforeAll(async () => {
  sim = await startAnthropicSimulator();
});
afterAll(async () => {
  await sim?.close();
});

async function get(path: string, headers: Record<string, string> = HEADERS) {
  const res = await fetch(`${sim.url}${path}`, { headers });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('anthropic simulator wire format', () => {
  it('aggregates over dimensions that are not grouped, and the grouped rows add up to it', async () => {
    const q = 'starting_at=2026-10-05T13:00:00Z&ending_at=2026-10-05T14:00:00Z&bucket_width=1h';
    const all = usagePageSchema.parse((await get(`/v1/organizations/usage_report/messages?${q}`)).json);
    const byKey = usagePageSchema.parse((await get(`/v1/organizations/usage_report/messages?${q}&group_by[]=api_key_id`)).json);
    const [total] = all.data[0]!.results;
    expect(total).toMatchObject({ api_key_id: null, workspace_id: null, model: null });
    const loads = streamsOf('anthropic').map((s) => hourLoad(s, new Date('2026-10-05T13:00:00Z')));
    expect(total!.output_tokens).toBe(loads.reduce((a, l) => a + l.outputTokens, 0));
    expect(total!.cache_creation.ephemeral_5m_input_tokens).toBe(loads.reduce((a, l) => a + l.cacheWriteTokens, 0));
    expect(byKey.data[0]!.results.map((r) => r.api_key_id).sort()).toEqual(['apikey_support_guard', 'apikey_support_prod']);
    expect(byKey.data[0]!.results.reduce((a, r) => a + r.uncached_input_tokens, 0)).toBe(total!.uncached_input_tokens);
  });

  it('bills in cents with at most 5 decimals, one row per model and token type', async () => {
    const { json } = await get('/v1/organizations/cost_report?starting_at=2026-10-05T00:00:00Z&ending_at=2026-10-07T00:00:00Z&group_by[]=workspace_id&group_by[]=description');
    const page = costPageSchema.parse(json);
    expect(page.data.map((b) => b.results.length)).toEqual([8, 8]);
    for (const r of page.data.flatMap((b) => b.results)) expect(r.amount).toMatch(/^\d+(\.\d{1,5})?$/);
    expect(new Set(page.data[0]!.results.map((r) => r.token_type))).toEqual(
      new Set(['uncached_input_tokens', 'cache_read_input_tokens', 'cache_creation.ephemeral_5m_input_tokens', 'output_tokens']),
    );
  });

  it('answers like the API to bad requests', async () => {
    expect(await get('/v1/organizations/usage_report/messages?starting_at=2026-10-05T00:00:00Z&bucket_width=1h&limit=169')).toEqual({
      status: 400,
      json: { type: 'error', error: { type: 'invalid_request_error', message: 'limit: must be between 1 and 168 for bucket_width 1h' } },
    });
    expect((await get('/v1/organizations/cost_report?starting_at=2026-10-05T00:00:00Z&bucket_width=1h')).status).toBe(400);
    expect((await get('/v1/organizations/cost_report?starting_at=2026-10-05T00:00:00Z&page=page_bm9wZQ==')).status).toBe(400);
    expect((await get('/v1/organizations/cost_report?ending_at=2026-10-05T00:00:00Z')).status).toBe(400);
    expect((await get('/v1/organizations/cost_report?starting_at=2026-10-05T00:00:00Z', { 'x-api-key': SIM_API_KEY })).json).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'anthropic-version: header is required' },
    });
    expect(await get('/v1/organizations/cost_report?starting_at=2026-10-05T00:00:00Z', { 'anthropic-version': '2023-06-01', 'x-api-key': 'nope' })).toEqual({
      status: 401,
      json: { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } },
    });
    expect((await get('/v1/organizations/usage_report/claude_code')).status).toBe(404);
    expect(sim.requests.filter((r) => r.status === 401).map((r) => r.authorized)).toEqual([false]);
  });

  it('stops at "now": no bucket starts after it and no traffic is billed after it', async () => {
    const live = await startAnthropicSimulator({ now: () => new Date('2026-10-05T12:30:00Z') });
    try {
      const q = 'starting_at=2026-10-05T00:00:00Z&ending_at=2026-10-06T00:00:00Z';
      const res = await fetch(`${live.url}/v1/organizations/usage_report/messages?${q}&bucket_width=1h&limit=24`, { headers: HEADERS });
      const usage = usagePageSchema.parse(await res.json());
      expect(usage.data.map((b) => b.starting_at.toISOString().slice(11, 13))).toEqual(['00', '01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12']);
      expect(usage.has_more).toBe(false);
      const cost = costPageSchema.parse(await (await fetch(`${live.url}/v1/organizations/cost_report?${q}&group_by[]=description`, { headers: HEADERS })).json());
      const out = cost.data[0]!.results.find((r) => r.token_type === 'output_tokens' && r.model === 'claude-sonnet-4-20250514')!;
      const s = streamsOf('anthropic').find((x) => x.model === 'claude-sonnet-4-20250514')!;
      let tokens = 0;
      for (let h = 0; h <= 12; h++) tokens += hourLoad(s, new Date(Date.UTC(2026, 9, 5, h))).outputTokens;
      expect(out.amount).toBe(new Decimal(tokens).times(15).div(10_000).toFixed());
    } finally {
      await live.close();
    }
  });
});
