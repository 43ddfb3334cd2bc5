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
    const deployments = await ctx.db.selectFrom('deployment_monthly').selectAll().where('month', '=', '2026-10-01').orderBy('deployment').execute();
    return { result, rows, reconciliation, deployments };
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
    // COST-MODEL §11: the simulated copilot-vllm crosses its latency knee, so its capacity at the SLO is measured,
    // the API feature whose profile it runs is sized on it, and the deployment gets a right-sizing line.
    const copilot = first.deployments.find((d) => d.deployment === 'copilot-vllm')!;
    expect(copilot.capacity_source).toBe('measured');
    expect(copilot.capacity_tps_per_replica!).toBeLessThan(copilot.profile_tps_per_replica!);
    expect(copilot.slo_violating_tps_per_replica!).toBeGreaterThan(copilot.slo_compliant_tps_per_replica!);
    expect(copilot.ttft_p95_seconds).not.toBeNull();
    expect(copilot.e2e_p95_seconds).not.toBeNull();
    expect(copilot.recommended_replicas).not.toBeNull();
    const guardrail = (byName.get('support-chat.guardrail')!.assumptions as { capacity_at_slo?: { source: string } }).capacity_at_slo;
    expect(guardrail?.source).toBe('measured');
    const text = readFileSync(join(dir, 'out1', 'report-2026-10.txt'), 'utf8');
    expect(text).toContain('measured at your SLO:');
    expect(text).toMatch(/2 × L40S run at \d+%: .* replicas? meets? the SLO/);

    const second = await demoOnce(join(dir, 'out2'));
    const strip = (rows: typeof first.rows) => rows.map(({ computed_at: _c, ...rest }) => rest);
    expect(strip(second.rows)).toEqual(strip(first.rows));
    expect(readFileSync(join(dir, 'out2', 'report-2026-10.csv'), 'utf8')).toBe(readFileSync(join(dir, 'out1', 'report-2026-10.csv'), 'utf8'));
  });
});
