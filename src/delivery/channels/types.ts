import type { RenderedReport } from '../../reports/render.ts';
import type { AlertEvent } from '../../alerts/types.ts';

export type ChannelType = 'email' | 'slack';

/** What a channel sends: the month's report, or one alert raised on a day. */
export type ChannelMessage =
  | { kind: 'report'; report: RenderedReport; csvFile: string }
  | { kind: 'alert'; alert: AlertEvent };

/**
 * A delivery channel (ARCHITECTURE.md): renders a message for its medium and sends it to one
 * recipient. Idempotence is not the channel's job: callers claim each (subject, channel,
 * recipient) first (see send-once.ts), so a channel only has to send.
 */
export interface DeliveryChannel {
  readonly type: ChannelType;
  /** Who gets each message: email addresses, or one key per Slack webhook (never the URL). */
  readonly recipients: readonly string[];
  send(message: ChannelMessage, recipient: string): Promise<{ messageId: string }>;
  close(): void;
}
