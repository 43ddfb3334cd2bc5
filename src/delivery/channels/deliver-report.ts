import type { Ctx } from '../../context.ts';
import { archiveReport } from '../../reports/archive.ts';
import { renderMonthlyReport } from '../../reports/render.ts';
import { monthKey, monthStart } from '../../time.ts';
import { BreakevenError } from '../../errors.ts';
import { deliverMonthlyReport, DeliveryFailedError, type DeliveryResult } from '../deliver.ts';
import type { Mailer } from '../transport.ts';
import { buildChannel, selectChannels } from './registry.ts';
import { sendOnce, type ChannelOutcome } from './send-once.ts';

export interface ChannelsDeliveryResult {
  month: string;
  /** The email channel's result (report_deliveries claims), when email is a channel. */
  email: DeliveryResult | null;
  /** Every channel's outcomes, email included. */
  outcomes: ChannelOutcome[];
}

export class ChannelDeliveryFailedError extends BreakevenError {
  override readonly retryable = true;
  constructor(readonly result: ChannelsDeliveryResult) {
    const failed = result.outcomes.filter((o) => o.status === 'failed');
    super(
      `report ${result.month}: sending failed on ${failed.map((f) => `${f.channel} ${f.recipient}`).join(', ')} (${failed.map((f) => (f.status === 'failed' ? f.error : '')).join('; ')}); ` +
        'run the same command again to retry them (what was already sent is skipped)',
    );
  }
}

/**
 * Sends the month's report on every configured channel (report.channels), once per (month,
 * channel, recipient) unless `force`. Email goes through deliverMonthlyReport (its claims in
 * report_deliveries predate channels); the other channels claim in channel_deliveries. Every
 * channel is tried even when an earlier one failed.
 */
export async function deliverReportOnChannels(
  ctx: Ctx,
  month: Date,
  opts: { to?: string[] | undefined; force: boolean; channels?: string[] | undefined; mailer?: Mailer },
): Promise<ChannelsDeliveryResult> {
  const key = monthKey(monthStart(month));
  const configs = selectChannels(ctx, opts.channels);
  const result: ChannelsDeliveryResult = { month: key, email: null, outcomes: [] };
  const others = configs.filter((c) => c.type !== 'email');
  // Build every channel first: a missing SLACK_WEBHOOK_URL fails before anything is sent.
  const channels = others.map((c) => buildChannel(ctx, c));
  try {
    for (const cfg of configs.filter((c) => c.type === 'email')) {
      try {
        result.email = await deliverMonthlyReport(ctx, month, { to: opts.to && opts.to.length ? opts.to : cfg.type === 'email' ? cfg.to : undefined, force: opts.force, ...(opts.mailer ? { mailer: opts.mailer } : {}) });
      } catch (err) {
        if (!(err instanceof DeliveryFailedError)) throw err;
        result.email = err.result;
      }
      result.outcomes.push(...result.email.outcomes.map((o) => ({ ...o, channel: 'email' as const })));
    }
    if (channels.length) {
      const report = await renderMonthlyReport(ctx, monthStart(month), { png: false });
      const reportId = await archiveReport(ctx.db, report, ctx.clock.now());
      for (const channel of channels) {
        result.outcomes.push(...(await sendOnce(ctx, channel, `report:${key}`, { kind: 'report', report, csvFile: `report-${key}.csv` }, { force: opts.force, reportId })));
      }
    }
  } finally {
    for (const c of channels) c.close();
  }
  if (result.outcomes.some((o) => o.status === 'failed')) throw new ChannelDeliveryFailedError(result);
  return result;
}
