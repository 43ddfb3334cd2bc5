import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { configSchema } from '../../../src/config/schema.ts';
import { computeMonth } from '../../../src/compute/month.ts';
import { apiLoad } from '../../../src/compute/inputs.ts';
import { writeFacts } from '../../../src/ingest/upsert.ts';
import { createTestContext, createTestDatabase, type TestCtx } from '../../helpers/db.ts';
import { adminUrl } from '../../helpers/env.ts';
import { envSchema } from '../../../src/config/env.ts';
import { createContext } from '../../../src/context.ts';
import { silentLogger } from '../../../src/log.ts';
import { fixedClock } from '../../../src/clock.ts';

const config = configSchema.parse({
  features: [{ name: 'llama-on-bedrock', architecture: 'api', rules: [{ source: 'aws-bedrock', tag: 'llama' }], counterfactual: { profile: 'p' } }],
  gpus: { l4: { memory_gib: 24, hourly_price: '1.00' } },
  profiles: { p: { model_class: '8b', gpu: 'l4', tokens_per_second: 1000, max_utilization: 0.5, min_replicas: 0, provisioning: 'autoscale' } },
  ops: { monthly_cost: '0' },
});
const MONTH = new Date('2026-09-01T00:00:00Z');

let ctx: TestCtx;
beforeAll(async () => {
  ctx = await createTestContext({ config });
  // Cost Explorer reports Bedrock usage in daily buckets only: 2.4M tokens on Sept 1.
  await writeFacts(ctx.db, config, {
    usage: [{ provider: 'aws-bedrock', bucket_start: MONTH, bucket_end: new Date('2026-09-02T00:00:00Z'), project_id: 'llama', model: 'llama3-3-70b', uncached_input_tokens: 2_000_000, output_tokens: 400_000 }],
  });
  await ctx.db
    .insertInto('cost_line_items')
    .values({ source: 'aws', line_key: 'bedrock', charge_period_start: MONTH, charge_period_end: new Date('2026-09-02T00:00:00Z'), provider_name: 'AWS', billing_currency: 'USD', billed_cost: '2.00', effective_cost: '2.00', service_name: 'Amazon Bedrock', tags: { feature: 'llama' } })
    .execute();
});
afterAll(async () => {
  await ctx?.destroy();
});

describe('the hourly load curve', () => {
  it('spreads daily buckets over their hours, so daily-only usage still sizes the counterfactual', async () => {
    const period = { start: MONTH, end: new Date('2026-10-01T00:00:00Z') };
    const hours = (await apiLoad(ctx.db, period)).filter((h) => h.feature === 'llama-on-bedrock');
    expect(hours).toHaveLength(24);
    expect(hours.every((h) => Number(h.tokens) === 100_000)).toBe(true);
    await computeMonth(ctx, MONTH);
    const row = await ctx.db.selectFrom('feature_monthly_results').selectAll().where('feature', '=', 'llama-on-bedrock').executeTakeFirstOrThrow();
    // 100k tokens/h = 27.8 tok/s → 1 replica (500 tok/s usable) for 24 autoscaled hours × $1 × 1.3 overhead
    expect(Number(row.counterfactual_cost)).toBeCloseTo(24 * 1.3, 6);
    expect(row.actual_cost).toBe('2');
  });

  it('cuts hours in UTC even when the database\'s own time zone is a half-hour offset', async () => {
    const db2 = await createTestDatabase();
    const admin = new pg.Client({ connectionString: adminUrl() });
    await admin.connect();
    await admin.query(`alter database "${db2.name}" set timezone = 'Asia/Kolkata'`);
    await admin.end();
    const c2 = await createContext({ env: envSchema.parse({ DATABASE_URL: db2.url, LOG_LEVEL: 'silent' }), config, log: silentLogger, clock: fixedClock('2026-11-24T00:00:00Z') });
    try {
      await writeFacts(c2.db, config, { usage: [{ provider: 'aws-bedrock', bucket_start: MONTH, bucket_end: new Date('2026-09-01T01:00:00Z'), project_id: 'llama', model: 'm', output_tokens: 7 }] });
      const period = { start: MONTH, end: new Date('2026-10-01T00:00:00Z') };
      const load = await apiLoad(c2.db, period);
      expect(load.map((h) => [new Date(h.hour).getTime(), h.feature, Number(h.tokens)])).toEqual([[MONTH.getTime(), 'llama-on-bedrock', 7]]);
    } finally {
      await c2.close();
      await db2.drop();
    }
  });
});

describe('a profile whose model does not fit its GPUs', () => {
  it('gives that feature no counterfactual with the reason, and computes the rest of the month', async () => {
    const tooBig = configSchema.parse({
      ...config,
      profiles: { p: { ...config.profiles.p, model_shape: { layers: 80, kv_heads: 8, head_dim: 128, weights_gib: 140, context_tokens: 8192 } } },
    });
    const c = await createTestContext({ config: tooBig });
    try {
      await writeFacts(c.db, tooBig, { usage: [{ provider: 'aws-bedrock', bucket_start: MONTH, bucket_end: new Date('2026-09-01T01:00:00Z'), project_id: 'llama', model: 'm', output_tokens: 7, requests: 1 }] });
      await computeMonth(c, MONTH);
      const row = await c.db.selectFrom('feature_monthly_results').selectAll().where('feature', '=', 'llama-on-bedrock').executeTakeFirstOrThrow();
      expect(row.counterfactual_cost).toBeNull();
      expect(row.recommendation_reason).toContain('leave no GPU memory');
    } finally {
      await c.destroy();
    }
  });
});
