import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { writeFacts } from '../../../src/ingest/upsert.ts';
import { configSchema } from '../../../src/config/schema.ts';
import { computeMonth } from '../../../src/compute/month.ts';
import { createTestContext, type TestCtx } from '../../helpers/db.ts';

// Two Kubernetes deployments share the GPU nodes of one Karpenter node pool. The bill (Cost
// Explorer grouped by the node-pool tag) names the pool, not a deployment; OpenCost gives the shares.
const POOL_TAG = 'karpenter.sh/nodepool';
const config = configSchema.parse({
  features: [
    { name: 'search', architecture: 'self_hosted', rules: [{ source: 'prometheus', deployment: 'rerank-70b' }] },
    { name: 'embeddings', architecture: 'self_hosted', rules: [{ source: 'prometheus', deployment: 'embed' }] },
  ],
  deployments: [
    { name: 'rerank-70b', feature: 'search', profile: 'h100x4', gpus: 4 },
    { name: 'embed', feature: 'embeddings', profile: 'h100x1', gpus: 1 },
  ],
  gpus: { h100: { memory_gib: 80, hourly_price: '12.29' } },
  profiles: {
    h100x4: { model_class: '70b', gpu: 'h100', gpus_per_replica: 4, tokens_per_second: 2000 },
    h100x1: { model_class: 'embed', gpu: 'h100', tokens_per_second: 5000 },
  },
  ops: { monthly_cost: '0' },
  sources: { opencost: { enabled: true, bill_tag: POOL_TAG } },
});
const MONTH = new Date('2026-09-01T00:00:00Z');
const at = (h: number) => new Date(MONTH.getTime() + h * 3_600_000);
let ctx: TestCtx;

beforeAll(async () => {
  ctx = await createTestContext({ config });
  const line = (key: string, day: number, effective: string, billed: string) => ({
    source: 'aws', line_key: key, charge_period_start: at(day * 24), charge_period_end: at((day + 1) * 24), provider_name: 'AWS',
    billing_currency: 'USD', billed_cost: billed, effective_cost: effective, tags: JSON.stringify({ [POOL_TAG]: 'gpu-h100' }) as never,
    x_usage_type: 'USE1-BoxUsage:p5.48xlarge',
  });
  await ctx.db
    .insertInto('cost_line_items')
    .values([
      line('pool-d1', 0, '2359.68', '2600.00'), // a Savings Plan: effective below billed
      line('pool-d2', 1, '1000.01', '1000.01'), // a figure that does not divide evenly
      line('pool-d3', 2, '50.00', '50.00'), // a day OpenCost saw nothing on the pool
    ])
    .execute();
  const alloc: Array<{ hour: Date; hour_end: Date; cluster: string; node: string; namespace: string; deployment: string; node_pool: string; gpu_hours: string }> = [];
  const idle: Array<{ hour: Date; hour_end: Date; cluster: string; node: string; node_pool: string; gpu_hours: string; gpu_hours_basis: 'node_rate'; gpu_cost_list: string }> = [];
  for (let h = 0; h < 48; h++) {
    const cell = { hour: at(h), hour_end: at(h + 1), cluster: 'eks', node_pool: 'gpu-h100' };
    alloc.push({ ...cell, node: 'n1', namespace: 'ml', deployment: 'rerank-70b', gpu_hours: '4' });
    alloc.push({ ...cell, node: 'n1', namespace: 'ml', deployment: 'embed', gpu_hours: '0.5' }); // time-sliced
    idle.push({ ...cell, node: 'n1', gpu_hours: '3.5', gpu_hours_basis: 'node_rate', gpu_cost_list: '34.41' });
    if (h >= 24) alloc.push({ ...cell, node: 'n2', namespace: 'ml', deployment: 'rerank-70b', gpu_hours: '0.25' }); // a MIG slice
    // Another pool nobody bills here: its shares never touch gpu-h100's money.
    alloc.push({ ...cell, cluster: 'eks', node_pool: 'gpu-l40s', node: 'n9', namespace: 'ml', deployment: 'embed', gpu_hours: '1' });
  }
  await ctx.db.insertInto('opencost_gpu_allocations').values(alloc).execute();
  await ctx.db.insertInto('opencost_gpu_idle').values(idle).execute();
  const serving = [];
  for (let h = 0; h < 48; h++) {
    if (h !== 5) serving.push({ hour: at(h), deployment: 'rerank-70b', model: 'llama-70b', prompt_tokens: 800, generation_tokens: 200 });
    serving.push({ hour: at(h), deployment: 'embed', model: 'bge', prompt_tokens: 100, generation_tokens: 0 });
  }
  await writeFacts(ctx.db, config, { serving });
  await computeMonth(ctx, MONTH);
}, 180_000);
afterAll(async () => {
  await ctx?.destroy();
});

