import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFacts } from '../../../src/ingest/upsert.ts';
import { configSchema } from '../../../src/config/schema.ts';
import { computeMonth } from '../../../src/compute/month.ts';
import { createTestContext, type TestCtx } from '../../helpers/db.ts';

// An autoscaled deployment billed per hour (FOCUS) for 09:00–17:00 only, plus a monthly charge.
const config = configSchema.parse({
  features: [{ name: 'copilot', architecture: 'self_hosted', rules: [{ source: 'prometheus', deployment: 'dep' }] }],
  deployments: [{ name: 'dep', feature: 'copilot', profile: 'p', gpus: 1, replicas: 1 }],
  gpus: { l4: { memory_gib: 24, hourly_price: '1.00' } },
  profiles: { p: { model_class: '8b', gpu: 'l4', tokens_per_second: 1000 } },
  ops: { monthly_cost: '0' },
});
const MONTH = new Date('2026-09-01T00:00:00Z');
const at = (h: number) => new Date(MONTH.getTime() + h * 3_600_000);
let ctx: TestCtx;

beforeAll(async () => {
  ctx = await createTestContext({ config });
  const line = (key: string, start: Date, end: Date, cost: string) => ({
    source: 'focus', line_key: key, charge_period_start: start, charge_period_end: end, provider_name: 'Google Cloud',
    billing_currency: 'USD', billed_cost: cost, effective_cost: cost, deployment: 'dep',
  });
  await ctx.db
    .insertInto('cost_line_items')
    .values([
      ...Array.from({ length: 8 }, (_, i) => line(`h${9 + i}`, at(9 + i), at(10 + i), '2.00')),
      line('monthly', MONTH, new Date('2026-10-01T00:00:00Z'), '72.00'), // $0.10 per hour of September
    ])
    .execute();
  await writeFacts(ctx.db, config, { serving: Array.from({ length: 8 }, (_, i) => ({ hour: at(9 + i), deployment: 'dep', model: 'm', prompt_tokens: 100, generation_tokens: 0 })) });
  await computeMonth(ctx, MONTH);
});
afterAll(async () => {
  await ctx?.destroy();
});

describe('GPU bill lines are spread over their own charge periods', () => {
  it('books hourly lines to their hour (no idle) and a monthly charge over every hour of the month', async () => {
    const row = await ctx.db.selectFrom('feature_monthly_results').selectAll().where('feature', '=', 'copilot').executeTakeFirstOrThrow();
    expect(row.actual_cost).toBe('88');
    // Idle: the monthly charge's 712 hours without tokens × $0.10; the 8 busy hours are not idle.
    expect(row.idle_cost).toBe('71.2');
    const dep = await ctx.db.selectFrom('deployment_monthly').selectAll().where('deployment', '=', 'dep').executeTakeFirstOrThrow();
    expect(dep.idle_hours).toBe(712);
    expect(dep.gpu_hours).toBe(720);
    const rec = await ctx.db.selectFrom('reconciliation_monthly').selectAll().where('provider', '=', 'focus').executeTakeFirstOrThrow();
    expect(rec.invoice_cost).toBe('88');
  });
});
