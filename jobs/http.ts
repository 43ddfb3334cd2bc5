import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Ctx } from '../src/context.ts';
import { errorMessage } from '../src/errors.ts';
import { renderDashboard } from './dashboard.ts';
import { readQueueStatus } from './status.ts';
import type { WorkersHandle } from './workers.ts';

export interface WorkerHttp {
  port: number;
  url: string;
  close(): Promise<void>;
}

/**
 * The worker's HTTP face: `/healthz` (200 when Redis is connected and every worker runs, else 503),
 * `/metrics` (Prometheus text), `/` (the queue page). Read-only; nothing here changes a job.
 */
export async function serveWorkerHttp(ctx: Ctx, handle: WorkersHandle, opts: { port: number; host?: string; prefix: string }): Promise<WorkerHttp> {
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    const fail = (err: unknown) => {
      ctx.log.warn({ path, err: errorMessage(err) }, 'worker http request failed');
      send(503, 'text/plain; charset=utf-8', 'unavailable\n');
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain; charset=utf-8', 'method not allowed\n');
    if (path === '/healthz') {
      const ok = handle.healthy();
      return send(ok ? 200 : 503, 'application/json', `${JSON.stringify({ ok, redis: handle.connection.status, workers: handle.workers.length, inFlight: handle.inFlight() })}\n`);
    }
    if (path === '/metrics') {
      handle.metrics.registry.metrics().then((text) => send(200, handle.metrics.registry.contentType, text), fail);
      return;
    }
    if (path === '/' || path === '/queues') {
      readQueueStatus(handle.connection, { prefix: opts.prefix }).then((s) => send(200, 'text/html; charset=utf-8', renderDashboard(s, ctx.clock.now())), fail);
      return;
    }
    send(404, 'text/plain; charset=utf-8', 'not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // Loopback unless BREAKEVEN_HTTP_HOST opens it up: the page has no authentication.
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const port = addr.port;
  // The address really bound, as a URL (IPv6 in brackets), so the log line cannot claim loopback when it is not.
  const host = addr.family === 'IPv6' || addr.address.includes(':') ? `[${addr.address}]` : addr.address;
  return {
    port,
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
