import type { Command } from 'commander';
import { runCommand, withContext, withGlobalOptions } from '../output.ts';
import { computeMonth } from '../../compute/month.ts';
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
        const result = await computeMonth(ctx, month);
        io.print(`computed ${result.month} (${result.currency})`);
        io.print(
          formatTable(
            ['feature', 'architecture', 'actual cost', 'tokens', 'per 1M', 'recommendation'],
            result.features.map((f) => [f.feature, f.architecture, f.actualCost, compactNumber(f.tokens), f.blendedRatePer1M, f.recommendation]),
          ),
        );
        return result;
      });
    }),
  );
}
