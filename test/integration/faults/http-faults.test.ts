import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fetchJson, HttpLimitError, PaginationError, SourceUnreachableError, type HttpDeps, type PageRecord } from '../../../src/sources/http.ts';
import { fetchUsageBuckets } from '../../../src/sources/openai/client.ts';
import { usagePages } from '../../../src/sources/anthropic/client.ts';
import { SourceHttpError } from '../../../src/errors.ts';
import { closedPort, fakeHttp, stalledSocket } from './fakes.ts';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

function deps(pages: PageRecord[] = [], limits: HttpDeps['limits'] = {}, fetchFn: typeof fetch = fetch): HttpDeps {
  return { fetch: fetchFn, now: () => new Date('2026-11-24T12:00:00Z'), onPage: (p) => pages.push(p), sleep: async () => {}, limits };
}
const anySchema = z.object({}).passthrough();
/** fetch, counting the requests sent (the server's own count depends on how fast it reads under load). */
function counting(): { fetch: typeof fetch; calls: () => number } {
  let n = 0;
  return { fetch: ((...a: Parameters<typeof fetch>) => (n++, fetch(...a))) as typeof fetch, calls: () => n };
}
const window = { start: new Date('2026-11-01T00:00:00Z'), end: new Date('2026-11-02T00:00:00Z') };
const emptyUsagePage = (extra: object) => JSON.stringify({ object: 'page', data: [], ...extra });

