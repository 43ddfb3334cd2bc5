import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnthropicSimulator, type AnthropicSimulator } from '../../../src/simulators/anthropic.ts';
import { ANALYTICS_BETA } from '../../../src/sources/anthropic/endpoints.ts';
import { ADMIN_KEY } from './support.ts';

let sim: AnthropicSimulator;
let capped: AnthropicSimulator;

beforeAll(async () => {
  sim = await startAnthropicSimulator({ discount: '0.2' });
  capped = await startAnthropicSimulator({ discount: '0.2', maxGroups: 2 });
});
afterAll(async () => {
  await sim?.close();
  await capped?.close();
});

const headers = { 'x-api-key': ADMIN_KEY, 'anthropic-version': '2023-06-01', 'anthropic-beta': ANALYTICS_BETA };
async function get(s: AnthropicSimulator, path: string, h: Record<string, string> = headers) {
  const res = await fetch(`${s.url}${path}`, { headers: h });
  return { status: res.status, json: (await res.json()) as any };
}
const DAY = 'starting_at=2026-10-05T00:00:00Z&ending_at=2026-10-06T00:00:00Z';
const COST_GROUPS = ['api_key_id', 'workspace_id', 'model', 'service_tier', 'cost_type', 'token_type'].map((g) => `group_by[]=${g}`).join('&');

describe('the analytics API of the Anthropic simulator', () => {
  it('answers flat cost rows, largest first, with amount and list_amount in fractional cents', async () => {
    const { status, json } = await get(sim, `/v1/organizations/analytics/cost?${DAY}&time_bucket_width=1d&${COST_GROUPS}&limit=100`);
    expect(status).toBe(200);
    expect(json.has_more).toBe(false);
    expect(json.data).toHaveLength(8);
    const amounts = json.data.map((r: any) => Number(r.cost.amount));
    expect([...amounts].sort((a, b) => b - a)).toEqual(amounts);
    for (const r of json.data) {
      expect(Object.keys(r).sort()).toEqual(['cost', 'ending_at', 'group', 'starting_at']);
      expect(r.cost.requests).toBeNull();
      expect(r.cost.amount).toMatch(/^\d+(\.\d{1,5})?$/);
      expect(Math.abs(Number(r.cost.list_amount) * 0.8 - Number(r.cost.amount))).toBeLessThan(0.00001);
    }
  });

  it('keeps only the top groups per bucket, with no remainder row; the ungrouped total still has everything', async () => {
    const grouped = await get(capped, `/v1/organizations/analytics/cost?${DAY}&time_bucket_width=1d&${COST_GROUPS}`);
    const total = await get(capped, `/v1/organizations/analytics/cost?${DAY}&time_bucket_width=1d`);
    const full = await get(sim, `/v1/organizations/analytics/cost?${DAY}&time_bucket_width=1d&${COST_GROUPS}&limit=100`);
    expect(grouped.json.data).toHaveLength(2);
    expect(grouped.json.data.map((r: any) => r.cost.amount)).toEqual(full.json.data.slice(0, 2).map((r: any) => r.cost.amount));
    expect(total.json.data).toHaveLength(1);
    const sumCents = full.json.data.reduce((s: number, r: any) => s + Number(r.cost.amount), 0);
    expect(Number(total.json.data[0].cost.amount)).toBeCloseTo(sumCents, 4);
    expect(total.json.data[0].cost.requests).toBeGreaterThan(0);
  });

  it('pages rows with an opaque cursor', async () => {
    const first = await get(sim, `/v1/organizations/analytics/usage?${DAY}&time_bucket_width=1h&group_by[]=api_key_id&limit=30`);
    expect(first.json.data).toHaveLength(30);
    expect(first.json.has_more).toBe(true);
    const second = await get(sim, `/v1/organizations/analytics/usage?${DAY}&time_bucket_width=1h&group_by[]=api_key_id&limit=30&page=${first.json.next_page}`);
    expect(second.json.data).toHaveLength(18);
    expect(second.json.has_more).toBe(false);
    expect(first.json.data[0].usage.total_tokens).toBeGreaterThan(0);
  });

  it('refuses what the vendor refuses', async () => {
    const cases: Array<[string, Record<string, string>, RegExp]> = [
      [`/v1/organizations/analytics/usage?${DAY}`, { 'x-api-key': ADMIN_KEY, 'anthropic-version': '2023-06-01' }, /anthropic-beta/],
      [`/v1/organizations/analytics/usage?starting_at=2026-08-01T00:00:00Z&ending_at=2026-09-02T00:00:00Z`, headers, /at most 31 days/],
      [`/v1/organizations/analytics/usage?${DAY}&bucket_width=1h`, headers, /time_bucket_width/],
      [`/v1/organizations/analytics/cost?${DAY}&group_by[]=description`, headers, /group_by\[\]: unsupported value "description"/],
      [`/v1/organizations/analytics/cost?${DAY}&page=garbage`, headers, /page: invalid page token/],
    ];
    for (const [path, h, message] of cases) {
      const r = await get(sim, path, h);
      expect(r.status, path).toBe(400);
      expect(r.json.error.message).toMatch(message);
    }
  });
});
