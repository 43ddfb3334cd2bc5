import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Ctx } from '../context.ts';
import { monthKey, monthStart } from '../time.ts';
import { reportRecipients, reportSender } from './addresses.ts';
import { archiveReport } from './archive.ts';
import { composeMessage, reportMessage } from './mime.ts';
import { renderMonthlyReport } from './render.ts';

export interface FeatureSummaryLine {
  feature: string;
  /** 1 for a dotted child shown under its parent. */
  level: number;
  architecture: string;
  spend: string;
  ratePer1M: string;
  breakEven: string;
  recommendation: string;
}

export interface WrittenReport {
  month: string;
  reportId: string;
  inputsDigest: string;
  subject: string;
  files: { html: string; text: string; csv: string; eml: string };
  features: FeatureSummaryLine[];
}

/**
 * Renders the month, archives it in `reports` (once per inputs digest) and writes
 * report-YYYY-MM.{html,txt,csv,eml} into outDir. Files are written to a temporary name and renamed,
 * so a reader never sees half a report.
 */
export async function writeMonthlyReport(ctx: Ctx, month: Date, outDir = './out'): Promise<WrittenReport> {
  const report = await renderMonthlyReport(ctx, monthStart(month));
  const reportId = await archiveReport(ctx.db, report, ctx.clock.now());
  const dir = resolve(outDir);
  await mkdir(dir, { recursive: true });
  const base = join(dir, `report-${monthKey(monthStart(month))}`);
  const eml = await composeMessage(
    reportMessage(report, {
      from: reportSender(ctx) ?? 'breakeven@localhost',
      to: reportRecipients(ctx),
      date: ctx.clock.now(),
      // Derived from the digest so the same inputs give the same file.
      messageId: `<report-${report.month}-${report.inputsDigest.slice(0, 16)}@breakeven>`,
      baseBoundary: report.inputsDigest.slice(0, 16),
    }),
  );
  const files = { html: `${base}.html`, text: `${base}.txt`, csv: `${base}.csv`, eml: `${base}.eml` };
  await Promise.all([
    atomicWrite(files.html, report.html),
    atomicWrite(files.text, report.text),
    atomicWrite(files.csv, report.csv),
    atomicWrite(files.eml, eml),
  ]);
  ctx.log.debug({ month: report.month, reportId, inputsDigest: report.inputsDigest, dir }, 'report written');
  return {
    month: report.month,
    reportId,
    inputsDigest: report.inputsDigest,
    subject: report.subject,
    files,
    features: report.view.features.map((f) => ({
      feature: f.feature,
      level: f.level,
      architecture: f.architecture,
      spend: f.spend,
      ratePer1M: f.rate,
      breakEven: f.breakEven,
      recommendation: f.recommendation,
    })),
  };
}

async function atomicWrite(path: string, content: string | Buffer): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, content);
  await rename(tmp, path);
}
