import type { Ctx } from '../../context.ts';
import { ConfigError } from '../../errors.ts';
import { reportRecipients, reportSender } from '../../reports/addresses.ts';
import { reportMessage } from '../../reports/mime.ts';
import { smtpMailer, type Mailer } from '../transport.ts';
import type { ChannelMessage, DeliveryChannel } from './types.ts';

/**
 * Email over SMTP_URL. Recipients: the channel's `to`, else --to, REPORT_TO, report.recipients
 * (reportRecipients). Each recipient gets their own message.
 */
export function emailChannel(ctx: Ctx, opts: { to?: readonly string[] | undefined; mailer?: Mailer } = {}): DeliveryChannel {
  const recipients = reportRecipients(ctx, opts.to);
  if (recipients.length === 0) throw new ConfigError('no email recipients: pass --to, set REPORT_TO, or list report.recipients (or the email channel\'s `to`) in the config');
  const from = reportSender(ctx);
  if (!from) throw new ConfigError('no sender address: set REPORT_FROM or report.from in the config');
  let mailer = opts.mailer;
  const get = () => (mailer ??= smtpMailer(ctx));

  const send = async (message: ChannelMessage, to: string): Promise<{ messageId: string }> => {
    const mail =
      message.kind === 'report'
        ? reportMessage(message.report, { from, to, date: ctx.clock.now() })
        : {
            from,
            to,
            subject: `[breakeven] ${message.alert.title}`,
            date: ctx.clock.now(),
            text: `${message.alert.message}\n\nalert ${message.alert.key} · ${message.alert.day}\n`,
            headers: { 'X-Breakeven-Alert': `${message.alert.key}; day=${message.alert.day}` },
          };
    const info = await get().send(mail);
    if (info.rejected.length > 0 && info.accepted.length === 0) throw new Error('recipient rejected by the SMTP server');
    return { messageId: info.messageId };
  };

  return { type: 'email', recipients, send, close: () => mailer?.close() };
}
