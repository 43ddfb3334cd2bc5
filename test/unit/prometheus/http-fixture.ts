import { readFileSync } from 'node:fs';
import { LOCAL_FIXTURES } from '../../helpers/env.ts';
import type { HttpDeps } from '../../../src/sources/http.ts';

/** A raw HTTP response captured from Prometheus 2.42 (status line, headers, blank line, body). */
export interface RawHttp {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export function readHttpFixture(name: string): RawHttp {
  const raw = readFileSync(`${LOCAL_FIXTURES}prometheus/${name}`, 'utf8');
  const sep = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, sep).split('\r\n');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head[0]!)![1]);
  const headers: Record<string, string> = {};
  for (const line of head.slice(1)) {
    const i = line.indexOf(':');
    const k = line.slice(0, i).toLowerCase();
    // The body is stored de-chunked; neither framing header applies to the replay.
    if (k !== 'transfer-encoding' && k !== 'content-length') headers[k] = line.slice(i + 1).trim();
  }
  return { status, headers, body: raw.slice(sep + 4) };
}

/** HttpDeps whose fetch answers every request with the given captured responses, in turn (the last one repeats). */
export function replayDeps(responses: RawHttp[], seen: Array<{ url: string; init: RequestInit | undefined }> = []): HttpDeps {
  let i = 0;
  return {
    fetch: (async (url: string | URL | Request, init?: RequestInit) => {
      seen.push({ url: String(url), init });
      const r = responses[Math.min(i++, responses.length - 1)]!;
      return new Response(r.body, { status: r.status, headers: r.headers });
    }) as typeof fetch,
    now: () => new Date('2026-11-24T12:00:00Z'),
    sleep: async () => {},
  };
}
