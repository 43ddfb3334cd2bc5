import type { Command } from 'commander';
import { runCommand, withContext, withGlobalOptions } from '../output.ts';
import { ConfigError, InputError } from '../../errors.ts';
import { parseMonth } from '../../time.ts';
import { compactNumber, formatTable } from '../table.ts';

export function registerCompute(program: Command): void {
  withGlobalOptions(
    program.command('compute').description('attribution + cost model for a month (replaces that month\'s results)').requiredOption('--month <YYYY-MM>', 'calendar month (UTC)'),
  ).action((opts: { month: string; config?: string; json?: boolean }) =>
    runCommand(opts, async (io) => {
      let month: Date;
      try {
        month = parseMonth(opts.month, '--month');
      } catch (err) {
        throw new ConfigError((err as InputError).message);
      }
      return withContext(opts, async (ctx) => {
        const { computeMonth } = await import('../../compute/month.ts');
        if (month > ctx.clock.now()) throw new ConfigError(`--month ${opts.month} has not started yet`);
        const result = await computeMonth(ctx, month);
        // Display only: the stored figures are exact decimals.
        const money = (v: string | null) => (v === null ? null : Number(v).toLocaleString('en-US', { style: 'currency', currency: result.currency }));
        io.print(`computed ${result.month} (${result.currency}); billed cost per feature, fully loaded rate per 1M tokens:`);
        io.print(
          formatTable(
            ['feature', 'architecture', 'actual cost', 'tokens', 'per 1M', 'recommendation'],
            result.features.map((f) => [
              f.feature,
              f.feature === 'unattributed' ? '—' : f.architecture === 'self_hosted' ? 'self-hosted' : 'api',
              money(f.actualCost),
              compactNumber(f.tokens),
              money(f.blendedRatePer1M),
              f.recommendation === 'self_hosted' ? 'self-hosted' : f.recommendation,
            ]),
          ),
        );
        return result;
      });
    }),
  );
}
