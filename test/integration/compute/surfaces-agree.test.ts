import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sql } from 'kysely';
import { Decimal } from 'decimal.js';
import { configSchema } from '../../../src/config/schema.ts';
import { computeMonth } from '../../../src/compute/month.ts';
import { writeFacts } from '../../../src/ingest/upsert.ts';
import type { CostLineItemInsert, ServingMetricInsert, UsageFactInsert } from '../../../src/db/types.ts';
import { createTestContext, type TestCtx } from '../../helpers/db.ts';

// Random months with several features, a deployment shared by two features, untyped credits,
// lines in EUR, and the same AWS day billed by Cost Explorer and a FOCUS export: every surface must
// agree to the cent and every invoice line's parts must sum to it exactly.
const MONTH = new Date('2026-09-01T00:00:00Z');
const config = configSchema.parse({
  currency: 'USD',
  fx: { rates: [{ date: '2026-08-31', from: 'EUR', to: 'USD', rate: '1.1' }] },
  features: [
    { name: 'chat', architecture: 'api', rules: [{ source: 'anthropic', api_key_id: 'K1' }], counterfactual: { profile: 'p' } },
    { name: 'bot', architecture: 'api', rules: [{ source: 'anthropic', api_key_id: 'K2' }], counterfactual: { profile: 'p' } },
    { name: 'search', architecture: 'api', rules: [{ source: 'openai', project_id: 'P1' }], counterfactual: { profile: 'p' } },
    { name: 'copilot', architecture: 'self_hosted', rules: [{ source: 'prometheus', deployment: 'dep', model: 'a' }], counterfactual: { api_provider: 'openai', api_model: 'gpt-4o-mini' } },
    { name: 'review', architecture: 'self_hosted', rules: [{ source: 'prometheus', deployment: 'dep', model: 'b' }], counterfactual: { api_provider: 'openai', api_model: 'gpt-4o-mini' } },
  ],
  deployments: [{ name: 'dep', feature: 'copilot', profile: 'p', gpus: 1, replicas: 1 }],
  gpus: { l4: { memory_gib: 24, hourly_price: '0.80' } },
  profiles: { p: { model_class: '8b', gpu: 'l4', tokens_per_second: 800 } },
  ops: { monthly_cost: '50' },
});

const cents = fc.integer({ min: 1, max: 500_000 }).map((c) => (c / 100).toFixed(2));
const monthArb = fc.record({
  days: fc.uniqueArray(fc.integer({ min: 0, max: 29 }), { minLength: 1, maxLength: 5 }),
  usage: fc.array(fc.record({ key: fc.constantFrom('K1', 'K2', 'K3'), hour: fc.integer({ min: 0, max: 23 }), input: fc.integer({ min: 0, max: 50_000 }), output: fc.integer({ min: 1, max: 9_000 }) }), { minLength: 1, maxLength: 12 }),
  openai: fc.array(fc.record({ hour: fc.integer({ min: 0, max: 23 }), input: fc.integer({ min: 1, max: 90_000 }) }), { maxLength: 5 }),
  serving: fc.array(fc.record({ hour: fc.integer({ min: 0, max: 23 }), model: fc.constantFrom('a', 'b'), tokens: fc.integer({ min: 1, max: 2_000_000 }) }), { maxLength: 10 }),
  input: cents,
  output: cents,
  credit: cents,
  toolEur: cents,
  openaiCost: cents,
  gpu: cents,
  focusGpu: cents,
});

let ctx: TestCtx;
beforeAll(async () => {
  ctx = await createTestContext({ config });
});
afterAll(async () => {
  await ctx?.destroy();
});

type Month = typeof monthArb extends fc.Arbitrary<infer T> ? T : never;

async function seed(m: Month): Promise<void> {
  await sql`truncate usage_facts, usage_dims, usage_rollup_daily, usage_load_hourly, serving_metrics, serving_dims, cost_line_items,
            allocation_ledger, feature_monthly_results, deployment_monthly, reconciliation_monthly, rollup_state, month_activity cascade`.execute(ctx.db);
  const usage: UsageFactInsert[] = [];
  const serving: ServingMetricInsert[] = [];
  const costs: CostLineItemInsert[] = [];
  for (const d of m.days) {
    const at = (h: number) => new Date(MONTH.getTime() + (d * 24 + h) * 3_600_000);
    const start = at(0);
    const end = at(24);
    const seen = new Set<string>();
    for (const u of m.usage) {
      if (seen.has(`${u.key}|${u.hour}`)) continue;
      seen.add(`${u.key}|${u.hour}`);
      usage.push({ provider: 'anthropic', bucket_start: at(u.hour), bucket_end: at(u.hour + 1), workspace_id: 'W', api_key_id: u.key, model: 'claude-sonnet-4-20250514', uncached_input_tokens: u.input, output_tokens: u.output, requests: 1 });
    }
    const hours = new Set<number>();
    for (const o of m.openai) {
      if (hours.has(o.hour)) continue;
      hours.add(o.hour);
      usage.push({ provider: 'openai', bucket_start: at(o.hour), bucket_end: at(o.hour + 1), project_id: 'P1', model: 'gpt-4o-mini-2024-07-18', uncached_input_tokens: o.input, output_tokens: 10, requests: 1 });
    }
    const served = new Set<string>();
    for (const s of m.serving) {
      if (served.has(`${s.hour}|${s.model}`)) continue;
      served.add(`${s.hour}|${s.model}`);
      serving.push({ hour: at(s.hour), deployment: 'dep', model: s.model, prompt_tokens: s.tokens, generation_tokens: Math.floor(s.tokens / 4), requests: 3, requests_running_avg: 2 });
    }
    const line = (source: string, key: string, cost: string, more: Partial<CostLineItemInsert> = {}): CostLineItemInsert => ({
      source, line_key: `${key}|${d}`, charge_period_start: start, charge_period_end: end, provider_name: source === 'anthropic' ? 'Anthropic' : source === 'openai' ? 'OpenAI' : 'AWS',
      billing_currency: 'USD', billed_cost: cost, effective_cost: cost, ...more,
    });
    costs.push(
      line('anthropic', 'in', m.input, { x_workspace_id: 'W', x_model: 'claude-sonnet-4-20250514', x_token_type: 'uncached_input_tokens' }),
      line('anthropic', 'out', m.output, { x_workspace_id: 'W', x_model: 'claude-sonnet-4-20250514', x_token_type: 'output_tokens' }),
      // A workspace credit with no token class: split by list-priced usage.
      line('anthropic', 'credit', `-${m.credit}`, { x_workspace_id: 'W', charge_category: 'Credit' }),
      // A tool charge billed in EUR.
      line('anthropic', 'tool', m.toolEur, { x_workspace_id: 'W', billing_currency: 'EUR' }),
      line('openai', 'in', m.openaiCost, { x_project_id: 'P1', x_model: 'gpt-4o-mini-2024-07-18', x_token_type: 'input' }),
      line('aws', 'gpu', m.gpu, { deployment: 'dep', service_name: 'Amazon Elastic Compute Cloud - Compute' }),
      // The same day again through a FOCUS export: counted once (skip).
      line('focus', 'gpu', m.focusGpu, { deployment: 'dep', provider_name: 'AWS' }),
    );
  }
  await writeFacts(ctx.db, config, { usage, serving, costs });
}

