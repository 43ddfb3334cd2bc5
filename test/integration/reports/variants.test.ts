import { afterEach, describe, expect, it } from 'vitest';
import { renderMonthlyReport } from '../../../src/reports/render.ts';
import { parseMonth } from '../../../src/time.ts';
import { reportFixture, type FixtureOptions } from '../../factories/report-fixture.ts';
import { seedReportFixture } from '../../factories/seed-report.ts';
import { createTestContext, type TestCtx } from '../../helpers/db.ts';

let ctx: TestCtx | undefined;
afterEach(async () => {
  await ctx?.destroy();
  ctx = undefined;
});

async function render(opts: FixtureOptions) {
  ctx = await createTestContext();
  await seedReportFixture(ctx.db, reportFixture(opts));
  return renderMonthlyReport(ctx, parseMonth('2026-10'));
}

describe('report variants', () => {
  it('insufficient data: figures shown, recommendations withheld with "n of 3 months"', async () => {
    const r = await render({ dataMonths: 1 });
    expect(r.text).toContain('insufficient data: 1 of 3 months');
    expect(r.html).toContain('insufficient data: 1 of 3 months');
    expect(r.text).not.toMatch(/Move to API|Stay on API|Hybrid:/);
    expect(r.text).not.toContain('would save');
    // The numbers are still there.
    expect(r.text).toContain('$52,518.27');
    expect(r.text).toContain('2.33B tokens/month');
    expect(r.csv).toMatch(/,insufficient data: 1 of 3 months,/);
  });

  it('first month (no previous data): no moves, says so', async () => {
    const r = await render({ withPrevious: false });
    expect(r.view.moves).toEqual([]);
    expect(r.text).toContain('No figures for September 2026 to compare with');
    expect(r.text).not.toContain('No recommendation changed since');
    expect(r.view.kpis[0]!.note).toBe('no data for Sep');
  });

  it('no self-hosted features: API-only report without deployment charts', async () => {
    const r = await render({ selfHosted: false });
    expect(r.view.hasDeployments).toBe(false);
    expect(r.text).toContain('No self-hosted deployments reported for October 2026: every feature ran on APIs.');
    expect(r.html).toContain('No self-hosted deployments reported for October 2026');
    expect(r.attachments.some((a) => a.filename.startsWith('load-'))).toBe(false);
    expect(r.attachments.some((a) => a.filename === 'daily-spend.png')).toBe(true);
    expect(r.view.kpis.find((k) => k.label === 'Self-hosted')!.value).toBe('$0.00');
    expect(r.subject).toContain('$14,616.57'); // API 14,434.22 + unattributed 182.35
  });
});
