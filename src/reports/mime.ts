import MailComposer, { type MailComposerOptions } from 'nodemailer/lib/mail-composer';
import type { RenderedReport } from './render.ts';

export interface MessageOptions {
  from: string;
  to?: string | string[] | undefined;
  /** The Date header; taken from ctx.clock by callers. */
  date: Date;
  /** Fixed Message-ID and MIME boundary make the .eml file reproducible; omit both for real sends. */
  messageId?: string | undefined;
  baseBoundary?: string | undefined;
}

/**
 * The report as one MIME message: text and HTML alternatives, each chart as an inline PNG in a
 * multipart/related part (referenced from the HTML by cid), and the per-feature CSV attached.
 */
export function reportMessage(report: RenderedReport, opts: MessageOptions): MailComposerOptions {
  return {
    from: opts.from,
    ...(opts.to !== undefined ? { to: opts.to } : {}),
    subject: report.subject,
    date: opts.date,
    ...(opts.messageId ? { messageId: opts.messageId } : {}),
    ...(opts.baseBoundary ? { baseBoundary: opts.baseBoundary } : {}),
    text: report.text,
    html: report.emailHtml,
    attachments: [
      ...report.attachments.map((a) => ({
        filename: a.filename,
        content: a.content,
        contentType: a.contentType,
        ...(a.cid ? { cid: a.cid, contentDisposition: 'inline' } : {}),
      })),
      { filename: `report-${report.month}.csv`, content: report.csv, contentType: 'text/csv; charset=utf-8' },
    ],
    headers: { 'X-Breakeven-Report': `${report.month}; digest=${report.inputsDigest}` },
    xMailer: false,
  };
}

export function composeMessage(options: MailComposerOptions): Promise<Buffer> {
  return new MailComposer(options).compile().build();
}
