import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../../src/clock.ts';
import { configSchema } from '../../../src/config/schema.ts';
import { computeMonth } from '../../../src/compute/month.ts';
import { writeFacts } from '../../../src/ingest/upsert.ts';
import { renderMonthlyReport } from '../../../src/reports/render.ts';
import { parseMonth } from '../../../src/time.ts';
import { createTestContext, type TestCtx } from '../../helpers/db.ts';

// November 2026, from facts through compute to the rendered report: a comparator retiring within
// 60 days (shipped table), one retired by a config override, a negotiated Anthropic discount, an
// OpenAI spend limit and an OpenCost list-price cross-check.
const config = configSchema.parse({
  features: [
    {
      name: 'rerank',
      architecture: 'self_hosted',
      rules: [{ source: 'prometheus', deployment: 'rerank' }],
      counterfactual: { api_provider: 'openai', api_model: 'gpt-4o', successor: 'gpt-5.2' },
    },
    {
      name: 'summarize',
      architecture: 'self_hosted',
      rules: [{ source: 'prometheus', deployment: 'summ' }],
      counterfactual: { api_provider: 'openai', api_model: 'gpt-4.1' },
    },
    // An API feature on a dated snapshot of a retiring model.
    { name: 'chat', architecture: 'api', rules: [{ source: 'openai', project_id: 'proj_chat' }], counterfactual: { successor: 'gpt-5.1' } },
  ],
  deployments: [
    { name: 'rerank', feature: 'rerank', profile: 'p', gpus: 1 },
    { name: 'summ', feature: 'summarize', profile: 'p', gpus: 1 },
  ],
  gpus: { l4: { memory_gib: 24, hourly_price: '1.00' } },
  profiles: { p: { model_class: '8b', gpu: 'l4', tokens_per_second: 1000 } },
  ops: { monthly_cost: '0' },
  models: { retirements: [{ provider: 'openai', model: 'gpt-4.1', date: '2026-10-31', successor: 'gpt-5.1' }] },
});
const MONTH = new Date('2026-11-01T00:00:00Z');
const at = (h: number) => new Date(MONTH.getTime() + h * 3_600_000);
let ctx: TestCtx;
let report: Awaited<ReturnType<typeof renderMonthlyReport>>;

beforeAll(async () => {
  ctx = await createTestContext({ config, clock: fixedClock('2026-12-03T08:00:00Z') });
  const line = (source: string, key: string, cost: string, extra: Record<string, unknown> = {}) => ({
    source, line_key: key, charge_period_start: MONTH, charge_period_end: at(24), provider_name: source,
    billing_currency: 'USD', billed_cost: cost, effective_cost: cost, ...extra,
  });
  await ctx.db
    .insertInto('cost_line_items')
    .values([
      line('focus', 'rerank-gpu', '100.00', { provider_name: 'Google Cloud', deployment: 'rerank' }),
      line('focus', 'summ-gpu', '20.00', { provider_name: 'Google Cloud', deployment: 'summ' }),
      line('anthropic', 'a1', '80.00', { list_cost: '100.00' }),
      line('openai', 'o1', '123.45'),
    ])
    .execute();
  const serving = [];
  for (let h = 0; h < 10; h++) serving.push({ hour: at(h), deployment: 'rerank', model: 'llama-70b', prompt_tokens: 1_000_000, generation_tokens: 1_000_000 });
  serving.push({ hour: at(3), deployment: 'summ', model: 'llama-8b', prompt_tokens: 1_000_000, generation_tokens: 1_000_000 });
  await writeFacts(ctx.db, config, {
    serving,
    usage: [{ provider: 'openai', bucket_start: MONTH, bucket_end: at(24), project_id: 'proj_chat', model: 'gpt-4o-2024-08-06', uncached_input_tokens: 2_000_000, output_tokens: 1_000_000 }],
  });
  await ctx.db
    .insertInto('spend_limits')
    .values({ source: 'openai', scope: 'organization', scope_id: '', threshold_amount: '500', currency: 'USD', interval: 'month', fetched_at: new Date('2026-12-02T02:15:00Z') })
    .execute();
  await ctx.db
    .insertInto('opencost_inference_costs')
    .values({ window_start: MONTH, window_end: at(24), model_name: 'llama-70b', cost_basis: 'allocation', total_cost_list: '30', total_tokens: '10000000', cost_per_million_tokens: '3' })
    .execute();
  await computeMonth(ctx, MONTH);
  report = await renderMonthlyReport(ctx, parseMonth('2026-11'));
}, 180_000);
afterAll(async () => {
  await ctx?.destroy();
});