describe('every surface reads the one ledger', () => {
  it('agrees to the cent for random months, and every line is split exactly', { timeout: 600_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(monthArb, async (m) => {
        await seed(m);
        await computeMonth(ctx, MONTH);
        const features = (
          await sql<{ feature: string; actual_cost: string; input_tokens: string; output_tokens: string; fully_loaded_cost: string | null; recommended_saving: string | null }>`
            select feature, actual_cost, input_tokens, output_tokens, fully_loaded_cost, recommended_saving from feature_monthly`.execute(ctx.db)
        ).rows;
        const daily = await sql<{ feature: string; cost: string }>`select feature, sum(effective_cost)::text as cost from cost_daily group by 1`.execute(ctx.db);
        const byFeature = new Map(daily.rows.map((r) => [r.feature, r.cost]));
        for (const f of features) {
          expect(new Decimal(byFeature.get(f.feature) ?? 0).equals(f.actual_cost), `${f.feature}: cost_daily ${byFeature.get(f.feature)} vs ${f.actual_cost}`).toBe(true);
          expect(new Decimal(f.fully_loaded_cost!).gte(f.actual_cost)).toBe(true);
          expect(new Decimal(f.recommended_saving!).gte(0)).toBe(true);
        }
        expect(new Set(daily.rows.map((r) => r.feature))).toEqual(new Set(features.filter((f) => !new Decimal(f.actual_cost).isZero() || byFeature.has(f.feature)).map((f) => f.feature)));
        const usage = await sql<{ feature: string; tokens: string }>`
          select feature, sum(uncached_input_tokens + cache_read_tokens + cache_write_tokens + output_tokens)::text as tokens from usage_daily group by 1`.execute(ctx.db);
        for (const u of usage.rows) {
          const f = features.find((x) => x.feature === u.feature)!;
          expect(BigInt(f.input_tokens) + BigInt(f.output_tokens)).toBe(BigInt(u.tokens));
        }
        // Each counted line's parts sum to it exactly (EUR lines converted at the dated rate first).
        const parts = await sql<{ source: string; currency: string; cost: string; parts: string; n: string }>`
          select c.source, c.billing_currency as currency, c.effective_cost::text as cost, sum(l.effective_cost)::text as parts, count(*)::text as n
            from cost_line_items c join allocation_ledger l on l.line_id = c.id group by c.id`.execute(ctx.db);
        for (const p of parts.rows) {
          // One bill once: a FOCUS line of a day Cost Explorer covers is booked at zero.
          if (p.source === 'focus') {
            expect(new Decimal(p.parts).isZero()).toBe(true);
            continue;
          }
          const expected = p.currency === 'EUR' ? new Decimal(p.cost).times('1.1') : new Decimal(p.cost);
          expect(new Decimal(p.parts).equals(expected), `${p.source} ${p.cost} ${p.currency} → ${p.parts}`).toBe(true);
        }
        // The overlap is recorded for the report's data-quality section.
        const rec = await ctx.db.selectFrom('reconciliation_monthly').select(['provider', 'overlap_skipped_cost']).where('provider', '=', 'focus').executeTakeFirstOrThrow();
        expect(new Decimal(rec.overlap_skipped_cost).equals(new Decimal(m.focusGpu).times(m.days.length))).toBe(true);
        // The second feature on the shared deployment is modelled on its own load.
        const review = features.find((f) => f.feature === 'review');
        const reviewServed = m.serving.some((s) => s.model === 'b');
        if (review && reviewServed) {
          const row = await ctx.db.selectFrom('feature_monthly_results').select(['counterfactual_cost', 'recommendation_reason']).where('feature', '=', 'review').executeTakeFirstOrThrow();
          expect(row.counterfactual_cost).not.toBeNull();
        }
      }),
      { numRuns: 8, seed: 20261202 },
    );
  });
});
