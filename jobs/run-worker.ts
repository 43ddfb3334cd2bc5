import type { Ctx } from '../src/context.ts';
import { serveWorkerHttp } from './http.ts';
import { DEFAULT_PREFIX } from './queues.ts';
import { redactUrl } from '../src/db/connect.ts';
import { startWorkers, type StartWorkersOptions } from './workers.ts';

export interface RunWorkerOptions extends StartWorkersOptions {
  /** HTTP port for /healthz, /metrics and the queue page (0: a free one). */
  httpPort: number;
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

/**
 * `breakeven worker`: starts the workers (and the job schedulers), serves HTTP, and on SIGTERM or
 * SIGINT stops taking jobs, lets in-flight ones finish for the grace period, and closes every
 * connection. Resolves after the shutdown.
 */
export async function runWorker(ctx: Ctx, opts: RunWorkerOptions): Promise<{ handedBack: number }> {
  const signals = firstSignal();
  const prefix = opts.prefix ?? ctx.env.BREAKEVEN_QUEUE_PREFIX ?? DEFAULT_PREFIX;
  const handle = await startWorkers(ctx, opts);
  let http;
  try {
    http = await serveWorkerHttp(ctx, handle, { port: opts.httpPort, prefix });
  } catch (err) {
    await handle.close({ graceMs: 0 });
    signals.dispose();
    throw err;
  }
  ctx.log.info({ redis: redactUrl(opts.redisUrl), http: http.url }, 'worker ready');
  opts.onReady?.({ url: http.url, queues: handle.workers.map((w) => w.name), schedulers: handle.schedulers.map((s) => s.id) });
  const why = await Promise.race([signals.promise, opts.stopSignal ?? new Promise<never>(() => {})]);
  signals.dispose();
  ctx.log.info({ signal: typeof why === 'string' ? why : 'stop' }, 'shutting down: no new jobs; waiting for in-flight ones');
  const result = await handle.close({ graceMs: opts.graceMs ?? 30_000 });
  await http.close();
  return result;
}
