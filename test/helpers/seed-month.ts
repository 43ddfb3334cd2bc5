import { configSchema, type Config } from '../../src/config/schema.ts';
import { writeFacts } from '../../src/ingest/upsert.ts';
import type { Db } from '../../src/db/connect.ts';

/**
 * A small month with every kind of fact (Anthropic usage and cost lines, a GPU bill for a deployment,
 * serving metrics, GPU metrics, an unclaimed cost line, an estimated AWS line, a FOCUS line), used by
 * tests that need a computed month whose numbers are known.
 */
export const SEED_MONTH = new Date('2026-09-01T00:00:00Z');

export const seedConfig: Config = configSchema.parse({
  currency: 'USD',
  features: [
    { name: 'chat', architecture: 'api', rules: [{ source: 'anthropic', workspace_id: 'W1', api_key_id: 'K1' }], counterfactual: { profile: 'small' } },
    { name: 'bot', architecture: 'api', rules: [{ source: 'anthropic', api_key_id: 'K2' }], counterfactual: { profile: 'small' } },
    { name: 'copilot.beta', architecture: 'self_hosted', rules: [{ source: 'prometheus', deployment: 'dep1', model: 'beta-model' }], counterfactual: { api_provider: 'anthropic', api_model: 'claude-sonnet-4-20250514' } },
    { name: 'copilot', architecture: 'self_hosted', rules: [{ source: 'prometheus', deployment: 'dep1' }], counterfactual: { api_provider: 'openai', api_model: 'gpt-4o-mini' } },
  ],
  deployments: [{ name: 'dep1', feature: 'copilot', profile: 'small', gpus: 1, replicas: 1, match: { hostnames: ['host-a'] } }],
  gpus: { l4: { memory_gib: 24, hourly_price: '1.00' } },
  profiles: { small: { model_class: '8b', gpu: 'l4', tokens_per_second: 1000, max_utilization: 0.7, min_replicas: 1 } },
  overhead: { self_hosted: 0.3, api: 0 },
  ops: { monthly_cost: '100' },
});

export async function seedMonth(db: Db): Promise<void> {
  const h = (n: number) => new Date(SEED_MONTH.getTime() + n * 3_600_000);
  const day1 = { charge_period_start: SEED_MONTH, charge_period_end: new Date('2026-09-02T00:00:00Z') };
  const usage = (api_key_id: string, uncached: number, output: number) => ({
    provider: 'anthropic', bucket_start: h(0), bucket_end: h(1), workspace_id: 'W1', api_key_id, model: 'claude-sonnet-4-20250514',
    uncached_input_tokens: uncached, output_tokens: output, requests: 1,
  });
  await writeFacts(db, seedConfig, { usage: [usage('K1', 1000, 100), usage('K2', 3000, 300)] });
  const line = (line_key: string, x_token_type: string, cost: string, workspace = 'W1') => ({
    source: 'anthropic', line_key, ...day1, provider_name: 'Anthropic', billing_currency: 'USD', billed_cost: cost, effective_cost: cost,
    x_workspace_id: workspace, x_model: 'claude-sonnet-4-20250514', x_token_type, service_name: 'Claude API',
  });
  await db
    .insertInto('cost_line_items')
    .values([
      line('W1|in', 'uncached_input_tokens', '1.00'),
      line('W1|out', 'output_tokens', '0.20'),
      line('W2|in', 'uncached_input_tokens', '0.05', 'W2'),
      {
        source: 'aws', line_key: 'gpu', ...day1, provider_name: 'AWS', billing_currency: 'USD', billed_cost: '26.00', effective_cost: '24.00',
        deployment: 'dep1', x_gpu_count: 1, service_name: 'Amazon Elastic Compute Cloud - Compute', x_usage_type: 'BoxUsage:g6.xlarge', estimated: true,
        service_category: 'Compute', tags: { feature: 'copilot' },
      },
    ])
    .execute();
  const serving = [];
  for (let i = 0; i < 12; i++) serving.push({ hour: h(i), deployment: 'dep1', model: 'm', prompt_tokens: 800, generation_tokens: 200, requests: 2, prefix_cache_queries: 800, prefix_cache_hits: 200, kv_cache_usage_avg: 0.3, requests_running_avg: 2 });
  for (let i = 0; i < 6; i++) serving.push({ hour: h(i), deployment: 'dep1', model: 'beta-model', prompt_tokens: 2000, generation_tokens: 1000, requests: 3 });
  await writeFacts(db, seedConfig, { serving });
  await db
    .insertInto('gpu_metrics')
    .values(Array.from({ length: 24 }, (_, i) => ({ hour: h(i), hostname: 'host-a', gpu: '0', deployment: 'dep1', gpu_util_avg: i < 12 ? 0.6 : 0.02 })))
    .execute();
}
