import type { Command } from 'commander';
import { ConfigError } from '../../errors.ts';
import { systemClock } from '../../clock.ts';
import { runCommand, withGlobalOptions } from '../output.ts';
import { formatTable } from '../table.ts';

export function registerDemo(program: Command): void {
  withGlobalOptions(
    program
      .command('demo')
      .description('zero-setup run: built-in simulators of every source, embedded Postgres, last full month\'s report in ./out')
      .option('--out <dir>', 'where the report files go', './out')
      .option('--months <n>', 'months to ingest, ending with the last full month', '4'),
  ).action((opts: { out: string; months: string; config?: string; json?: boolean }) =>
    runCommand(opts, async (io) => {
      const months = Number(opts.months);
      if (!Number.isInteger(months) || months < 1 || months > 13) throw new ConfigError(`--months must be a whole number from 1 to 13, got "${opts.months}"`);
      const t0 = Date.now();
      const clock = systemClock;
      // Loaded on demand so `--help` and `--version` stay fast (see output.ts).
      const [{ default: cliProgress }, { createContext }, { startAllSimulators }, { runDemo }] = await Promise.all([
        import('cli-progress'),
        import('../../context.ts'),
        import('../../simulators/start-all.ts'),
        import('../../demo/run.ts'),
      ]);
      const { loadEnv } = await import('../../config/env.ts');
      io.note('starting the source simulators on 127.0.0.1 (OpenAI, Anthropic, AWS Cost Explorer, Prometheus, OpenCost)…');
      const sims = await startAllSimulators({ clock });
      // The demo never reaches a real vendor: the simulators' URLs and fake keys replace any real ones.
      try {
        const env = loadEnv({ ...process.env, ...sims.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' });
        const ctx = await createContext({ configPath: opts.config, fallbackToExample: true, env, clock });
        try {
          io.note(`database: ${ctx.dbKind === 'pglite' ? `embedded PGlite in ${ctx.dbWhere}` : ctx.dbWhere}; config: ${ctx.configPath}`);
          const bar = process.stderr.isTTY && !io.json ? new cliProgress.SingleBar({ format: ' {bar} {percentage}% | {value}/{total} steps | {step}', hideCursor: true, stream: process.stderr }, cliProgress.Presets.shades_classic) : null;
          let started = false;
          const result = await runDemo(ctx, {
            months,
            outDir: opts.out,
            onProgress: (done, total, step) => {
              if (bar) {
                if (!started) bar.start(total, 0, { step: step.id });
                started = true;
                bar.update(done, { step: done < total ? step.id : 'done' });
              } else if (done < total) {
                io.note(`[${done + 1}/${total}] ${step.id}`);
              }
            },
          });
          bar?.stop();
          const { featureSummary } = await import('../../reports/feature-summary.ts');
          const summary = featureSummary(result.features, ctx.config.currency, ctx.config.report.min_months_for_recommendation);
          io.print('');
          io.print(`breakeven demo — ${result.month} (${result.months.length} months ingested from ${result.sources.join(', ')})`);
          io.print('');
          io.print(formatTable(summary.header, summary.rows));
          io.print('');
          if (summary.savings) io.print(`Following the recommendations would save about ${summary.savings} (the report's headline).`);
          io.print(summary.legend);
          io.print(`report: ${Object.values(result.report.files).join(', ')}`);
          io.print(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
          return result;
        } finally {
          await ctx.close();
        }
      } finally {
        await sims.close();
      }
    }),
  );
}
