import type { Command } from 'commander';
import { ConfigError } from '../../errors.ts';
import { systemClock } from '../../clock.ts';
import { runCommand, withGlobalOptions } from '../output.ts';
import { compactNumber, formatTable } from '../table.ts';

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const fmtMoney = (v: unknown, currency: string) => {
  const n = num(v);
  return n === null ? null : `${currency === 'USD' ? '$' : `${currency} `}${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
};
const archName = (a: unknown) => (a === 'self_hosted' ? 'self-hosted' : a === 'hybrid' ? 'hybrid' : 'API');
/** "stay on API", "move to self-hosted", "hybrid (2 replicas)", or why there is none. */
function recommendationText(f: Record<string, unknown>): string | null {
  if (f.feature === 'unattributed') return 'add attribution rules';
  const rec = f.recommendation as string | null;
  if (!rec) return String(f.recommendation_reason ?? '').startsWith('insufficient') ? 'insufficient data' : null;
  if (rec === 'hybrid') return `hybrid (${f.hybrid_replicas} replica${f.hybrid_replicas === 1 ? '' : 's'})`;
  return rec === f.architecture ? `stay on ${archName(rec)}` : `move to ${archName(rec)}`;
}
const fmtRate = (v: unknown) => {
  const n = num(v);
  return n === null ? null : n.toFixed(n < 1 ? 3 : 2);
};

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
      io.note('starting the source simulators on 127.0.0.1 (OpenAI, Anthropic, AWS Cost Explorer, Prometheus)…');
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
          const currency = ctx.config.currency;
          io.print('');
          io.print(`breakeven demo — ${result.month} (${result.months.length} months ingested from ${result.sources.join(', ')})`);
          io.print('');
          io.print(
            formatTable(
              ['feature', 'runs on', 'actual cost', 'tokens', `${currency}/1M`, 'other arch.', `${currency}/1M`, 'break-even/mo', 'recommendation'],
              result.features.map((f) => [
                String(f.feature),
                f.feature === 'unattributed' ? '—' : archName(f.architecture),
                fmtMoney(f.actual_cost, currency),
                compactNumber(Number(f.input_tokens) + Number(f.output_tokens)),
                fmtRate(f.blended_rate_per_1m),
                fmtMoney(f.counterfactual_cost, currency),
                fmtRate(f.counterfactual_rate_per_1m),
                f.counterfactual_architecture ? (f.break_even_tokens_per_month === null ? 'never' : compactNumber(Number(f.break_even_tokens_per_month))) : null,
                recommendationText(f),
              ]),
            ),
          );
          io.print('');
          io.print(`actual cost = billed (invoices, cloud bills); ${currency}/1M = fully loaded (with overhead and ops share); other arch. = modelled cost of the same tokens on the other architecture`);
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
