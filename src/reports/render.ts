import type { Ctx } from '../context.ts';
import { monthStart } from '../time.ts';
import { svgToPng } from './charts/png.ts';
import { canonicalJson, sha256 } from './digest.ts';
import { featureCsv } from './feature-csv.ts';
import type { ReportInputs } from './inputs.ts';
import { loadReportInputs } from './load-inputs.ts';
import { reportTemplates, type ReportTemplates } from './templates.ts';
import { buildReportView } from './view-model.ts';
import type { ReportView } from './view-types.ts';

/** Bumped when rendering code changes what identical inputs produce. */
export const RENDER_VERSION = 'breakeven-report/1';

export interface ReportAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
  /** Content-ID the email HTML references as `cid:…` (inline images only). */
  cid?: string;
}

export interface RenderedReport {
  month: string;
  subject: string;
  /** The standalone file: charts as inline SVG. */
  html: string;
  /** The email body: charts as `<img src="cid:…">`, shipped in `attachments`. */
  emailHtml: string;
  text: string;
  csv: string;
  /** PNG charts rendered from the same SVG, one per cid referenced by `emailHtml`. */
  attachments: ReportAttachment[];
  inputsDigest: string;
  view: ReportView;
}

export interface RenderOptions {
  templates?: ReportTemplates;
  /** Skip rasterising charts (the file-only path does not need PNGs). */
  png?: boolean;
}

export function inputsDigestOf(inputs: ReportInputs, templates: ReportTemplates): string {
  return sha256(canonicalJson({ version: RENDER_VERSION, templates: templates.hash, inputs }));
}

/** Pure rendering: identical inputs (and templates) give identical bytes. */
export function renderReport(inputs: ReportInputs, opts: RenderOptions = {}): RenderedReport {
  const templates = opts.templates ?? reportTemplates();
  const inputsDigest = inputsDigestOf(inputs, templates);
  const view = buildReportView(inputs, inputsDigest);
  const html = templates.html({ ...view, inlineSvg: true });
  const emailHtml = templates.html({ ...view, inlineSvg: false });
  const text = templates.text(view);
  const csv = featureCsv(inputs, view.features.map((f) => f.feature));
  const attachments: ReportAttachment[] =
    opts.png === false
      ? []
      : view.charts.map((c) => ({ filename: `${c.id}.png`, contentType: 'image/png', cid: c.cid, content: svgToPng(c.svg, c.width * 2) }));
  return { month: inputs.month, subject: view.subject, html, emailHtml, text, csv, attachments, inputsDigest, view };
}

/** Loads the month's inputs from the database and renders them. */
export async function renderMonthlyReport(ctx: Ctx, month: Date, opts: RenderOptions = {}): Promise<RenderedReport> {
  const inputs = await loadReportInputs(ctx, monthStart(month));
  const report = renderReport(inputs, opts);
  ctx.log.debug({ month: report.month, inputsDigest: report.inputsDigest, charts: report.attachments.length }, 'report rendered');
  return report;
}