const num = (x: unknown) => String(x);

describe('a node pool bill split over Kubernetes deployments by OpenCost GPU-hours', () => {
  it('gives each deployment its GPU-hour share of the bill, rounded once per line', async () => {
    const deps = await ctx.db.selectFrom('deployment_monthly').selectAll().orderBy('deployment').execute();
    const rerank = deps.find((d) => d.deployment === 'rerank-70b')!;
    const embed = deps.find((d) => d.deployment === 'embed')!;
    // Day 1: 8 GPU-h an hour → rerank 96/192, embed 12/192, idle 84/192 of $2,359.68 = 1179.84 / 147.48 / 1032.36.
    // Day 2: 8.25 GPU-h an hour → 102/198, 12/198, 84/198 of $1,000.01 = 515.156̅ / 60.606̅ / 424.246̅ → 515.16 / 60.61 / 424.24.
    expect(num(rerank.gpu_cost)).toBe('1695');
    expect(num(embed.gpu_cost)).toBe('208.09');
    // GPU-hours are OpenCost's, fractional GPUs included (not gpus × billed hours).
    expect(Number(rerank.gpu_hours)).toBe(198);
    expect(Number(embed.gpu_hours)).toBe(24);
    // The one hour rerank served nothing is its idle: 4/192 of day 1 = $49.16.
    expect(rerank.idle_hours).toBe(1);
    expect(num(rerank.idle_cost)).toBe('49.16');
    expect(embed.idle_hours).toBe(0);
  });

  it('reconciles every line to the bill to the cent, in both amounts', async () => {
    const r = await sql<{ line_key: string; effective: string; billed: string; eff: string; bil: string }>`
      select c.line_key, c.effective_cost::text as effective, c.billed_cost::text as billed,
             sum(l.effective_cost)::text as eff, sum(l.billed_cost)::text as bil
        from allocation_ledger l join cost_line_items c on c.id = l.line_id group by 1, 2, 3 order by 1`.execute(ctx.db);
    expect(r.rows).toHaveLength(3);
    for (const row of r.rows) {
      expect(Number(row.eff)).toBeCloseTo(Number(row.effective), 10);
      expect(row.eff.replace(/\.?0+$/, '')).toBe(row.effective.replace(/\.?0+$/, ''));
      expect(row.bil.replace(/\.?0+$/, '')).toBe(row.billed.replace(/\.?0+$/, ''));
    }
    const cents = await sql<{ n: number }>`select count(*)::int as n from allocation_ledger where effective_cost <> round(effective_cost, 2) or billed_cost <> round(billed_cost, 2)`.execute(ctx.db);
    expect(cents.rows[0]!.n).toBe(0);
    const rec = await ctx.db.selectFrom('reconciliation_monthly').selectAll().where('provider', '=', 'aws').executeTakeFirstOrThrow();
    expect(num(rec.invoice_cost)).toBe('3409.69');
    // The day OpenCost saw no GPU-hours on the pool is not spread over anybody.
    expect(num(rec.unattributed_cost)).toBe('50');
  });

  it('gives the features their deployments’ parts plus the pool idle by token share', async () => {
    const rows = await ctx.db.selectFrom('feature_monthly_results').selectAll().execute();
    const search = rows.find((r) => r.feature === 'search')!;
    const emb = rows.find((r) => r.feature === 'embeddings')!;
    const un = rows.find((r) => r.feature === 'unattributed');
    const total = Number(search.actual_cost) + Number(emb.actual_cost) + Number(un?.actual_cost ?? 0);
    expect(total.toFixed(2)).toBe('3409.69');
    // Pool idle $1,032.36 + $424.24 goes to the pool's features by their month tokens (47,000 : 4,800).
    const searchIdle = Number(search.actual_cost) - 1695;
    const embIdle = Number(emb.actual_cost) - 208.09;
    expect((searchIdle + embIdle).toFixed(2)).toBe('1456.60');
    expect(searchIdle / (searchIdle + embIdle)).toBeCloseTo(47_000 / 51_800, 3);
    // Idle cost of a feature: its deployment's idle hour plus its share of the idle nodes.
    expect(Number(search.idle_cost)).toBeCloseTo(49.16 + searchIdle, 2);
    expect(Number(emb.idle_cost)).toBeCloseTo(embIdle, 2);
  });
});
