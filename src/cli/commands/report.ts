import type { Command } from 'commander';
import { withContext, withGlobalOptions, runCommand, type CommandIO } from '../output.ts';
import { parseMonth } from '../../time.ts';
import { ConfigError, errorMessage } from '../../errors.ts';
import type { WrittenReport } from '../../reports/write.ts';
import type { ChannelsDeliveryResult } from '../../delivery/channels/deliver-report.ts';

interface ReportOptions {
  config?: string;
  json?: boolean;
  month: string;
  out?: string;
  send?: boolean;
  force?: boolean;
  to?: string;
  channels?: string;
}

/** `breakeven report --month YYYY-MM [--out DIR] [--send] [--force] [--to a@x,b@y] [--channels email,slack]` */
export function registerReport(program: Command): void {
  withGlobalOptions(
    program
      .command('report')
      .description('render the monthly break-even report (HTML, text, CSV, .eml) and optionally email it')
      .requiredOption('--month <YYYY-MM>', 'month to report on')
      .option('--out <dir>', 'output directory', './out')
      .option('--send', 'send the report on report.channels (default: email via SMTP_URL), once per month, channel and recipient')
      .option('--force', 'with --send: send again to recipients who already received it')
      .option('--to <addresses>', 'comma-separated email recipients (default REPORT_TO, then config report.recipients)')
      .option('--channels <list>', 'with --send: only these of report.channels (email, slack)'),
  ).action((opts: ReportOptions) =>
    runCommand(opts, async (io) => {
      const month = parseMonthArg(opts.month);
      const to = opts.to ? opts.to.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
      return withContext(opts, async (ctx) => {
        const { writeMonthlyReport } = await import('../../reports/write.ts');
        const { deliverReportOnChannels, ChannelDeliveryFailedError } = await import('../../delivery/channels/deliver-report.ts');
        const written = await writeMonthlyReport(ctx, month, opts.out);
        printWritten(io, written);
        if (!opts.send) return { report: written };
        const channels = opts.channels ? opts.channels.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
        let delivery: ChannelsDeliveryResult;
        try {
          delivery = await deliverReportOnChannels(ctx, month, { to, force: Boolean(opts.force), channels });
        } catch (err) {
          if (err instanceof ChannelDeliveryFailedError) printDelivery(io, err.result);
          throw err;
        }
        printDelivery(io, delivery);
        return { report: written, delivery };
      });
    }),
  );
}

/** A malformed --month is bad usage (exit 2), not a run-time failure. */
function parseMonthArg(value: string): Date {
  try {
    return parseMonth(value, '--month');
  } catch (err) {
    throw new ConfigError(errorMessage(err));
  }
}

function printWritten(io: CommandIO, w: WrittenReport): void {
  io.print(w.subject);
  io.print('');
  const rows = w.features.map((f) => [`${f.level ? '  ' : ''}${f.feature}`, f.architecture, f.spend, f.ratePer1M, f.breakEven, f.recommendation]);
  const header = ['feature', 'arch', 'spend', 'per 1M', 'break-even', 'recommendation'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 2 || i === 3 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  io.print(line(header));
  for (const r of rows) io.print(line(r));
  io.print('');
  for (const path of Object.values(w.files)) io.print(`wrote ${path}`);
}

function printDelivery(io: CommandIO, d: ChannelsDeliveryResult): void {
  for (const o of d.outcomes) {
    const who = o.channel === 'email' ? o.recipient : `${o.channel} ${o.recipient}`;
    if (o.status === 'sent') io.print(`sent to ${who} (${o.messageId})`);
    else if (o.status === 'skipped') io.print(`skipped ${who}: ${o.reason}`);
    else if (o.status === 'unknown') io.note(`outcome unknown for ${who} (Message-ID ${o.messageId}): ${o.error}`);
    else io.note(`failed to send to ${who}: ${o.error}`);
  }
}
