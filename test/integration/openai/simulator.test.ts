import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Decimal } from 'decimal.js';
import { openaiConnector } from '../../../src/sources/openai/connector.ts';
import { startOpenAISimulator, type OpenAISimulator } from '../../../src/simulators/openai.ts';
import { hourLoad, streamsOf } from '../../../src/simulators/scenario.ts';
import { costsPageSchema, usagePageSchema } from '../../../src/sources/openai/schema.ts';
import { createTestContext, type TestCtx } from '../../helpers/db.ts';
import { configWithoutPostIngestReads, scenarioTotals, storedTotals } from './support.ts';

const NOW = new Date('2026-11-24T12:00:00Z');
const AUTH = { Authorization: 'Bearer sk-admin-test' };
const unix = (iso: string) => Date.parse(iso) / 1000;

let sim: OpenAISimulator;
const get = async (path: string, headers: Record<string, string> = AUTH) => {
  const res = await fetch(`${sim.url}${path}`, { headers });
  return { status: res.status, headers: res.headers, json: (await res.json()) as any };
};

describe('the OpenAI simulator speaks the wire format', () => {
  beforeAll(async () => {
    sim = await startOpenAISimulator({ now: () => NOW });
  });
  afterAll(async () => sim.close());

  it('binds 127.0.0.1 and serves under /v1', () => {
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
  });

  it('answers 401 with OpenAI error JSON without a valid admin key', async () => {
    const none = await get('/organization/costs?start_time=1', {});
    expect(none.status).toBe(401);
    expect(none.json.error).toMatchObject({ type: 'invalid_request_error', param: null });
    expect(none.json.error.message).toMatch(/didn't provide an API key/);
    const wrong = await get('/organization/costs?start_time=1', { Authorization: 'Bearer sk-proj-abc' });
    expect(wrong.status).toBe(401);
    expect(wrong.json.error.code).toBe('invalid_api_key');
    expect((await get('/organization/costs?start_time=1', { Authorization: 'Bearer sk-admin-' })).status).toBe(401);
  });

  it('pages hourly buckets with real cursors, unaligned first bucket, empty buckets as results: []', async () => {
    const start = unix('2026-10-04T17:31:00Z'); // a Sunday
    const end = start + 86400;
    const buckets: Array<{ start_time: number; end_time: number; results: unknown[] }> = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await get(`/organization/usage/completions?start_time=${start}&end_time=${end}&bucket_width=1h&group_by=project_id&group_by=model&limit=5${cursor ? `&page=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      usagePageSchema.parse(page.json);
      expect(page.json.data.length).toBeLessThanOrEqual(5);
      buckets.push(...page.json.data);
      cursor = page.json.has_more ? page.json.next_page : null;
      if (page.json.has_more) expect(cursor).toMatch(/^page_/);
      pages++;
    } while (cursor);
    expect(pages).toBe(5);
    expect(buckets).toHaveLength(25);
    expect(buckets[0]).toMatchObject({ start_time: start, end_time: unix('2026-10-04T18:00:00Z'), results: [] });
    expect(buckets.at(-1)).toMatchObject({ start_time: unix('2026-10-05T17:00:00Z'), end_time: end });
    // Each full bucket carries exactly the scenario's non-zero streams of that hour.
    for (const b of buckets.slice(1)) {
      const active = streamsOf('openai').filter((s) => hourLoad(s, new Date(b.start_time * 1000)).requests > 0);
      expect(b.results.map((r: any) => r.model).sort()).toEqual(active.map((s) => s.model).sort());
      for (const r of b.results as any[]) expect(r).toMatchObject({ api_key_id: null, service_tier: null, batch: null });
    }
  });

  it('sums hours into daily buckets and stops at "now"', async () => {
    const day = await get(`/organization/usage/completions?start_time=${unix('2026-11-23T00:00:00Z')}&end_time=${unix('2026-11-26T00:00:00Z')}&bucket_width=1d`);
    expect(day.json.data.map((b: any) => [b.start_time, b.end_time])).toEqual([
      [unix('2026-11-23T00:00:00Z'), unix('2026-11-24T00:00:00Z')],
      [unix('2026-11-24T00:00:00Z'), unix('2026-11-24T12:00:00Z')],
    ]);
    let requests = 0;
    for (let h = 0; h < 24; h++) for (const s of streamsOf('openai')) requests += hourLoad(s, new Date(Date.UTC(2026, 10, 23, h))).requests;
    expect(day.json.data[0].results).toHaveLength(1);
    expect(day.json.data[0].results[0].num_model_requests).toBe(requests);
  });

  it('serves costs per project and line item, amounts as numbers and strings', async () => {
    const page = await get(`/organization/costs?start_time=${unix('2026-10-05T00:00:00Z')}&end_time=${unix('2026-10-06T00:00:00Z')}&bucket_width=1d&group_by=project_id&group_by=line_item&limit=180`);
    const parsed = costsPageSchema.parse(page.json);
    const lines = page.json.data[0].results as any[];
    expect(lines.map((l) => `${l.project_id} / ${l.line_item}`).sort()).toEqual([
      'proj_docs / gpt-4o-mini-2024-07-18, input',
      'proj_docs / gpt-4o-mini-2024-07-18, output',
      'proj_eng / gpt-4.1-2025-04-14, cached input',
      'proj_eng / gpt-4.1-2025-04-14, input',
      'proj_eng / gpt-4.1-2025-04-14, output',
      'proj_notes / gpt-4.1-mini-2025-04-14, input',
      'proj_notes / gpt-4.1-mini-2025-04-14, output',
      'proj_sandbox / gpt-4.1-mini-2025-04-14, input',
      'proj_sandbox / gpt-4.1-mini-2025-04-14, output',
    ]);
    expect(new Set(lines.map((l) => typeof l.amount.value))).toEqual(new Set(['number', 'string']));
    const sum = parsed.data[0]!.results.reduce((a, r) => a.plus(r.amount.value), new Decimal(0));
    const expected = [...scenarioTotals(new Date('2026-10-05T00:00:00Z'), new Date('2026-10-06T00:00:00Z')).values()].reduce((a, p) => a.plus(p.cost), new Decimal(0));
    expect(sum.toFixed()).toBe(expected.toFixed());
  });

  it('rejects what OpenAI rejects', async () => {
    const base = `start_time=${unix('2026-10-05T00:00:00Z')}`;
    expect((await get(`/organization/usage/completions?${base}&bucket_width=1h&limit=169`)).json.error.param).toBe('limit');
    expect((await get(`/organization/usage/completions?${base}&bucket_width=1d&limit=32`)).status).toBe(400);
    expect((await get(`/organization/costs?${base}&bucket_width=1h`)).json.error.param).toBe('bucket_width');
    expect((await get(`/organization/costs?${base}&limit=181`)).status).toBe(400);
    expect((await get(`/organization/costs?${base}&group_by=model`)).json.error.param).toBe('group_by');
    expect((await get(`/organization/usage/completions?bucket_width=1d`)).json.error.param).toBe('start_time');
    expect((await get(`/organization/usage/completions?${base}&page=page_garbage`)).json.error.param).toBe('page');
    expect((await get('/organization/nothing?start_time=1')).status).toBe(404);
  });

  it('counts every request', () => {
    expect(sim.requests).toBe(sim.log.length);
    expect(sim.requests).toBeGreaterThan(15);
  });
});

describe('(f) a month of simulator data through the connector', () => {
  let ctx: TestCtx;
  let monthSim: OpenAISimulator;
  beforeAll(async () => {
    monthSim = await startOpenAISimulator({ now: () => NOW, maxBucketsPerPage: 10 });
    ctx = await createTestContext({ config: configWithoutPostIngestReads(), env: { OPENAI_BASE_URL: monthSim.url, OPENAI_ADMIN_KEY: 'sk-admin-test' } });
  });
  afterAll(async () => {
    await ctx?.destroy();
    await monthSim?.close();
  });

  it('stores totals equal to the scenario hourLoad sums (tokens, requests and priced cost)', async () => {
    const start = new Date('2026-10-01T00:00:00Z');
    const end = new Date('2026-11-01T00:00:00Z');
    const windows = await openaiConnector.ingest(ctx, { start, end });
    expect(windows).toHaveLength(31);
    expect(monthSim.requests).toBe(31 * (3 + 1));

    const expected = scenarioTotals(start, end);
    const stored = await storedTotals(ctx);
    expect([...stored.keys()].sort()).toEqual(['proj_docs', 'proj_eng', 'proj_notes', 'proj_sandbox']);
    for (const [project, e] of expected) {
      const s = stored.get(project)!;
      expect({ ...s, cost: undefined }, project).toEqual({ requests: e.requests, uncached: e.uncached, cacheRead: e.cacheRead, cacheWrite: e.cacheWrite, output: e.output, cost: undefined });
      expect(new Decimal(s.cost).equals(e.cost), `${project}: ${s.cost} vs ${e.cost.toFixed()}`).toBe(true);
    }
    expect(expected.get('proj_docs')!.requests).toBeGreaterThan(100_000);
  });
});
