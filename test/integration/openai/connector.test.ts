import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readRawBody } from '../../../src/ingest/raw-archive.ts';
import { Decimal } from 'decimal.js';
import type { Ctx } from '../../../src/context.ts';
import { ConfigError, SourceHttpError, SourceSchemaError } from '../../../src/errors.ts';
import { openaiConnector } from '../../../src/sources/openai/connector.ts';
import { startOpenAISimulator, type OpenAISimulator, type OpenAISimulatorOptions } from '../../../src/simulators/openai.ts';
import { createTestContext, type TestCtx } from '../../helpers/db.ts';
import { clearOpenAI, configWithoutPostIngestReads, scenarioTotals, snapshot, storedTotals } from './support.ts';

const NOW = new Date('2026-11-24T12:00:00Z');
// A Monday and a Tuesday: business-hours and nightly streams both have traffic.
const D1 = new Date('2026-10-05T00:00:00Z');
const D2 = new Date('2026-10-06T00:00:00Z');
const D3 = new Date('2026-10-07T00:00:00Z');

let base: TestCtx;
let sim: OpenAISimulator | undefined;

beforeAll(async () => {
  base = await createTestContext({ config: configWithoutPostIngestReads(), env: { OPENAI_ADMIN_KEY: 'sk-admin-test' } });
});
afterAll(async () => base?.destroy());
beforeEach(async () => clearOpenAI(base));
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/** The shared test context pointed at a fresh simulator (and, optionally, another key or sleep). */
async function withSim(opts: OpenAISimulatorOptions, over: { key?: string; sleep?: (ms: number) => Promise<void> } = {}): Promise<Ctx> {
  sim = await startOpenAISimulator({ now: () => NOW, ...opts });
  return {
    ...base,
    env: { ...base.env, OPENAI_BASE_URL: sim.url, OPENAI_ADMIN_KEY: over.key ?? 'sk-admin-test' },
    ...(over.sleep ? { sleep: over.sleep } : {}),
  };
}

const runs = (ctx: Ctx) => ctx.db.selectFrom('ingestion_runs').selectAll().orderBy('window_start').execute();
const state = (ctx: Ctx) => ctx.db.selectFrom('sync_state').selectAll().where('source', '=', 'openai').executeTakeFirst();

