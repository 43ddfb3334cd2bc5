import type { Command } from 'commander';
import { runCommand, withContext, withGlobalOptions } from '../output.ts';
import { ConfigError } from '../../errors.ts';

export function registerWorker(program: Command): void {
  withGlobalOptions(
    program
      .command('worker')
      .description('run the BullMQ workers and job schedulers (needs REDIS_URL); HTTP /healthz, /metrics and a queue page on BREAKEVEN_HTTP_PORT')
      .option('--concurrency <n>', 'jobs run in parallel per queue by this process', '1'),
  ).action((opts: { concurrency: string; config?: string; json?: boolean }) =>
    runCommand(opts, async (io) => {
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
          onReady: (info) => io.note(`worker ready: queues ${info.queues.join(', ')}; schedulers ${info.schedulers.join(', ') || 'none'}; ${info.url}/healthz, /metrics, / (queues)`),
        });
        io.note(`worker stopped${result.handedBack ? `; ${result.handedBack} unfinished job(s) will be picked up by another worker` : ''}`);
        return result;
      }, { defaultLogLevel: 'info' });
    }),
  );
}
