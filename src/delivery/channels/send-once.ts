import type { Ctx } from '../../context.ts';
import { errorMessage } from '../../errors.ts';
import { claimChannelSend, markChannelFailed, markChannelSent } from './claims.ts';
import type { ChannelMessage, ChannelType, DeliveryChannel } from './types.ts';

export type ChannelOutcome =
  | { channel: ChannelType; recipient: string; status: 'sent'; messageId: string; attempt: number }
  | { channel: ChannelType; recipient: string; status: 'skipped'; reason: string; messageId: string | null }
  | { channel: ChannelType; recipient: string; status: 'failed'; error: string; attempt: number }
  /** Email only: the server took the message but never confirmed it; not resent without --force. */
  | { channel: ChannelType; recipient: string; status: 'unknown'; error: string; messageId: string; attempt: number };

/**
 * Sends `message` to each of the channel's recipients at most once per `subject` (unless force):
 * claim, send, mark sent — or mark failed, which the next run retries. One recipient's failure
 * does not stop the others.
 */
export async function sendOnce(
  ctx: Ctx,
  channel: DeliveryChannel,
  subject: string,
  message: ChannelMessage,
  opts: { force: boolean; reportId?: string | null },
): Promise<ChannelOutcome[]> {
  const outcomes: ChannelOutcome[] = [];
  for (const recipient of channel.recipients) {
    const claimed = await claimChannelSend(ctx.db, { subject, channel: channel.type, recipient }, { force: opts.force, now: ctx.clock.now(), reportId: opts.reportId ?? null });
    if ('refused' in claimed) {
      const r = claimed.refused;
      const reason =
        r.status === 'sent'
          ? `already sent${r.sentAt ? ` on ${new Date(r.sentAt).toISOString().slice(0, 10)}` : ''}; use --force to send again`
          : 'another run is sending it right now (or was interrupted mid-send); use --force to send again';
      outcomes.push({ channel: channel.type, recipient, status: 'skipped', reason, messageId: r.messageId });
      ctx.log.info({ subject, channel: channel.type, recipient, status: r.status }, 'channel send skipped');
      continue;
    }
    try {
      const { messageId } = await channel.send(message, recipient);
      await markChannelSent(ctx.db, claimed.claim.id, messageId, ctx.clock.now());
      outcomes.push({ channel: channel.type, recipient, status: 'sent', messageId, attempt: claimed.claim.attempts });
      ctx.log.info({ subject, channel: channel.type, recipient, messageId, attempt: claimed.claim.attempts }, 'channel message sent');
    } catch (err) {
      const error = errorMessage(err);
      await markChannelFailed(ctx.db, claimed.claim.id, error, ctx.clock.now());
      outcomes.push({ channel: channel.type, recipient, status: 'failed', error, attempt: claimed.claim.attempts });
      ctx.log.warn({ subject, channel: channel.type, recipient, err: error, attempt: claimed.claim.attempts }, 'channel send failed');
    }
  }
  return outcomes;
}