describe('openai connector against the simulator', () => {
  it('is configured only with an admin key', async () => {
    expect(openaiConnector.configured(base)).toEqual({ ok: true });
    const keyless = { ...base, env: { ...base.env, OPENAI_ADMIN_KEY: undefined } };
    expect(openaiConnector.configured(keyless)).toEqual({ ok: false, why: 'OPENAI_ADMIN_KEY is not set' });
    await expect(openaiConnector.ingest(keyless, { start: D1, end: D2 })).rejects.toThrow(ConfigError);
    expect(await runs(base)).toEqual([]);
  });

  it('(a) ingesting the same window twice leaves identical rows', async () => {
    const ctx = await withSim({ maxBucketsPerPage: 10 });
    const first = await openaiConnector.ingest(ctx, { start: D1, end: D3 });
    expect(first.map((w) => [w.start, w.end])).toEqual([[D1, D2], [D2, D3]]);
    // Per day: 3 usage pages (24 hourly buckets, 10 per page) + 1 cost page.
    expect(first.map((w) => w.requests)).toEqual([4, 4]);
    const once = await snapshot(ctx);
    expect(once.usage.length).toBeGreaterThan(30);
    expect(once.costs.length).toBeGreaterThanOrEqual(2 * 7);

    await openaiConnector.ingest(ctx, { start: D1, end: D3 });
    const twice = await snapshot(ctx);
    expect(twice).toEqual(once);

    // And the values are the scenario's, not just self-consistent.
    const expected = scenarioTotals(D1, D3);
    const stored = await storedTotals(ctx);
    for (const [project, e] of expected) {
      expect(stored.get(project), project).toMatchObject({ requests: e.requests, uncached: e.uncached, cacheRead: e.cacheRead, cacheWrite: e.cacheWrite, output: e.output });
      expect(new Decimal(stored.get(project)!.cost).equals(e.cost), `${project}: ${stored.get(project)!.cost} vs ${e.cost.toFixed()}`).toBe(true);
    }
    expect(once.usage.filter((u) => u.project_id === 'proj_eng').every((u) => u.feature === 'code-review')).toBe(true);
    expect(once.costs.filter((c) => c.x_project_id === 'proj_sandbox').every((c) => c.feature === null)).toBe(true);
    expect((await runs(ctx)).map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
    expect((await state(ctx))?.watermark).toEqual(D3);
    // The key travels in a header only: nothing archived carries it.
    const raw = (await ctx.db.selectFrom('raw_payloads').select(['request', 'body', 'body_gz']).execute()).map((r) => ({ ...r, body: readRawBody(r) }));
    expect(raw.length).toBe(16);
    expect(JSON.stringify(raw)).not.toContain('sk-admin-test');
    expect(sim!.log[0]).toMatch(/^\/v1\/organization\/usage\/completions\?start_time=1791158400&end_time=1791244800&bucket_width=1h&group_by=project_id&group_by=api_key_id&group_by=model&group_by=batch&group_by=service_tier&limit=168$/);
    expect(sim!.log.find((l) => l.startsWith('/v1/organization/costs'))).toBe('/v1/organization/costs?start_time=1791158400&end_time=1791244800&bucket_width=1d&group_by=project_id&group_by=line_item&limit=180');
  });

  it('pulls an unaligned range from UTC midnight, so daily costs are stored whole and attributed', async () => {
    const ctx = await withSim({});
    const [w] = await openaiConnector.ingest(ctx, { start: new Date('2026-10-05T13:20:00Z'), end: D2 });
    expect([w!.start, w!.end]).toEqual([D1, D2]);
    const costs = await ctx.db.selectFrom('cost_line_items').select(['charge_period_start', 'charge_period_end', 'x_project_id', 'feature']).execute();
    // Input and output lines of docs and sandbox, notes, and input, cached input and output of eng.
    expect(costs.length).toBe(9);
    expect(costs.filter((c) => c.x_project_id === 'proj_notes').map((c) => c.feature)).toEqual(['meeting-notes', 'meeting-notes']);
    expect(costs.every((c) => c.charge_period_start.getTime() === D1.getTime() && c.charge_period_end.getTime() === D2.getTime())).toBe(true);
    expect(costs.filter((c) => c.x_project_id === 'proj_docs').map((c) => c.feature)).toEqual(['doc-summarizer', 'doc-summarizer']);
  });

  it('(b) a page failing validation writes nothing of its window and keeps the raw body', async () => {
    // 3 usage pages a day; the 5th usage page (day 2, page 2) lacks num_model_requests.
    const ctx = await withSim({ maxBucketsPerPage: 10, faults: { malformed: { endpoint: 'usage', skip: 4 } } });
    const err = await openaiConnector.ingest(ctx, { start: D1, end: D3 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceSchemaError);
    expect((err as Error).message).toMatch(/^openai: unexpected response shape from http:\/\/127\.0\.0\.1:\d+\/v1\/organization\/usage\/completions\?start_time=1791244800.*&page=page_\S+: data\[0\]\.results\[0\]\.num_model_requests: /);

    const day2Usage = await ctx.db.selectFrom('usage_facts').select((eb) => eb.fn.countAll<string>().as('n')).where('bucket_start', '>=', D2).executeTakeFirstOrThrow();
    const day2Costs = await ctx.db.selectFrom('cost_line_items').select((eb) => eb.fn.countAll<string>().as('n')).where('charge_period_start', '>=', D2).executeTakeFirstOrThrow();
    const day1Usage = await ctx.db.selectFrom('usage_facts').select((eb) => eb.fn.countAll<string>().as('n')).where('bucket_start', '<', D2).executeTakeFirstOrThrow();
    expect(Number(day2Usage.n)).toBe(0);
    expect(Number(day2Costs.n)).toBe(0);
    expect(Number(day1Usage.n)).toBeGreaterThan(0);

    const [ok, failed] = await runs(ctx);
    expect(ok).toMatchObject({ status: 'succeeded', window_start: D1 });
    expect(failed).toMatchObject({ status: 'failed', window_start: D2, rows_written: 0, requests_made: 2, error: (err as Error).message });
    const pages = await ctx.db.selectFrom('raw_payloads').selectAll().where('run_id', '=', failed!.id).orderBy('id').execute();
    expect(pages.map((p) => p.parse_error === null)).toEqual([true, false]);
    expect(pages[1]!.parse_error).toMatch(/^data\[0\]\.results\[0\]\.num_model_requests: /);
    const body = JSON.parse(readRawBody(pages[1]!)) as { data: Array<{ results: Array<Record<string, unknown>> }> };
    expect(body.data[0]!.results[0]).toHaveProperty('input_tokens');
    expect(body.data[0]!.results[0]).not.toHaveProperty('num_model_requests');

    const s = await state(ctx);
    expect(s?.last_error).toBe((err as Error).message);
    expect(s?.watermark).toEqual(D2);
  });

  it('(c) a 429 with Retry-After is waited out as told, then the data is stored', async () => {
    const slept: number[] = [];
    const ctx = await withSim({ faults: { rateLimit: { times: 2, retryAfterSeconds: 7 } } }, { sleep: async (ms) => void slept.push(ms) });
    const [w] = await openaiConnector.ingest(ctx, { start: D1, end: D2 });
    expect(slept).toEqual([7000, 7000]);
    expect(w!.requests).toBe(4); // 2 refused + 1 usage page + 1 cost page
    expect(sim!.requests).toBe(4);
    const statuses = await ctx.db.selectFrom('raw_payloads').select('status').orderBy('id').execute();
    expect(statuses.map((s) => s.status)).toEqual([429, 429, 200, 200]);
    const expected = scenarioTotals(D1, D2);
    const stored = await storedTotals(ctx);
    expect(stored.get('proj_eng')).toMatchObject({ requests: expected.get('proj_eng')!.requests, output: expected.get('proj_eng')!.output });
    expect(new Decimal(stored.get('proj_docs')!.cost).equals(expected.get('proj_docs')!.cost)).toBe(true);
  });

  it('(c′) a 500 and an HTML error page are retried too', async () => {
    const slept: number[] = [];
    const ctx = await withSim({ faults: { serverError: { times: 1 }, htmlError: { times: 1 } } }, { sleep: async (ms) => void slept.push(ms) });
    const [w] = await openaiConnector.ingest(ctx, { start: D1, end: D2 });
    expect(slept).toHaveLength(2);
    expect(w!.rows).toBeGreaterThan(0);
    const statuses = (await ctx.db.selectFrom('raw_payloads').select(['status', 'body', 'body_gz']).orderBy('id').execute()).map((r) => ({ status: r.status, body: readRawBody(r) }));
    expect(statuses.map((s) => s.status)).toEqual([500, 502, 200, 200]);
    expect(statuses[1]!.body).toContain('502 Bad Gateway');
  });

  it('(d) a 401 fails at once, naming the source, the URL and the status', async () => {
    const slept: number[] = [];
    const ctx = await withSim({}, { key: 'sk-proj-not-an-admin-key', sleep: async (ms) => void slept.push(ms) });
    const err = await openaiConnector.ingest(ctx, { start: D1, end: D3 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceHttpError);
    expect((err as SourceHttpError).status).toBe(401);
    expect((err as SourceHttpError).retryable).toBe(false);
    expect((err as Error).message).toBe(
      `openai: HTTP 401 from ${sim!.url}/organization/usage/completions?start_time=1791158400&end_time=1791244800&bucket_width=1h&group_by=project_id&group_by=api_key_id&group_by=model&group_by=batch&group_by=service_tier&limit=168: invalid_request_error: Incorrect API key provided. You must be an organization owner and use an admin key (sk-admin-…) to access the Administration API.`,
    );
    expect((err as Error).message).not.toContain('sk-proj-not-an-admin-key');
    expect(sim!.requests).toBe(1);
    expect(slept).toEqual([]);
    expect((await runs(ctx)).map((r) => r.status)).toEqual(['failed']);
    expect((await state(ctx))?.last_error).toContain('HTTP 401');
  });

});
