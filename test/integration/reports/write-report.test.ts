import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadReportInputs } from '../../../src/reports/load-inputs.ts';
import { writeMonthlyReport } from '../../../src/reports/write.ts';
import { parseMonth } from '../../../src/time.ts';
import { reportFixture } from '../../factories/report-fixture.ts';
import { seedReportFixture } from '../../factories/seed-report.ts';
import { createTestContext, type TestCtx } from '../../helpers/db.ts';

let ctx: TestCtx;
const fixture = reportFixture();

beforeAll(async () => {
  ctx = await createTestContext();
  await seedReportFixture(ctx.db, fixture);
});
afterAll(async () => ctx?.destroy());

function parseCsv(csv: string): Array<Record<string, string>> {
  // The fixture's cells contain no quotes or commas except the reason column; a light parser suffices here.
  const lines = csv.trimEnd().split('\r\n');
  const split = (l: string) => [...l.matchAll(/("([^"]|"")*"|[^,]*)(,|$)/g)].map((m) => m[1]!.replace(/^"|"$/g, '').replace(/""/g, '"')).slice(0, -1);
  const header = split(lines[0]!);
  return lines.slice(1).map((l) => Object.fromEntries(split(l).map((v, i) => [header[i]!, v])));
}

describe('writeMonthlyReport on a real database', () => {
  it('loads exactly what was computed', async () => {
    const inputs = await loadReportInputs(ctx, parseMonth('2026-10'));
    expect(inputs.features).toEqual(fixture.features);
    expect(inputs.previousFeatures).toEqual(fixture.previousFeatures);
    expect(inputs.deployments).toEqual(fixture.deployments);
    expect(inputs.reconciliation).toEqual(fixture.reconciliation);
    const byDepHour = (a: { deployment: string; hour: string }, b: { deployment: string; hour: string }) => (a.deployment + a.hour < b.deployment + b.hour ? -1 : 1);
    expect(inputs.hourlyLoad).toEqual([...fixture.hourlyLoad].sort(byDepHour));
    const key = (d: { day: string; category: string }) => `${d.day}|${d.category}`;
    expect([...inputs.dailySpend].sort((a, b) => (key(a) < key(b) ? -1 : 1))).toEqual([...fixture.dailySpend].sort((a, b) => (key(a) < key(b) ? -1 : 1)));
    expect(inputs.estimatedDays).toEqual(fixture.estimatedDays);
    expect(inputs.coverage.find((c) => c.dataset === 'prometheus serving')!.days).toHaveLength(31);
    expect(inputs.elapsedDays).toBe(31); // clock is 2026-11-24
  });

  it('writes html, txt, csv and eml, archives once, and matches feature_monthly', async () => {
    const out = await mkdtemp(join(tmpdir(), 'bk-report-'));
    const w = await writeMonthlyReport(ctx, parseMonth('2026-10'), out);
    expect(w.files).toEqual({
      html: join(out, 'report-2026-10.html'),
      text: join(out, 'report-2026-10.txt'),
      csv: join(out, 'report-2026-10.csv'),
      eml: join(out, 'report-2026-10.eml'),
    });
    const [html, text, csv, eml] = await Promise.all([readFile(w.files.html, 'utf8'), readFile(w.files.text, 'utf8'), readFile(w.files.csv, 'utf8'), readFile(w.files.eml)]);
    expect(html).toContain('<svg');
    expect(text).toContain('$71,319.34');

    const { rows: view } = await sql<{ feature: string; actual_cost: string; break_even_tokens_per_month: string | null; data_months: number }>`
      select feature, actual_cost, break_even_tokens_per_month, data_months from feature_monthly where month = '2026-10-01'`.execute(ctx.db);
    const rows = parseCsv(csv);
    expect(rows).toHaveLength(view.length);
    for (const v of view) {
      const r = rows.find((x) => x.feature === v.feature)!;
      expect(r.actual_cost).toBe(v.actual_cost);
      expect(r.data_months).toBe(String(v.data_months));
      if (v.break_even_tokens_per_month) expect(r.break_even_tokens_per_month).toBe(v.break_even_tokens_per_month);
      expect(html).toMatch(new RegExp(`(<strong>|↳ )${v.feature.replace(/[.]/g, "\\.")}<`));
    }
    expect(rows.find((r) => r.feature === 'support-chat.guardrail')!.parent).toBe('support-chat');

    const mail = await simpleParser(eml);
    expect(mail.subject).toBe(w.subject);
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.text : '').toBe('finops@example.com');
    expect(mail.attachments.filter((a) => a.contentType === 'image/png')).toHaveLength(9);
    expect(mail.attachments.find((a) => a.filename === 'report-2026-10.csv')!.content.toString('utf8')).toBe(csv);

    const archived = await ctx.db.selectFrom('reports').selectAll().execute();
    expect(archived).toHaveLength(1);
    expect(archived[0]).toMatchObject({ id: w.reportId, month: '2026-10-01', inputs_digest: w.inputsDigest, html, text, csv, subject: w.subject });

    // Same inputs: same bytes, same archive row, same .eml.
    const again = await writeMonthlyReport(ctx, parseMonth('2026-10'), out);
    expect(again.reportId).toBe(w.reportId);
    expect(await readFile(again.files.html, 'utf8')).toBe(html);
    expect((await readFile(again.files.eml)).equals(eml)).toBe(true);
    expect(await ctx.db.selectFrom('reports').select('id').execute()).toHaveLength(1);

    expect(w.features.map((f) => f.feature)).toEqual(['search-rerank', 'code-review', 'support-chat', 'support-chat.guardrail', 'internal-copilot', 'doc-summarizer', 'unattributed']);
    expect(w.features.find((f) => f.feature === 'internal-copilot')!.recommendation).toBe('insufficient data: 2 of 3 months');
  });

  it('a changed input is a new archived report', async () => {
    await ctx.db.updateTable('feature_monthly_results').set({ actual_cost: '6840.26' }).where('feature', '=', 'code-review').where('month', '=', '2026-10-01').execute();
    const out = await mkdtemp(join(tmpdir(), 'bk-report-'));
    const w = await writeMonthlyReport(ctx, parseMonth('2026-10'), out);
    const all = await ctx.db.selectFrom('reports').select(['id', 'inputs_digest']).execute();
    expect(all).toHaveLength(2);
    expect(all.map((a) => a.id)).toContain(w.reportId);
    await ctx.db.updateTable('feature_monthly_results').set({ actual_cost: '6840.25' }).where('feature', '=', 'code-review').where('month', '=', '2026-10-01').execute();
  });

  it('refuses a month with no computed results, naming the fix', async () => {
    await expect(writeMonthlyReport(ctx, parseMonth('2026-06'), await mkdtemp(join(tmpdir(), 'bk-report-')))).rejects.toThrow(
      'no computed results for 2026-06: run `breakeven compute --month 2026-06` first',
    );
  });
});
