import nodemailer from 'nodemailer';
import type { Ctx } from '../context.ts';
import { BreakevenError, ConfigError, errorMessage } from '../errors.ts';
import { redactUrl } from '../db/connect.ts';

/**
 * The server received the whole message (it had answered 354 to DATA) and then dropped the
 * connection or went silent before its final reply: the message may or may not have been
 * delivered. Resending could deliver a second copy, so the claim is marked `unknown`.
 */
export class SmtpOutcomeUnknownError extends BreakevenError {
  constructor(
    readonly where: string,
    readonly code: string,
    detail: string,
  ) {
    super(`SMTP ${where}: the server took the message but gave no final reply (${code}: ${detail}); it may have been delivered`);
  }
}

export interface Mailer {
  send(message: Parameters<ReturnType<typeof nodemailer.createTransport>['sendMail']>[0]): Promise<{ messageId: string; accepted: string[]; rejected: string[] }>;
  close(): void;
  /** Connects, says EHLO and logs in if SMTP_URL has credentials; sends nothing (`breakeven check`). */
  verify?(): Promise<void>;
}

/** An SMTP mailer from SMTP_URL (`smtp://user:pass@host:port`, `smtps://…`). The URL never reaches a log. */
export function smtpMailer(ctx: Pick<Ctx, 'env'>): Mailer {
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
  const timeout = ctx.env.BREAKEVEN_SMTP_TIMEOUT_MS;
  // Whether the server said 354 (send the message) in the current exchange: after that, a dropped
  // connection or a timeout leaves it unknown whether the message was delivered.
  let dataAccepted = false;
  const record = (entry: unknown, message: unknown) => {
    if ((entry as { tnx?: string } | null)?.tnx === 'server' && typeof message === 'string' && /^354\b/.test(message)) dataAccepted = true;
  };
  // The conversation is only watched for that reply, never printed (AUTH lines carry the password).
  const quiet = () => {};
  const logger = { level: quiet, trace: quiet, debug: record, info: quiet, warn: quiet, error: quiet, fatal: quiet };
  const transport = nodemailer.createTransport({
    url,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    debug: true,
    logger,
  } as Parameters<typeof nodemailer.createTransport>[0]);
  const where = redactUrl(url);
  return {
    send: async (message) => {
      dataAccepted = false;
      let info;
      try {
        info = await transport.sendMail(message);
      } catch (err) {
        const e = err as { code?: string; message?: string; responseCode?: number };
        const lost = e.code === 'ECONNECTION' || e.code === 'ETIMEDOUT' || e.code === 'ESOCKET';
        if (dataAccepted && lost && !e.responseCode) throw new SmtpOutcomeUnknownError(where, e.code ?? 'ECONNECTION', errorMessage(err));
        if (lost && !dataAccepted) {
          // Which of nodemailer's three timers fired first (connection, greeting, socket) does not matter to the reader.
          const what = e.code === 'ETIMEDOUT' ? `no answer within ${timeout} ms` : errorMessage(err);
          throw new BreakevenError(`SMTP ${where}: ${what} (${e.code}, nothing was sent); check SMTP_URL${e.code === 'ETIMEDOUT' ? ' or raise BREAKEVEN_SMTP_TIMEOUT_MS' : ''}`);
        }
        throw err;
      }
      const addr = (a: unknown) => (typeof a === 'string' ? a : String((a as { address?: string }).address ?? a));
      return { messageId: info.messageId, accepted: (info.accepted ?? []).map(addr), rejected: (info.rejected ?? []).map(addr) };
    },
    close: () => transport.close(),
    verify: async () => {
      try {
        await transport.verify();
      } catch (err) {
        const e = err as { code?: string };
        const what = e.code === 'ETIMEDOUT' ? `no answer within ${timeout} ms` : errorMessage(err);
        throw new BreakevenError(`SMTP ${where}: ${what}${e.code ? ` (${e.code})` : ''}; check SMTP_URL${e.code === 'ETIMEDOUT' ? ' or raise BREAKEVEN_SMTP_TIMEOUT_MS' : ''}`);
      }
    },
  };
}
