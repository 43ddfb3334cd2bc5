import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestWindow } from '../../../src/ingest/window.ts';
import { createTestContext, type TestCtx } from '../../helpers/db.ts';

let ctx: TestCtx;
const start = new Date('2026-05-01T00:00:00Z');
const end = new Date('2026-05-02T00:00:00Z');
const hour = (n: number) => new Date(start.getTime() + n * 3_600_000);

beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx?.destroy();
});

const count = async (deployment: string) =>
  Number((await ctx.db.selectFrom('serving_metrics').select((eb) => eb.fn.countAll().as('n')).where('deployment', '=', deployment).executeTakeFirstOrThrow()).n);

describe('window re-pulls replace facts, but an empty pull erases nothing', () => {
  it('keeps stored facts when the source answers with nothing (retention passed, wrong org, outage)', async () => {
    const rows = (dep: string, hours: number[]) => hours.map((h) => ({ hour: hour(h), deployment: dep, model: 'm', prompt_tokens: 10, generation_tokens: 5 }));
    await ingestWindow(ctx, { source: 'prometheus', start, end }, async () => ({
      batch: { serving: [...rows('a', [0, 1, 2]), ...rows('b', [0, 1])] },
      scope: { serving: true, gpu: true },
    }));
    expect([await count('a'), await count('b')]).toEqual([3, 2]);

    await ingestWindow(ctx, { source: 'prometheus', start, end }, async () => ({ batch: { serving: [], gpu: [] }, scope: { serving: true, gpu: true } }));
    expect([await count('a'), await count('b')]).toEqual([3, 2]);

    // A pull that returns deployment a only replaces a's rows (hour 2 is gone from the source) and leaves b alone.
    await ingestWindow(ctx, { source: 'prometheus', start, end }, async () => ({ batch: { serving: rows('a', [0, 1]) }, scope: { serving: true, gpu: true } }));
    expect([await count('a'), await count('b')]).toEqual([2, 2]);
  });

  it('re-derives a cost line\'s deployment on re-ingest (config changes reach stored lines)', async () => {
    const line = (deployment: string | null) => ({
      source: 'aws', line_key: 'gpu-line', charge_period_start: start, charge_period_end: end, provider_name: 'AWS',
      billing_currency: 'USD', billed_cost: '10', effective_cost: '10', deployment,
    });
    await ingestWindow(ctx, { source: 'aws', start, end }, async () => ({ batch: { costs: [line(null)] }, scope: { costSource: 'aws' } }));
    await ingestWindow(ctx, { source: 'aws', start, end }, async () => ({ batch: { costs: [line('rerank-70b')] }, scope: { costSource: 'aws' } }));
    const rows = await ctx.db.selectFrom('cost_line_items').select(['deployment']).where('source', '=', 'aws').execute();
    expect(rows).toEqual([{ deployment: 'rerank-70b' }]);
  });
});