describe('timeouts and unreachable hosts: at most three attempts, then one line naming the base URL and its variable', () => {
  it('a vendor that accepts the connection and never answers', async () => {
    // Reads the request and never answers.
    const s = await fakeHttp(() => {});
    closers.push(s.close);
    const c = counting();
    const err = await fetchJson(deps([], { timeoutMs: 300 }, c.fetch), {
      source: 'openai',
      url: new URL(`${s.url}/v1/organization/costs`),
      schema: anySchema,
      endpoint: { baseUrl: `${s.url}/v1`, envVar: 'OPENAI_BASE_URL' },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceUnreachableError);
    expect((err as Error).message).toBe(`openai: no answer from ${s.url}/v1 within 300 ms, 3 attempts; check OPENAI_BASE_URL or raise BREAKEVEN_HTTP_TIMEOUT_MS`);
    expect(c.calls()).toBe(3);
    expect((err as SourceHttpError).retryable).toBe(true);
  });

  it('a vendor that sends its headers and then stalls the body', async () => {
    const srv = await fakeHttp((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"data": [');
    });
    closers.push(srv.close);
    const c = counting();
    const err = await fetchJson(deps([], { timeoutMs: 300 }, c.fetch), { source: 'anthropic', url: new URL(`${srv.url}/v1/x`), schema: anySchema, endpoint: { baseUrl: srv.url, envVar: 'ANTHROPIC_BASE_URL' } }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^anthropic: no answer from http:\/\/127\.0\.0\.1:\d+ within 300 ms, 3 attempts; check ANTHROPIC_BASE_URL/);
    expect(c.calls()).toBe(3);
  });

  it('a raw TCP peer that never speaks HTTP fails the same way', async () => {
    const s = await stalledSocket();
    closers.push(s.close);
    await expect(fetchJson(deps([], { timeoutMs: 200 }), { source: 'openai', url: new URL(`${s.url}/v1/x`), schema: anySchema, endpoint: { baseUrl: `${s.url}/v1`, envVar: 'OPENAI_BASE_URL' } })).rejects.toThrow(
      `openai: no answer from ${s.url}/v1 within 200 ms, 3 attempts; check OPENAI_BASE_URL or raise BREAKEVEN_HTTP_TIMEOUT_MS`,
    );
  });

  it('connection refused', async () => {
    const port = await closedPort();
    const err = await fetchJson(deps(), { source: 'prometheus', url: new URL(`http://127.0.0.1:${port}/api/v1/query_range`), schema: anySchema, endpoint: { baseUrl: `http://127.0.0.1:${port}/`, envVar: 'PROMETHEUS_URL' } }).catch((e: unknown) => e);
    expect((err as Error).message).toBe(`prometheus: cannot reach http://127.0.0.1:${port}/ (connection refused), 3 attempts; check PROMETHEUS_URL`);
    expect((err as Error).message.split('\n')).toHaveLength(1);
  });

  it('a DNS failure (no such host) is tried three times, not five', async () => {
    let calls = 0;
    const dnsFail = (async () => {
      calls++;
      throw new TypeError('fetch failed', { cause: Object.assign(new Error('getaddrinfo ENOTFOUND api.openai.example'), { code: 'ENOTFOUND' }) });
    }) as typeof fetch;
    const err = await fetchJson(deps([], {}, dnsFail), { source: 'openai', url: new URL('https://api.openai.example/v1/x'), schema: anySchema, endpoint: { baseUrl: 'https://api.openai.example/v1', envVar: 'OPENAI_BASE_URL' } }).catch((e: unknown) => e);
    expect((err as Error).message).toBe('openai: cannot reach https://api.openai.example/v1 (host not found (DNS)), 3 attempts; check OPENAI_BASE_URL');
    expect(calls).toBe(3);
  });
});

describe('response size cap', () => {
  it('a body larger than the cap fails at once (streamed, no content-length), without retrying', async () => {
    const chunk = 'x'.repeat(64 * 1024);
    const srv = await fakeHttp((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      for (let i = 0; i < 40; i++) res.write(chunk);
      res.end();
    });
    closers.push(srv.close);
    const err = await fetchJson(deps([], { maxResponseBytes: 1024 * 1024 }), { source: 'openai', url: new URL(`${srv.url}/big`), schema: anySchema }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpLimitError);
    expect((err as Error).message).toBe(`openai: response from ${srv.url}/big is larger than 1048576 bytes (the cap BREAKEVEN_HTTP_MAX_RESPONSE_BYTES sets); ask for smaller pages or raise the cap`);
    expect(srv.requests).toHaveLength(1);
  });

  it('a declared content-length over the cap is refused before reading', async () => {
    const srv = await fakeHttp((_req, res) => {
      const body = JSON.stringify({ pad: 'y'.repeat(4096) });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
    closers.push(srv.close);
    await expect(fetchJson(deps([], { maxResponseBytes: 2048 }), { source: 'anthropic', url: new URL(`${srv.url}/x`), schema: anySchema })).rejects.toThrow(/larger than 2048 bytes/);
  });
});

describe('pagination: a page cap and a repeated-cursor check for every source', () => {
  it('OpenAI handing out the same cursor again stops after the second request', async () => {
    const srv = await fakeHttp((_req, res) => res.end(emptyUsagePage({ has_more: true, next_page: 'page_same' })));
    closers.push(srv.close);
    const err = await fetchUsageBuckets({ http: deps(), baseUrl: `${srv.url}/v1`, adminKey: 'sk-admin-x' }, window).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PaginationError);
    expect((err as Error).message).toBe("openai: /v1/organization/usage/completions returned the cursor of page 2 again after 2 pages (a pagination loop on the vendor's side); stopped");
    expect(srv.requests).toHaveLength(2);
  });

  it('OpenAI handing out a fresh cursor forever stops at the page cap', async () => {
    let n = 0;
    const srv = await fakeHttp((_req, res) => res.end(emptyUsagePage({ has_more: true, next_page: `page_${++n}` })));
    closers.push(srv.close);
    const err = await fetchUsageBuckets({ http: deps([], { maxPages: 25 }), baseUrl: `${srv.url}/v1`, adminKey: 'sk-admin-x' }, window).catch((e: unknown) => e);
    expect((err as Error).message).toBe('openai: /v1/organization/usage/completions still had more pages after 25 pages (the cap BREAKEVEN_HTTP_MAX_PAGES sets); stopped — narrow the window or raise the cap');
    expect(srv.requests).toHaveLength(25);
  });

  it('Anthropic goes through the same cap and check', async () => {
    let n = 0;
    const srv = await fakeHttp((req, res) => {
      const page = new URL(req.url!, 'http://x').searchParams.get('page');
      // A cursor cycle: 1 → 2 → 3 → 1.
      const next = page === null ? 'c1' : page === 'c1' ? 'c2' : page === 'c2' ? 'c3' : 'c1';
      n++;
      res.end(JSON.stringify({ data: [], has_more: true, next_page: next }));
    });
    closers.push(srv.close);
    const pages = usagePages(deps(), { baseUrl: srv.url, apiKey: 'sk-ant-admin01-x' }, window);
    const err = await (async () => {
      for await (const _ of pages);
    })().catch((e: unknown) => e);
    expect((err as Error).message).toBe("anthropic: /v1/organizations/usage_report/messages returned the cursor of page 2 again after 4 pages (a pagination loop on the vendor's side); stopped");
    expect(n).toBe(4);
  });
});

describe('secrets in vendor answers', () => {
  it('an error body that echoes the key back is neither archived nor shown verbatim', async () => {
    const key = 'opaque-admin-key-that-has-no-known-shape';
    const srv = await fakeHttp((req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { type: 'invalid_request_error', message: `Incorrect API key provided: ${req.headers.authorization}` } }));
    });
    closers.push(srv.close);
    const pages: PageRecord[] = [];
    const err = await fetchUsageBuckets({ http: deps(pages), baseUrl: `${srv.url}/v1`, adminKey: key }, window).catch((e: unknown) => e);
    expect((err as Error).message).toContain('HTTP 401');
    expect((err as Error).message).toContain('Incorrect API key provided');
    expect((err as Error).message).not.toContain(key);
    expect(pages).toHaveLength(1);
    expect(pages[0]!.body).not.toContain(key);
    expect(pages[0]!.body).toContain('[redacted]');
    expect(() => JSON.parse(pages[0]!.body)).not.toThrow();
  });
});
