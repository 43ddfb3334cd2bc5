import type { Ctx } from '../context.ts';

/** Sender: REPORT_FROM, else config report.from. */
export function reportSender(ctx: Ctx): string | undefined {
  return ctx.env.REPORT_FROM ?? ctx.config.report.from;
}

/** Recipients: the explicit list (--to), else REPORT_TO (comma-separated), else config report.recipients. */
export function reportRecipients(ctx: Ctx, to?: readonly string[]): string[] {
  const split = (s: string) => s.split(/[,;\s]+/).map((x) => x.trim()).filter(Boolean);
  const list = to && to.length ? to.flatMap(split) : ctx.env.REPORT_TO ? split(ctx.env.REPORT_TO) : ctx.config.report.recipients;
  return [...new Set(list.map((r) => r.toLowerCase()))];
}
