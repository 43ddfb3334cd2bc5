import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Ctx } from '../context.ts';
import { SOURCE_NAMES, type SourceName } from '../ingest/sources.ts';
import { CONNECTORS } from '../ingest/registry.ts';
import { planRange, type PlannedStep } from '../pipeline/planner.ts';
import { runInline } from '../pipeline/inline.ts';
import { addMonths, lastFullMonth, monthKey, monthRange } from '../time.ts';
import { writeMonthlyReport } from '../reports/write.ts';
import { loadFeatureRows } from '../reports/load-inputs.ts';
import type { FeatureRow } from '../reports/inputs.ts';

export interface DemoResult {
  month: string;
  months: string[];
  sources: SourceName[];
  outDir: string;
  report: Awaited<ReturnType<typeof writeMonthlyReport>>;
  features: FeatureRow[];
}

/**
 * The demo's work, once the simulators are up and ctx points at them: ingest N months ending with
 * the last full month through the real connectors, compute every month (the 3-month rule looks
 * back), render the last one.
 */
export async function runDemo(
  ctx: Ctx,
  opts: { months: number; outDir: string; onProgress?: (done: number, total: number, step: PlannedStep) => void },
): Promise<DemoResult> {
  const last = lastFullMonth(ctx.clock.now());
  const first = addMonths(last, -(opts.months - 1));
  const sources = SOURCE_NAMES.filter((s) => CONNECTORS[s].configured(ctx).ok && ctx.config.sources[s].enabled);
  // Every month is ingested; only the last two are computed: a month's data-months count reads the
  // facts, not earlier results, and the report compares the month with the one before it.
  const keepFrom = monthKey(addMonths(last, -1));
  const plan = planRange({ from: first, to: last, sources, until: addMonths(last, 1) }).filter(
    (s) => s.step !== 'compute' || (s.payload as { month: string }).month >= keepFrom,
  );
  await runInline(ctx, plan, opts.onProgress);
  const outDir = resolve(opts.outDir);
  await mkdir(outDir, { recursive: true });
  const report = await writeMonthlyReport(ctx, last, outDir);
  const rows = await loadFeatureRows(ctx.db, `${monthKey(last)}-01`);
  return {
    month: monthKey(last),
    months: monthRange(first, last).map(monthKey),
    sources,
    outDir,
    report,
    features: rows,
  };
}
