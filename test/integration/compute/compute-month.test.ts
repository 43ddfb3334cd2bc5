import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Decimal } from 'decimal.js';
import { configSchema } from '../../../src/config/schema.ts';
import { computeMonth } from '../../../src/compute/month.ts';
import { createTestContext, type TestCtx } from '../../helpers/db.ts';

// A hand-built month whose every number is worked out below, independently of the code under test.
const config = configSchema.parse({
  currency: 'USD',
  features: [
    { name: 'chat', architecture: 'api', rules: [{ source: 'anthropic', workspace_id: 'W1', api_key_id: 'K1' }], counterfactual: { profile: 'small' } },
    { name: 'bot', architecture: 'api', rules: [{ source: 'anthropic', api_key_id: 'K2' }], counterfactual: { profile: 'small' } },
    { name: 'copilot.beta', architecture: 'self_hosted', rules: [{ source: 'prometheus', deployment: 'dep1', model: 'beta-model' }], counterfactual: { api_provider: 'anthropic', api_model: 'claude-sonnet-4-20250514' } },
    { name: 'copilot', architecture: 'self_hosted', rules: [{ source: 'prometheus', deployment: 'dep1' }], counterfactual: { api_provider: 'openai', api_model: 'gpt-4o-mini' } },
  ],
  deployments: [{ name: 'dep1', feature: 'copilot', profile: 'small', gpus: 1, replicas: 1 }],
  gpus: { l4: { memory_gib: 24, hourly_price: '1.00' } },
  profiles: { small: { model_class: '8b', gpu: 'l4', tokens_per_second: 1000, max_utilization: 0.7, min_replicas: 1 } },
  overhead: { self_hosted: 0.3, api: 0 },
  ops: { monthly_cost: '100' },
});

const MONTH = new Date('2026-09-01T00:00:00Z');
const h = (n: number) => new Date(MONTH.getTime() + n * 3_600_000);
const day1 = { charge_period_start: MONTH, charge_period_end: new Date('2026-09-02T00:00:00Z') };

let ctx: TestCtx;

beforeAll(async () => {
  ctx = await createTestContext({ config });
  const usage = (api_key_id: string, uncached: number, output: number) => ({
    provider: 'anthropic', bucket_start: h(0), bucket_end: h(1), workspace_id: 'W1', api_key_id, model: 'claude-sonnet-4-20250514',
    uncached_input_tokens: uncached, output_tokens: output, requests: 1,
  });
  await ctx.db.insertInto('usage_facts').values([usage('K1', 1000, 100), usage('K2', 3000, 300)]).execute();
  const line = (line_key: string, x_token_type: string, cost: string, workspace = 'W1') => ({
    source: 'anthropic', line_key, ...day1, provider_name: 'Anthropic', billing_currency: 'USD', billed_cost: cost, effective_cost: cost,
    x_workspace_id: workspace, x_model: 'claude-sonnet-4-20250514', x_token_type,
  });
  await ctx.db
    .insertInto('cost_line_items')
    .values([
      line('W1|in', 'uncached_input_tokens', '1.00'),
      line('W1|out', 'output_tokens', '0.20'),
      line('W2|in', 'uncached_input_tokens', '0.05', 'W2'), // cost with no usage behind it
      { source: 'aws', line_key: 'gpu', ...day1, provider_name: 'AWS', billing_currency: 'USD', billed_cost: '26.00', effective_cost: '24.00', deployment: 'dep1', x_gpu_count: 1 },
    ])
    .execute();
  const serving = [];
  for (let i = 0; i < 12; i++) serving.push({ hour: h(i), deployment: 'dep1', model: 'm', prompt_tokens: 800, generation_tokens: 200, requests: 2 });
  for (let i = 0; i < 6; i++) serving.push({ hour: h(i), deployment: 'dep1', model: 'beta-model', prompt_tokens: 2000, generation_tokens: 1000, requests: 3 });
  await ctx.db.insertInto('serving_metrics').values(serving).execute();
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
