import type { Ctx } from '../context.ts';
import { BreakevenError, ConfigError, errorMessage } from '../errors.ts';
import { reportRecipients, reportSender } from '../reports/addresses.ts';
import { archiveReport } from '../reports/archive.ts';
import { reportMessage } from '../reports/mime.ts';
import { renderMonthlyReport } from '../reports/render.ts';
import { monthKey, monthStart } from '../time.ts';
import { createHash } from 'node:crypto';
import { claimDelivery, markFailed, markSent, markUnknown } from './claims.ts';
import { SmtpOutcomeUnknownError, smtpMailer, type Mailer } from './transport.ts';

/**
 * The same Message-ID for every send of one report to one recipient: should a send whose outcome
 * was unknown be forced again, receivers that de-duplicate on Message-ID drop the second copy.
 */
export function stableMessageId(month: string, reportId: string, recipient: string, from: string): string {
  const h = createHash('sha256').update(`${month}\u0000${reportId}\u0000${recipient.toLowerCase()}`).digest('hex').slice(0, 24);
  const domain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from)?.[1] ?? 'breakeven.invalid';
  return `<breakeven.${month}.${h}@${domain}>`;
}

export type DeliveryOutcome =
  | { recipient: string; status: 'sent'; messageId: string; attempt: number }
  | { recipient: string; status: 'skipped'; reason: string; messageId: string | null }
  | { recipient: string; status: 'failed'; error: string; attempt: number }
  | { recipient: string; status: 'unknown'; error: string; messageId: string; attempt: number };

export interface DeliveryResult {
  month: string;
  reportId: string;
  inputsDigest: string;
  outcomes: DeliveryOutcome[];
}

export interface DeliverOptions {
  to?: string[] | undefined;
  force: boolean;
  /** Injected mailer (tests of failure paths); default: SMTP from SMTP_URL. */
  mailer?: Mailer;
}

/** Some recipients could not be sent to; the others were. Retrying sends only to the failed ones. */
export class DeliveryFailedError extends BreakevenError {
  override readonly retryable = true;
  constructor(readonly result: DeliveryResult) {
    const failed = result.outcomes.filter((o) => o.status === 'failed');
    const unknown = result.outcomes.filter((o) => o.status === 'unknown');
    const parts: string[] = [];
    if (failed.length) {
      parts.push(
        `sending failed for ${failed.map((f) => f.recipient).join(', ')} (${failed.map((f) => (f.status === 'failed' ? f.error : '')).join('; ')}); ` +
          'run the same command again to retry them (already-sent recipients are skipped)',
      );
    }
    if (unknown.length) {
      parts.push(
        `outcome unknown for ${unknown.map((u) => `${u.recipient} (Message-ID ${u.status === 'unknown' ? u.messageId : ''})`).join(', ')}: the SMTP server took the message but never confirmed it; ` +
          'check whether it arrived — a retry will not resend it unless --force (breakeven status lists these)',
      );
    }
    super(`report ${result.month}: ${parts.join('; ')}`);
  }
}

/**
 * Emails the month's report, at most once per (month, recipient) unless `force`. Each recipient's
 * delivery row is claimed atomically before anything is sent (see claimDelivery), marked 'sent'
 * with the SMTP message id afterwards, or 'failed' (retryable by the next run). Recipients get one
 * message each so one bad address cannot block or expose the others.
 */
export async function deliverMonthlyReport(ctx: Ctx, month: Date, opts: DeliverOptions): Promise<DeliveryResult> {
  const key = monthKey(monthStart(month));
  const recipients = reportRecipients(ctx, opts.to);
  if (recipients.length === 0) {
    throw new ConfigError('no report recipients: pass --to, set REPORT_TO, or list report.recipients in the config');
  }
  const from = reportSender(ctx);
  if (!from) throw new ConfigError('no sender address: set REPORT_FROM or report.from in the config');
  const mailer = opts.mailer ?? smtpMailer(ctx);
  try {
    const report = await renderMonthlyReport(ctx, monthStart(month));
    const reportId = await archiveReport(ctx.db, report, ctx.clock.now());
    const outcomes: DeliveryOutcome[] = [];
    for (const recipient of recipients) {
      const claimed = await claimDelivery(ctx.db, { month: `${key}-01`, recipient, reportId, force: opts.force, now: ctx.clock.now() });
      if ('refused' in claimed) {
        const r = claimed.refused;
        const reason =
          r.status === 'sent'
            ? `already sent${r.sentAt ? ` on ${new Date(r.sentAt).toISOString().slice(0, 10)}` : ''}; use --force to send again`
            : r.status === 'unknown'
              ? `the last send's outcome is unknown (Message-ID ${r.messageId ?? '?'}: the server took it but never confirmed); check whether it arrived, then use --force to send again`
              : 'another run is sending it right now (or was interrupted mid-send); use --force to send again';
        outcomes.push({ recipient, status: 'skipped', reason, messageId: r.messageId });
        ctx.log.info({ month: key, recipient, status: r.status }, 'report delivery skipped');
        continue;
      }
      const messageId = stableMessageId(key, reportId, recipient, from);
      try {
        const info = await mailer.send({ ...reportMessage(report, { from, to: recipient, date: ctx.clock.now() }), messageId });
        if (info.rejected.length > 0 && info.accepted.length === 0) throw new Error(`recipient rejected by the SMTP server`);
        await markSent(ctx.db, claimed.claim.id, info.messageId, ctx.clock.now());
        outcomes.push({ recipient, status: 'sent', messageId: info.messageId, attempt: claimed.claim.attempts });
        ctx.log.info({ month: key, recipient, messageId: info.messageId, attempt: claimed.claim.attempts }, 'report sent');
      } catch (err) {
        const error = errorMessage(err);
        if (err instanceof SmtpOutcomeUnknownError) {
          await markUnknown(ctx.db, claimed.claim.id, messageId, error, ctx.clock.now());
          outcomes.push({ recipient, status: 'unknown', error, messageId, attempt: claimed.claim.attempts });
          ctx.log.warn({ month: key, recipient, messageId, err: error }, 'report delivery outcome unknown; not resent without --force');
          continue;
        }
        await markFailed(ctx.db, claimed.claim.id, error, ctx.clock.now());
        outcomes.push({ recipient, status: 'failed', error, attempt: claimed.claim.attempts });
        ctx.log.warn({ month: key, recipient, err: error, attempt: claimed.claim.attempts }, 'report delivery failed');
      }
    }
    const result = { month: key, reportId, inputsDigest: report.inputsDigest, outcomes };
    if (outcomes.some((o) => o.status === 'failed' || o.status === 'unknown')) throw new DeliveryFailedError(result);
    return result;
  } finally {
    mailer.close();
  }
}
