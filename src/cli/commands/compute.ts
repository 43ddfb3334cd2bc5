import type { Command } from 'commander';
import { runCommand, withContext, withGlobalOptions } from '../output.ts';
import { ConfigError, InputError } from '../../errors.ts';
import { parseMonth } from '../../time.ts';
import { formatTable } from '../table.ts';

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
        // The same words and rounding as the report's cards, from the rows just written.
        const [{ featureSummary }, { loadFeatureRows }] = await Promise.all([import('../../reports/feature-summary.ts'), import('../../reports/load-inputs.ts')]);
        const summary = featureSummary(await loadFeatureRows(ctx.db, `${result.month}-01`), result.currency, ctx.config.report.min_months_for_recommendation);
        io.print(`computed ${result.month} (${result.currency}):`);
        io.print(formatTable(summary.header, summary.rows));
        if (summary.savings) io.print(`Following the recommendations would save about ${summary.savings}.`);
        io.print(summary.legend);
        return result;
      });
    }),
  );
}