const warningsOf = (feature: string) => report.view.features.find((f) => f.feature === feature)!.warnings;

describe('model lifecycle in the report', () => {
  it('names a comparator retiring within 60 days and prices its configured successor beside it', () => {
    // 10M input + 10M output: gpt-4o 2.50 + 10.00 per 1M = $125.00; gpt-5.2 1.75 + 14.00 = $157.50.
    expect(warningsOf('rerank')).toContain(
      "The comparator openai gpt-4o retires on 2027-01-14 (shipped retirement table); successor gpt-5.2: the same tokens cost $125.00 at gpt-4o's list price, $157.50 at gpt-5.2's.",
    );
    expect(report.text).toContain('The comparator openai gpt-4o retires on 2027-01-14');
    expect(report.html).toContain('$157.50 at gpt-5.2');
  });

  it('names a retiring model an API feature runs on and prices its usage at the successor', () => {
    // 2M input + 1M output: gpt-4o 2 × 2.50 + 10.00 = $15.00; gpt-5.1 2 × 1.25 + 10.00 = $12.50.
    expect(warningsOf('chat')).toContain(
      "openai gpt-4o-2024-08-06, which this feature runs on, retires on 2027-01-14 (shipped retirement table); successor gpt-5.1: this month's usage costs $15.00 at gpt-4o-2024-08-06's list price, $12.50 at gpt-5.1's.",
    );
  });

  it('honours a config override of the retirement date and its successor', () => {
    // 1M + 1M: gpt-4.1 2 + 8 = $10.00; gpt-5.1 1.25 + 10 = $11.25.
    expect(warningsOf('summarize')).toContain(
      "The comparator openai gpt-4.1 was retired on 2026-10-31 (models.retirements); successor gpt-5.1: the same tokens cost $10.00 at gpt-4.1's list price, $11.25 at gpt-5.1's.",
    );
  });
});

describe('vendor figures beside the month', () => {
  it('shows the negotiated discount in reconciliation', () => {
    const row = report.view.reconciliation.rows.find((r) => r.provider === 'anthropic')!;
    expect(row.invoice).toBe('$80.00');
    expect(row.notes).toContain('negotiated discount $20.00 off $100.00 at list');
  });

  it('shows the spend limit beside the month’s spend', () => {
    const row = report.view.reconciliation.rows.find((r) => r.provider === 'openai')!;
    expect(row.notes).toContain('spend limit $500.00 a month (organization): $123.45 spent this month, 24.7%');
    expect(report.text).toContain('spend limit $500.00 a month (organization)');
  });

  it('shows OpenCost’s list rate beside the effective rate of the deployment', () => {
    const dep = report.view.deployments.find((d) => d.deployment === 'rerank')!;
    // $100.00 of GPU bill over 20M tokens = $5.00/1M effective; OpenCost $30 over 10M = $3.00/1M at list.
    expect(dep.metrics.find((m) => m.label === 'OpenCost cross-check')!.value).toBe('OpenCost at list: $3.00/1M; at your effective rate: $5.00/1M');
    expect(report.view.deployments.find((d) => d.deployment === 'summ')!.metrics.some((m) => m.label === 'OpenCost cross-check')).toBe(false);
  });
});
