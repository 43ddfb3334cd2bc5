import type { Db } from '../db/connect.ts';
import type { RenderedReport } from './render.ts';

/**
 * Archives a rendered report once per (month, inputs digest): re-rendering unchanged inputs finds
 * the existing row instead of adding one. Returns the row id.
 */
export async function archiveReport(db: Db, report: RenderedReport, createdAt: Date): Promise<string> {
  const month = `${report.month}-01`;
  const inserted = await db
    .insertInto('reports')
    .values({ month, inputs_digest: report.inputsDigest, subject: report.subject, html: report.html, text: report.text, csv: report.csv, created_at: createdAt })
    .onConflict((oc) => oc.columns(['month', 'inputs_digest']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted) return String(inserted.id);
  const existing = await db
    .selectFrom('reports')
    .select('id')
    .where('month', '=', month)
    .where('inputs_digest', '=', report.inputsDigest)
    .executeTakeFirstOrThrow();
  return String(existing.id);
}
