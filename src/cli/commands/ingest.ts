import type { Command } from 'commander';
import { runCommand, withContext, withGlobalOptions } from '../output.ts';
import { SOURCE_NAMES } from '../../ingest/sources.ts';
import { ConfigError } from '../../errors.ts';
import { dayKey, parseDay } from '../../time.ts';

export function registerIngest(program: Command): void {
  const ingest = program.command('ingest').description('pull a window of one source into the database (idempotent)');
  withGlobalOptions(
    ingest
      .command('focus')
      .description('import a FOCUS CSV export (gzip ok); idempotent per file row')
      .requiredOption('--file <path>', 'FOCUS CSV or CSV.gz')
      .option('--provider <name>', 'provider name to record (default: the ProviderName column)'),
  ).action((opts: { file: string; provider?: string; config?: string; json?: boolean }) =>
    runCommand(opts, (io) =>
      withContext(opts, async (ctx) => {
        const { importFocusFile } = await import('../../sources/focus/import.ts');
        const result = await importFocusFile(ctx, { path: opts.file, ...(opts.provider ? { provider: opts.provider } : {}) });
        io.print(`imported ${result.rows} FOCUS rows from ${opts.file}`);
        if (result.corrections.rows > 0) {
          io.note(`${result.corrections.rows} correction(s) of prior billing periods applied to the months they correct: run compute again for ${result.corrections.months.join(', ')}`);
        }
        return result;
      }),
    ),
  );
  for (const source of SOURCE_NAMES) {
    withGlobalOptions(
      ingest
        .command(source)
        .description(`pull ${source} for the days [--from, --to): --to is exclusive, the day after the last one (unlike backfill's --to, a month that is included)`)
        .requiredOption('--from <date>', 'first day, YYYY-MM-DD (inclusive)')
        .requiredOption('--to <date>', 'end day, YYYY-MM-DD (exclusive: --from 2026-10-01 --to 2026-11-01 is all of October)'),
    ).action((opts: { from: string; to: string; config?: string; json?: boolean }) =>
      runCommand(opts, async (io) => {
        let start: Date;
        let end: Date;
        try {
          start = parseDay(opts.from, '--from');
          end = parseDay(opts.to, '--to');
        } catch (err) {
          throw new ConfigError((err as Error).message);
        }
        if (end <= start) throw new ConfigError(`--to (${opts.to}) must be after --from (${opts.from}); --to is exclusive`);
        return withContext(opts, async (ctx) => {
          const { connectorFor } = await import('../../ingest/registry.ts');
          const connector = connectorFor(source);
          const ready = connector.configured(ctx);
          if (!ready.ok) throw new ConfigError(`${source}: ${ready.why}`);
          const windows = await connector.ingest(ctx, { start, end }, (w) => io.note(`${source} ${dayKey(w.start)}..${dayKey(w.end)}: ${w.rows} rows, ${w.requests} requests`));
          const rows = windows.reduce((a, w) => a + w.rows, 0);
          const requests = windows.reduce((a, w) => a + w.requests, 0);
          io.print(`${source}: ${windows.length} window(s), ${rows} rows written, ${requests} vendor requests`);
          return { source, from: opts.from, to: opts.to, windows: windows.length, rows, requests };
        });
      }),
    );
  }
}
