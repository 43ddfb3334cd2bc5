import nodemailer from 'nodemailer';
import type { Ctx } from '../context.ts';
import { ConfigError } from '../errors.ts';

export interface Mailer {
  send(message: Parameters<ReturnType<typeof nodemailer.createTransport>['sendMail']>[0]): Promise<{ messageId: string; accepted: string[]; rejected: string[] }>;
  close(): void;
}

/** An SMTP mailer from SMTP_URL (`smtp://user:pass@host:port`, `smtps://…`). The URL never reaches a log. */
export function smtpMailer(ctx: Ctx): Mailer {
  const url = ctx.env.SMTP_URL;
  if (!url) throw new ConfigError('SMTP_URL is not set: set it to smtp://user:pass@host:port to send reports');
  let scheme: string;
  try {
    scheme = new URL(url).protocol;
  } catch {
    scheme = '';
  }
  // Never echo the value: it may carry a password.
  if (scheme !== 'smtp:' && scheme !== 'smtps:') throw new ConfigError('SMTP_URL is not a valid smtp:// or smtps:// URL');
  const transport = nodemailer.createTransport(url);
  return {
    send: async (message) => {
      const info = await transport.sendMail(message);
      const addr = (a: unknown) => (typeof a === 'string' ? a : String((a as { address?: string }).address ?? a));
      return { messageId: info.messageId, accepted: (info.accepted ?? []).map(addr), rejected: (info.rejected ?? []).map(addr) };
    },
    close: () => transport.close(),
  };
}
