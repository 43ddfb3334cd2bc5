import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFacts } from '../../../src/ingest/upsert.ts';
import { configSchema } from '../../../src/config/schema.ts';
import { computeMonth } from '../../../src/compute/month.ts';
import { createTestContext, type TestCtx } from '../../helpers/db.ts';

// Two features share one Anthropic workspace and model: one interactive (standard tier), one through
// Message Batches (batch tier). The invoice bills each tier on its own line.
const config = configSchema.parse({
  features: [
    { name: 'chat', architecture: 'api', rules: [{ source: 'anthropic', api_key_id: 'K-chat' }] },
    { name: 'nightly', architecture: 'api', rules: [{ source: 'anthropic', api_key_id: 'K-batch' }] },
  ],
  ops: { monthly_cost: '0' },
});
const MONTH = new Date('2026-09-01T00:00:00Z');
const DAY_END = new Date('2026-09-02T00:00:00Z');
let ctx: TestCtx;

beforeAll(async () => {
  ctx = await createTestContext({ config });
  const usage = (api_key_id: string, service_tier: string, writes: { all: number; h1: number }) => ({
    provider: 'anthropic', bucket_start: MONTH, bucket_end: new Date('2026-09-01T01:00:00Z'), workspace_id: 'W', api_key_id,
    model: 'claude-sonnet-4-20250514', service_tier, batch: service_tier === 'batch',
    uncached_input_tokens: 1_000_000, cache_write_tokens: writes.all, cache_write_1h_tokens: writes.h1,
  });
  await writeFacts(ctx.db, config, { usage: [usage('K-chat', 'standard', { all: 100, h1: 100 }), usage('K-batch', 'batch', { all: 300, h1: 0 })] });
  const line = (key: string, token_type: string, tier: string, cost: string) => ({
    source: 'anthropic', line_key: key, charge_period_start: MONTH, charge_period_end: DAY_END, provider_name: 'Anthropic', billing_currency: 'USD',
    billed_cost: cost, effective_cost: cost, x_workspace_id: 'W', x_model: 'claude-sonnet-4-20250514', x_token_type: token_type, extra: { service_tier: tier },
  });
  await ctx.db
    .insertInto('cost_line_items')
    .values([
      line('std-in', 'uncached_input_tokens', 'standard', '3.00'),
      line('batch-in', 'uncached_input_tokens', 'batch', '1.50'),
      line('w1h', 'cache_creation.ephemeral_1h_input_tokens', 'standard', '0.60'),
      line('w5m', 'cache_creation.ephemeral_5m_input_tokens', 'batch', '0.40'),
    ])
    .execute();
  await computeMonth(ctx, MONTH);
});
afterAll(async () => {
  await ctx?.destroy();
});

const cost = async (feature: string) =>
  (await ctx.db.selectFrom('feature_monthly_results').select('actual_cost').where('feature', '=', feature).executeTakeFirstOrThrow()).actual_cost;

describe('API invoice lines are split by the usage of their own tier and cache-write TTL', () => {
  it('gives each tier\'s line to the features that used that tier, and 1h / 5m writes to their writers', async () => {
    // Weighted by tokens alone, each feature would get half of every line (2.25 + 0.50 each).
    expect(await cost('chat')).toBe('3.6');
    expect(await cost('nightly')).toBe('1.9');
  });
});
