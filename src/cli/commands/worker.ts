import type { Command } from 'commander';
import { runCommand, withContext, withGlobalOptions } from '../output.ts';
import { ConfigError } from '../../errors.ts';

export function registerWorker(program: Command): void {
  withGlobalOptions(
    program
      .command('worker')
      .description('run the BullMQ workers and job schedulers (needs REDIS_URL); HTTP /healthz, /metrics and a queue page on BREAKEVEN_HTTP_PORT')
      .option('--concurrency <n>', 'jobs run in parallel per queue by this process', '1'),
  ).action(async (opts: { concurrency: string; config?: string; json?: boolean }) => {
    await runCommand(opts, async (io) => {
      const concurrency = Number(opts.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 100) throw new ConfigError(`--concurrency must be an integer from 1 to 100, got "${opts.concurrency}"`);
      const { loadEnv } = await import('../../config/env.ts');
      const env = loadEnv();
      if (!env.REDIS_URL) {
        throw new ConfigError('worker needs REDIS_URL (e.g. redis://127.0.0.1:6379): it runs the queued jobs; without Redis use the inline commands (ingest, compute, report, backfill --inline)');
      }
      return withContext(opts, async (ctx) => {
        // Loaded on demand: only jobs/ imports bullmq.
        const { runWorker } = await import('../../../jobs/run-worker.ts');
        const result = await runWorker(ctx, {
          redisUrl: env.REDIS_URL!,
          concurrency,
          httpPort: env.BREAKEVEN_HTTP_PORT,
          httpHost: env.BREAKEVEN_HTTP_HOST,
          onReady: (info) => io.note(`worker ready: queues ${info.queues.join(', ')}; schedulers ${info.schedulers.join(', ') || 'none'}; ${info.url}/healthz, /metrics, / (queues)`),
        });
        // The workers are stopped; should a hung job (its socket, its leased database connection)
        // keep closing the context or the event loop from ending, the process ends anyway: SIGTERM
        // must always stop the worker. unref: a clean exit does not wait for it.
        setTimeout(() => process.exit(process.exitCode ?? 0), 5_000).unref();
        io.note(`worker stopped${result.handedBack ? `; ${result.handedBack} unfinished job(s) will be picked up by another worker` : ''}`);
        return result;
      }, { defaultLogLevel: 'info' });
    });
  });
}
