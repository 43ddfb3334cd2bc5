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
    // Four months: the 3-month rule needs three complete months before the reported one can recommend.
    const result = await runDemo(ctx, { months: 4, outDir });
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
    for (const f of ['support-chat', 'support-chat.guardrail', 'internal-copilot', 'doc-summarizer', 'code-review', 'search-rerank', 'search-answers', 'meeting-notes', 'unattributed']) {
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

    // The model, run on the simulated data, earns every kind of verdict (issue 11), each with its binding factor.
    const recs = first.rows.filter((r) => r.feature !== 'unattributed');
    const decided = recs.filter((r) => r.recommendation !== null);
    expect(new Set(decided.map((r) => r.recommendation))).toEqual(new Set(['api', 'self_hosted', 'hybrid']));
    for (const r of decided) expect(r.binding_factor, r.feature).toMatch(/^(utilization|volume|price|capacity|latency|requirement)$/);
    expect(byName.get('search-rerank')!.recommendation).toBe('self_hosted');
    const hybrid = decided.find((r) => r.recommendation === 'hybrid')!;
    expect(hybrid.hybrid_replicas).toBeGreaterThan(0);
    expect(Number(hybrid.recommended_saving)).toBeGreaterThan(0);
    // A constraint is honoured and priced: search-answers would be cheaper on the API, but data residency rules it out.
    const answers = byName.get('search-answers')!;
    expect([answers.recommendation, answers.binding_factor, Number(answers.recommended_saving)]).toEqual(['self_hosted', 'requirement', 0]);
    expect(answers.recommendation_reason).toMatch(/^Self-hosting is required by data residency; it costs \$[\d,]+\.\d\d\/month more than the API would/);
    const notes = byName.get('meeting-notes')!;
    expect([notes.recommendation, notes.data_months, notes.recommendation_reason]).toEqual([null, 2, 'insufficient data: 2 of 3 months']);
    // Invoices are not usage × list price: the negotiated Anthropic discount and OpenAI's credit and cents show as gaps.
    const gap = (p: string) => Number(first.reconciliation.find((r) => r.provider === p)!.gap);
    expect(gap('anthropic')).toBeLessThan(-100);
    expect(gap('openai')).toBeLessThan(-100);
    // One node serves two features; the low-utilization deployment pays a utilization tax near its idle share.
    const rerank = first.deployments.find((d) => d.deployment === 'rerank-70b')!;
    expect(rerank.features).toEqual(['search-answers', 'search-rerank']);
    const copilot = first.deployments.find((d) => d.deployment === 'copilot-vllm')!;
    expect(copilot.gpu_utilization!).toBeLessThan(0.2);
    // §10: tax = Σ cost_h × (1 − tokens_h ÷ capacity_h), capacity at the SLO (§11) — so at least 1 − token utilization.
    const taxShare = Number(copilot.utilization_tax) / Number(copilot.gpu_cost);
    expect(taxShare).toBeGreaterThan(0.5);
    expect(taxShare).toBeGreaterThanOrEqual(1 - copilot.token_utilization! - 0.005);
    // The report's headline saving is the sum of the features' recommended_saving.
    const saving = first.rows.reduce((a, r) => a + Math.round(Number(r.recommended_saving ?? 0) * 100), 0);
    const text = readFileSync(join(dir, 'out1', 'report-2026-10.txt'), 'utf8');
    const headline = /would save about \$([\d,.]+) per month/.exec(text);
    expect(Math.round(Number(headline![1]!.replace(/,/g, '')) * 100)).toBe(saving);
    // Invoices reconcile to the cent: feature totals = provider invoices + GPU bills.
    const features = first.rows.reduce((a, r) => a + Math.round(Number(r.actual_cost) * 100), 0);
    const invoices = first.reconciliation.reduce((a, r) => a + Math.round(Number(r.invoice_cost) * 100), 0);
    expect(Math.abs(features - invoices)).toBeLessThanOrEqual(first.reconciliation.length);
    for (const ext of ['html', 'txt', 'csv', 'eml']) expect(existsSync(join(dir, 'out1', `report-2026-10.${ext}`)), ext).toBe(true);
    // COST-MODEL §11: the simulated copilot-vllm crosses its latency knee, so its capacity at the SLO is measured,
    // the API feature whose profile it runs is sized on it, and the deployment gets a right-sizing line.
    expect(copilot.capacity_source).toBe('measured');
    expect(copilot.capacity_tps_per_replica!).toBeLessThan(copilot.profile_tps_per_replica!);
    expect(copilot.slo_violating_tps_per_replica!).toBeGreaterThan(copilot.slo_compliant_tps_per_replica!);
    expect(copilot.ttft_p95_seconds).not.toBeNull();
    expect(copilot.e2e_p95_seconds).not.toBeNull();
    expect(copilot.recommended_replicas).not.toBeNull();
    const guardrail = (byName.get('support-chat.guardrail')!.assumptions as { capacity_at_slo?: { source: string } }).capacity_at_slo;
    expect(guardrail?.source).toBe('measured');
    expect(text).toContain('measured at your SLO:');
    expect(text).toMatch(/2 × L40S run at \d+%: .* replicas? meets? the SLO/);

    const second = await demoOnce(join(dir, 'out2'));
    const strip = (rows: typeof first.rows) => rows.map(({ computed_at: _c, ...rest }) => rest);
    expect(strip(second.rows)).toEqual(strip(first.rows));
    expect(readFileSync(join(dir, 'out2', 'report-2026-10.csv'), 'utf8')).toBe(readFileSync(join(dir, 'out1', 'report-2026-10.csv'), 'utf8'));
  });
});
