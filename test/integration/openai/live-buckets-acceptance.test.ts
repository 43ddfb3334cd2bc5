import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openaiConnector } from '../../../src/sources/openai/connector.ts';
import { fetchUsageBuckets } from '../../../src/sources/openai/client.ts';
import { createTestContext, type TestCtx } from '../../helpers/db.ts';
import { FIXTURES } from '../../helpers/env.ts';
import { snapshot } from './support.ts';

/**
 * THE acceptance check: real buckets from a live OpenAI call (unaligned first bucket, a last bucket
 * ending at "now", empty days) served as paged responses by a tiny local server; the connector must
 * store exactly the fixture's totals, and a second run must change nothing.
 */
interface Bucket {
  start_time: number;
  end_time: number;
  results: Array<{ input_tokens: number; output_tokens: number; num_model_requests: number; input_cached_tokens: number }>;
}
const BUCKETS = JSON.parse(readFileSync(join(FIXTURES, 'api', 'openai-usage-completions-live-buckets.json'), 'utf8')) as Bucket[];
const PER_PAGE = 3;
const total = (f: (r: Bucket['results'][number]) => number) => BUCKETS.flatMap((b) => b.results).reduce((a, r) => a + f(r), 0);

let server: Server;
let baseUrl: string;
let ctx: TestCtx;
const seen: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    seen.push(`${url.pathname}${url.search}`);
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== 'Bearer sk-admin-test') return reply(401, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } });
    const start = Number(url.searchParams.get('start_time'));
    const end = Number(url.searchParams.get('end_time') ?? Infinity);
    if (url.pathname === '/v1/organization/costs') return reply(200, { object: 'page', data: [], has_more: false, next_page: null });
    if (url.pathname !== '/v1/organization/usage/completions') return reply(404, { error: { message: 'not found', type: 'invalid_request_error' } });
    const inRange = BUCKETS.filter((b) => b.start_time >= start && b.start_time < end);
    const offset = Number(url.searchParams.get('page')?.replace('page_', '') ?? 0);
    const page = inRange.slice(offset, offset + PER_PAGE);
    const more = offset + PER_PAGE < inRange.length;
    return reply(200, { object: 'page', data: page, has_more: more, next_page: more ? `page_${offset + PER_PAGE}` : null });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  ctx = await createTestContext({ env: { OPENAI_BASE_URL: baseUrl, OPENAI_ADMIN_KEY: 'sk-admin-test' } });
});

afterAll(async () => {
  await ctx?.destroy();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const RANGE = { start: new Date(BUCKETS[0]!.start_time * 1000), end: new Date(BUCKETS.at(-1)!.end_time * 1000) };

async function storedTotals() {
  const { rows } = await sql<{ rows: string; input: string; cached: string; output: string; requests: string; first: Date; last: Date }>`
    select count(*)::text as rows,
           sum(uncached_input_tokens + cache_read_tokens + cache_write_tokens)::text as input,
           sum(cache_read_tokens)::text as cached, sum(output_tokens)::text as output, sum(requests)::text as requests,
           min(bucket_start) as first, max(bucket_end) as last
      from usage_facts where provider = 'openai'`.execute(ctx.db);
  return rows[0]!;
}

describe('acceptance: the live buckets fixture through openaiConnector.ingest', () => {
  it('the paginator walks has_more / next_page over the whole range', async () => {
    const before = seen.length;
    const buckets = await fetchUsageBuckets({ http: { fetch: globalThis.fetch, now: () => new Date() }, baseUrl, adminKey: 'sk-admin-test' }, RANGE);
    expect(seen.length - before).toBe(Math.ceil(BUCKETS.length / PER_PAGE));
    expect(seen.slice(before).map((s) => new URL(s, 'http://x').searchParams.get('page'))).toEqual([null, 'page_3', 'page_6', 'page_9', 'page_12', 'page_15', 'page_18', 'page_21', 'page_24', 'page_27', 'page_30']);
    expect(buckets.map((b) => b.start_time)).toEqual(BUCKETS.map((b) => b.start_time));
  });

  it('stores the fixture totals, and a second run changes nothing', async () => {
    expect(total((r) => r.input_tokens)).toBe(16_951_009);
    const windows = await openaiConnector.ingest(ctx, RANGE);
    expect(windows).toHaveLength(31);
    // Windows start at UTC midnight; the unaligned first bucket lands inside the first one.
    expect(windows[0]!.start).toEqual(new Date('2025-01-11T00:00:00Z'));
    expect(windows.at(-1)!.end).toEqual(new Date('2025-02-10T17:31:03Z'));

    const t = await storedTotals();
    expect(t).toEqual({
      rows: '26',
      input: String(total((r) => r.input_tokens)),
      cached: String(total((r) => r.input_cached_tokens)),
      output: String(total((r) => r.output_tokens)),
      requests: String(total((r) => r.num_model_requests)),
      first: new Date('2025-01-11T17:31:00Z'),
      last: new Date('2025-02-10T17:31:03Z'),
    });
    expect(t).toMatchObject({ input: '16951009', cached: '168128', output: '729421', requests: '19347' });

    const once = await snapshot(ctx);
    const again = await openaiConnector.ingest(ctx, RANGE);
    expect(again.reduce((a, w) => a + w.rows, 0)).toBe(26);
    expect(await storedTotals()).toEqual(t);
    expect(await snapshot(ctx)).toEqual(once);
  });
});
