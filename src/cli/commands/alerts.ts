import type { Command } from 'commander';
import { runCommand, withContext, withGlobalOptions } from '../output.ts';
import { ConfigError, errorMessage } from '../../errors.ts';
import { addDays, dayKey, parseDay, startOfDay } from '../../time.ts';

/** `breakeven alerts [--day YYYY-MM-DD] [--no-send]`: what the worker runs after each daily ingest. */
export function registerAlerts(program: Command): void {
  withGlobalOptions(
    program
      .command('alerts')
      .description('evaluate the alerts config (budgets, daily spikes) for a day and send what is raised on report.channels, once per alert and day')
      .option('--day <YYYY-MM-DD>', 'UTC day to evaluate (default yesterday)')
      .option('--no-send', 'evaluate and record only'),
  ).action((opts: { day?: string; send: boolean; config?: string; json?: boolean }) =>
    runCommand(opts, async (io) => {
      let day: Date | undefined;
      try {
        day = opts.day ? parseDay(opts.day, '--day') : undefined;
      } catch (err) {
        throw new ConfigError(errorMessage(err));
      }
      return withContext(opts, async (ctx) => {
        if (ctx.config.alerts.length === 0) throw new ConfigError('no alerts configured: add an `alerts:` list to the config (see breakeven.config.example.yaml)');
        const { runAlerts } = await import('../../alerts/run.ts');
        const d = day ?? addDays(startOfDay(ctx.clock.now()), -1);
        const r = await runAlerts(ctx, d, { send: opts.send });
        io.print(r.alerts.length ? `${r.alerts.length} alert(s) on ${dayKey(d)}:` : `no alert on ${dayKey(d)}`);
        for (const a of r.alerts) io.print(`  ${a.key}: ${a.message}`);
        for (const o of r.notification?.outcomes ?? []) io.print(`  ${o.alert} → ${o.channel} ${o.recipient}: ${o.status}${o.status === 'skipped' ? ` (${o.reason})` : ''}`);
        for (const u of r.notification?.unavailable ?? []) io.note(`channel ${u.channel} unavailable: ${u.reason}`);
        return r;
      });
    }),
  );
}
