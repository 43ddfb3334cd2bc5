import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeMonth } from '../../../src/compute/month.ts';
import { renderMonthlyReport } from '../../../src/reports/render.ts';
import { startAnthropicSimulator } from '../../../src/simulators/anthropic.ts';
import { anthropicConnector } from '../../../src/sources/anthropic/connector.ts';
import { parseMonth } from '../../../src/time.ts';
import { createTestContext, type TestCtx } from '../../helpers/db.ts';
import { ADMIN_KEY, configWithApi, withApi, withSimulator } from './support.ts';

// An organisation that only answers the analytics API, at a negotiated 15 % off list: ingest (auto),
// compute and the report's reconciliation, which names the discount.
let ctx: TestCtx;

beforeAll(async () => {
  ctx = await createTestContext({ config: configWithApi('auto'), env: { ANTHROPIC_ADMIN_KEY: ADMIN_KEY } });
  const sim = await startAnthropicSimulator({ apis: ['analytics'], discount: '0.15' });
  try {
    await anthropicConnector.ingest(withApi(withSimulator(ctx, sim.url), 'auto'), { start: new Date('2026-10-05T00:00:00Z'), end: new Date('2026-10-07T00:00:00Z') });
  } finally {
    await sim.close();
  }
  await computeMonth(ctx, new Date('2026-10-01T00:00:00Z'));
}, 180_000);
afterAll(async () => {
  await ctx?.destroy();
});

describe('the negotiated discount in reconciliation', () => {
  it('records list − effective per provider and shows it in the report', async () => {
    const lines = await ctx.db.selectFrom('cost_line_items').select(['list_cost', 'effective_cost']).where('source', '=', 'anthropic').execute();
    const list = lines.reduce((s, l) => s.plus(l.list_cost!), new Decimal(0));
    const effective = lines.reduce((s, l) => s.plus(l.effective_cost), new Decimal(0));
    const rec = await ctx.db.selectFrom('reconciliation_monthly').selectAll().where('provider', '=', 'anthropic').executeTakeFirstOrThrow();
    expect(new Decimal(rec.list_cost!).equals(list)).toBe(true);
    expect(new Decimal(rec.discount!).equals(list.minus(effective))).toBe(true);
    // 15 % of list, within the simulator's per-line cent rounding.
    expect(new Decimal(rec.discount!).minus(list.times('0.15')).abs().lte('0.001')).toBe(true);

    const report = await renderMonthlyReport(ctx, parseMonth('2026-10'));
    const row = report.view.reconciliation.rows.find((r) => r.provider === 'anthropic')!;
    const money = (d: Decimal) => `$${d.toFixed(2, Decimal.ROUND_HALF_UP).replace(/\B(?=(\d{3})+(?!\d))/g, ',')}`;
    expect(row.notes).toContain(`negotiated discount ${money(list.minus(effective))} off ${money(list)} at list`);
    expect(report.text).toContain('negotiated discount');
  });
});
