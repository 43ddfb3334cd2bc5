import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WebhookPost {
  path: string;
  body: unknown;
}

/**
 * A local stand-in for a Slack incoming webhook on 127.0.0.1: records every POST and answers like
 * Slack (200 "ok"), or with whatever `respond` returns (e.g. 404 "no_service").
 */
export async function startWebhookSink(respond: (post: WebhookPost, n: number) => { status: number; body: string } = () => ({ status: 200, body: 'ok' })) {
  const posts: WebhookPost[] = [];
  const read = (req: IncomingMessage) =>
    new Promise<string>((resolve, reject) => {
      let data = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (data += c));
      req.on('end', () => resolve(data));
      req.on('error', reject);
    });
  const server = createServer(async (req, res) => {
    const text = await read(req);
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* kept as text */
    }
    const post = { path: req.url ?? '/', body };
    posts.push(post);
    const r = respond(post, posts.length);
    res.writeHead(r.status, { 'content-type': 'text/plain' });
    res.end(r.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/services/T000/B000/secret-token-xyz`,
    posts,
    close: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}
