import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Decimal } from 'decimal.js';
import { configSchema } from '../../../src/config/schema.ts';
import { SEED_MONTH, seedConfig, seedMonth } from '../../helpers/seed-month.ts';
import { computeMonth } from '../../../src/compute/month.ts';
import { createTestContext, type TestCtx } from '../../helpers/db.ts';

// A hand-built month (test/helpers/seed-month.ts) whose every number is worked out below,
// independently of the code under test.
const config = seedConfig;
const MONTH = SEED_MONTH;
let ctx: TestCtx;

beforeAll(async () => {
  ctx = await createTestContext({ config });
  await seedMonth(ctx.db);
  await computeMonth(ctx, MONTH);
});

afterAll(async () => {
  await ctx?.destroy();
});

const row = (feature: string) =>
  ctx.db.selectFrom('feature_monthly_results').selectAll().where('month', '=', '2026-09-01').where('feature', '=', feature).executeTakeFirstOrThrow();

describe('computeMonth on a hand-built month', () => {
  it('splits the Anthropic workspace-day lines over keys by the tokens of each line\'s token class', async () => {
    // uncached 1000:3000 of $1.00 → 0.25 / 0.75; output 100:300 of $0.20 → 0.05 / 0.15
    expect(new Decimal((await row('chat')).actual_cost).toFixed(4)).toBe('0.3000');
    expect(new Decimal((await row('bot')).actual_cost).toFixed(4)).toBe('0.9000');
    expect(new Decimal((await row('unattributed')).actual_cost).toFixed(4)).toBe('0.0500');
  });

  it('allocates GPU hours by token share and books zero-token hours as idle cost by monthly share', async () => {
    // $24/day → $1/hour. Hours 0–5: copilot 1000 : beta 3000 tokens; hours 6–11 copilot only; 12–23 idle ($12).
    // Direct: copilot 6×0.25 + 6×1 = 7.50, beta 6×0.75 = 4.50. Idle $12 by month tokens 12000 : 18000 → 4.80 / 7.20.
    const copilot = await row('copilot');
    const beta = await row('copilot.beta');
    expect(new Decimal(copilot.actual_cost).toFixed(2)).toBe('12.30');
    expect(new Decimal(beta.actual_cost).toFixed(2)).toBe('11.70');
    expect(new Decimal(copilot.idle_cost!).toFixed(2)).toBe('4.80');
    expect(new Decimal(beta.idle_cost!).toFixed(2)).toBe('7.20');
    // overhead 30 % + ops $100 by self-hosted tokens 12000 : 18000 → 40 / 60
    expect(new Decimal(copilot.overhead_cost!).toFixed(2)).toBe('43.69');
    expect(new Decimal(beta.overhead_cost!).toFixed(2)).toBe('63.51');
    // blended = (actual + overhead) / tokens × 1e6
    expect(Number(copilot.blended_rate_per_1m)).toBeCloseTo(((12.3 + 43.69) / 12000) * 1e6, 4);
    expect(copilot.input_tokens).toBe('9600');
    expect(copilot.output_tokens).toBe('2400');
  });

  it('reconciles: feature totals equal the invoices to the cent', async () => {
    const rows = await ctx.db.selectFrom('feature_monthly_results').select(['actual_cost']).where('month', '=', '2026-09-01').execute();
    const total = rows.reduce((a, r) => a.plus(r.actual_cost), new Decimal(0));
    expect(total.toFixed(10)).toBe(new Decimal('25.25').toFixed(10));
  });

  it('withholds a recommendation without three complete months, and says so', async () => {
    const chat = await row('chat');
    expect(chat.data_months).toBe(0);
    expect(chat.recommendation).toBeNull();
    expect(chat.recommendation_reason).toContain('insufficient data: 0 of 3');
  });

  it('records invoice against list-price estimate per provider', async () => {
    const rec = await ctx.db.selectFrom('reconciliation_monthly').selectAll().where('provider', '=', 'anthropic').executeTakeFirstOrThrow();
    expect(new Decimal(rec.invoice_cost).toFixed(2)).toBe('1.25');
    // claude-sonnet-4 list: $3 / 1M input, $15 / 1M output → 4000 × 3e-6 + 400 × 15e-6 = 0.018
    expect(new Decimal(rec.estimated_cost!).toFixed(6)).toBe('0.018000');
    expect(new Decimal(rec.unattributed_cost).toFixed(2)).toBe('0.05');
  });

  it('prices the self-hosted feature on its comparable API model (token classes × list prices)', async () => {
    const beta = await row('copilot.beta');
    // 12000 input and 6000 output tokens on claude-sonnet-4 at $3 / $15 per 1M = 0.036 + 0.09 = 0.126
    expect([beta.input_tokens, beta.output_tokens, beta.cached_input_tokens]).toEqual(['12000', '6000', '0']);
    expect(Number(beta.counterfactual_cost)).toBeCloseTo(0.126, 4);
    expect(beta.counterfactual_architecture).toBe('api');
  });

  it('recomputing re-attributes after a rule change without re-ingesting', async () => {
    const changed = configSchema.parse({ ...config, features: config.features.filter((f) => f.name !== 'bot') });
    await computeMonth({ ...ctx, config: changed }, MONTH);
    expect(new Decimal((await row('unattributed')).actual_cost).toFixed(4)).toBe('0.9500');
    await computeMonth(ctx, MONTH);
    expect(new Decimal((await row('bot')).actual_cost).toFixed(4)).toBe('0.9000');
  });
});
