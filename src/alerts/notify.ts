import type { Ctx } from '../context.ts';
import { errorMessage } from '../errors.ts';
import { buildChannel, configuredChannels } from '../delivery/channels/registry.ts';
import { sendOnce, type ChannelOutcome } from '../delivery/channels/send-once.ts';
import type { DeliveryChannel } from '../delivery/channels/types.ts';
import type { Mailer } from '../delivery/transport.ts';
import type { AlertEvent } from './types.ts';

export interface AlertNotification {
  outcomes: Array<ChannelOutcome & { alert: string }>;
  /** Channels that could not be built (e.g. no SMTP_URL), with why: the alert is still recorded. */
  unavailable: Array<{ channel: string; reason: string }>;
}

/**
 * Sends each alert on the report channels, once per (alert, day, channel, recipient): the claim
 * subject is `alert:<key>:<day>`, so re-evaluating a day never sends twice.
 */
export async function notifyAlerts(ctx: Ctx, alerts: readonly AlertEvent[], opts: { mailer?: Mailer } = {}): Promise<AlertNotification> {
  const result: AlertNotification = { outcomes: [], unavailable: [] };
  if (alerts.length === 0) return result;
  const channels: DeliveryChannel[] = [];
  for (const cfg of configuredChannels(ctx)) {
    try {
      channels.push(buildChannel(ctx, cfg, opts.mailer ? { mailer: opts.mailer } : {}));
    } catch (err) {
      result.unavailable.push({ channel: cfg.type, reason: errorMessage(err) });
      ctx.log.warn({ channel: cfg.type, err: errorMessage(err) }, 'alert channel unavailable');
    }
  }
  try {
    for (const alert of alerts) {
      for (const channel of channels) {
        const outcomes = await sendOnce(ctx, channel, `alert:${alert.key}:${alert.day}`, { kind: 'alert', alert }, { force: false });
        result.outcomes.push(...outcomes.map((o) => ({ ...o, alert: alert.key })));
      }
    }
  } finally {
    for (const c of channels) c.close();
  }
  return result;
}
