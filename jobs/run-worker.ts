import type { Ctx } from '../src/context.ts';
import { serveWorkerHttp } from './http.ts';
import { DEFAULT_PREFIX } from './queues.ts';
import { redactUrl } from '../src/db/connect.ts';
import { openRedis } from './redis.ts';
import { startWorkers, type StartWorkersOptions, type WorkersHandle } from './workers.ts';

export interface RunWorkerOptions extends StartWorkersOptions {
  /** HTTP port for /healthz, /metrics and the queue page (0: a free one). */
  httpPort: number;
  /** Address the HTTP server binds (default BREAKEVEN_HTTP_HOST, 127.0.0.1). */
  httpHost?: string;
  /** How long in-flight jobs may run on after SIGTERM/SIGINT (default 30 s). */
  graceMs?: number;
  /** Called once the workers and HTTP server are up. */
  onReady?: (info: { url: string; queues: string[]; schedulers: string[] }) => void;
  /** Resolves when the process should stop (default: the first SIGTERM or SIGINT). */
  stopSignal?: Promise<unknown>;
}

function firstSignal(): { promise: Promise<string>; dispose(): void } {
  let handler: (sig: NodeJS.Signals) => void = () => {};
  const promise = new Promise<string>((resolve) => {
    handler = (sig) => resolve(sig);
  });
  process.once('SIGTERM', handler);
  process.once('SIGINT', handler);
  return { promise, dispose: () => (process.off('SIGTERM', handler), process.off('SIGINT', handler)) };
}

/** Time on top of the grace period for closing connections; past it they are cut. */
const CLOSE_MARGIN_MS = 5_000;

const STOPPED = Symbol('stopped');

/**
 * `breakeven worker`: checks Redis (an unreachable server or a rejected password fails at once,
 * with one line), starts the workers (and the job schedulers), serves HTTP, and on SIGTERM or
 * SIGINT — also one that arrives while still starting — stops taking jobs, lets in-flight ones
 * finish for the grace period, and closes every connection; whatever is still open after the grace
 * period (a Redis that went away mid-shutdown) is cut, so the process always stops in time.
 */
export async function runWorker(ctx: Ctx, opts: RunWorkerOptions): Promise<{ handedBack: number }> {
  const signals = firstSignal();
  const stop = Promise.race([signals.promise, opts.stopSignal ?? new Promise<never>(() => {})]);
  const graceMs = opts.graceMs ?? 30_000;
  try {
    const prefix = opts.prefix ?? ctx.env.BREAKEVEN_QUEUE_PREFIX ?? DEFAULT_PREFIX;
    const probe = await Promise.race([openRedis(opts.redisUrl, { connectionName: `${prefix}-probe`, reconnect: false, timeoutMs: ctx.env.BREAKEVEN_REDIS_TIMEOUT_MS }), stop.then(() => STOPPED)]);
    if (typeof probe === 'symbol') return { handedBack: 0 };
    probe.disconnect();
    const starting = startWorkers(ctx, opts);
    const started = await Promise.race([starting, stop.then(() => STOPPED)]);
    if (typeof started === 'symbol') {
      ctx.log.info('stopped while starting');
      // Whatever startWorkers gets to, close it without waiting for it forever.
      void starting.then((h) => h.close({ graceMs: 0 })).catch(() => {});
      return { handedBack: 0 };
    }
    const handle = started as WorkersHandle;
    let http;
    try {
      http = await serveWorkerHttp(ctx, handle, { port: opts.httpPort, host: opts.httpHost ?? ctx.env.BREAKEVEN_HTTP_HOST, prefix });
    } catch (err) {
      await handle.close({ graceMs: 0 });
      throw err;
    }
    ctx.log.info({ redis: redactUrl(opts.redisUrl), http: http.url }, 'worker ready');
    opts.onReady?.({ url: http.url, queues: handle.workers.map((w) => w.name), schedulers: handle.schedulers.map((s) => s.id) });
    const why = await stop;
    ctx.log.info({ signal: typeof why === 'string' ? why : 'stop', graceMs }, 'shutting down: no new jobs; waiting for in-flight ones');
    const closing = handle.close({ graceMs });
    const deadline = new Promise<'late'>((r) => setTimeout(() => r('late'), graceMs + CLOSE_MARGIN_MS).unref());
    const result = await Promise.race([closing, deadline]);
    await http.close();
    if (result === 'late') {
      ctx.log.warn({ jobs: handle.inFlight() }, 'shutdown did not finish in the grace period; connections cut (unfinished jobs go back to the queue when their lock expires)');
      handle.connection.disconnect();
      return { handedBack: handle.inFlight() };
    }
    return result;
  } finally {
    signals.dispose();
  }
}
