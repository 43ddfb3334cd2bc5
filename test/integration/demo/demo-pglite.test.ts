import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { envSchema } from '../../../src/config/env.ts';
import { createContext } from '../../../src/context.ts';
import { fixedClock } from '../../../src/clock.ts';
import { silentLogger } from '../../../src/log.ts';
import { startAllSimulators, type RunningSimulators } from '../../../src/simulators/start-all.ts';
import { runDemo } from '../../../src/demo/run.ts';
import { exampleConfig } from '../../helpers/db.ts';

// The demo path end to end on the embedded database: simulators → real connectors → compute → report.
const dir = mkdtempSync(join(tmpdir(), 'bk-demo-'));
const clock = fixedClock('2026-11-24T09:30:00Z');
let sims: RunningSimulators;

beforeAll(async () => {
  sims = await startAllSimulators({ clock });
});
afterAll(async () => {
  await sims?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function demoOnce(outDir: string) {
  const env = envSchema.parse({ ...sims.env, BREAKEVEN_DATA_DIR: join(dir, 'pgdata'), LOG_LEVEL: 'silent' });
  const ctx = await createContext({ env, config: exampleConfig(), clock, log: silentLogger });
  try {
    expect(ctx.dbKind).toBe('pglite');
    const result = await runDemo(ctx, { months: 2, outDir });
    const rows = await ctx.db.selectFrom('feature_monthly_results').selectAll().where('month', '=', '2026-10-01').orderBy('feature').execute();
    const reconciliation = await ctx.db.selectFrom('reconciliation_monthly').selectAll().where('month', '=', '2026-10-01').orderBy('provider').execute();
    return { result, rows, reconciliation };
  } finally {
    await ctx.close();
  }
}

describe('demo on PGlite', () => {
  it('reports every demo feature from every source kind, and a second run gives identical numbers', { timeout: 480_000 }, async () => {
    const first = await demoOnce(join(dir, 'out1'));
    expect(first.result.month).toBe('2026-10');
    expect(first.result.sources).toEqual(['openai', 'anthropic', 'aws', 'prometheus', 'opencost']);
    const byName = new Map(first.rows.map((r) => [r.feature, r]));
    for (const f of ['support-chat', 'support-chat.guardrail', 'internal-copilot', 'doc-summarizer', 'code-review', 'search-rerank', 'unattributed']) {
      const r = byName.get(f);
      expect(r, f).toBeDefined();
      expect(Number(r!.actual_cost), f).toBeGreaterThan(0);
    }
    for (const f of ['support-chat', 'internal-copilot', 'doc-summarizer', 'code-review', 'search-rerank']) {
      const r = byName.get(f)!;
      expect(Number(r.input_tokens) + Number(r.output_tokens), f).toBeGreaterThan(0);
      expect(r.blended_rate_per_1m, f).not.toBeNull();
      expect(r.counterfactual_cost, f).not.toBeNull();
      expect(r.recommendation_reason, f).toBeTruthy();
    }
    expect(byName.get('internal-copilot')!.architecture).toBe('self_hosted');
    expect(Number(byName.get('search-rerank')!.idle_cost)).toBeGreaterThan(0);
    // Invoices reconcile to the cent: feature totals = provider invoices + GPU bills.
    const features = first.rows.reduce((a, r) => a + Math.round(Number(r.actual_cost) * 100), 0);
    const invoices = first.reconciliation.reduce((a, r) => a + Math.round(Number(r.invoice_cost) * 100), 0);
    expect(Math.abs(features - invoices)).toBeLessThanOrEqual(first.reconciliation.length);
    for (const ext of ['html', 'txt', 'csv', 'eml']) expect(existsSync(join(dir, 'out1', `report-2026-10.${ext}`)), ext).toBe(true);

    const second = await demoOnce(join(dir, 'out2'));
    const strip = (rows: typeof first.rows) => rows.map(({ computed_at: _c, ...rest }) => rest);
    expect(strip(second.rows)).toEqual(strip(first.rows));
    expect(readFileSync(join(dir, 'out2', 'report-2026-10.csv'), 'utf8')).toBe(readFileSync(join(dir, 'out1', 'report-2026-10.csv'), 'utf8'));
  });
});
