import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestContext, type TestCtx } from '../../helpers/db.ts';
import { FIXTURES, LOCAL_FIXTURES } from '../../helpers/env.ts';
import { importFocusFile } from '../../../src/sources/focus/import.ts';
import { InputError } from '../../../src/errors.ts';

let ctx: TestCtx;
let dir: string;
const HANDMADE = `${LOCAL_FIXTURES}focus/focus-1.2-commitments-corrections.csv`;

beforeAll(async () => {
  ctx = await createTestContext();
  dir = mkdtempSync(join(tmpdir(), 'bk-focus12-'));
}, 120_000);
afterAll(async () => {
  await ctx?.destroy();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  await ctx.db.deleteFrom('cost_line_items').execute();
});

type ViewRow = Record<string, unknown>;
const view = async (where = sql`true`) =>
  (await sql<ViewRow>`select * from focus_costs where ${where} order by "ChargePeriodStart", "ChargeCategory", "BilledCost"`.execute(ctx.db)).rows;

describe('FOCUS 1.2 columns in focus_costs', () => {
  it('appends the new columns at the end of the view, after every column it had', async () => {
    const { rows } = await sql<{ column_name: string }>`
      select column_name from information_schema.columns where table_name = 'focus_costs' and table_schema = current_schema() order by ordinal_position`.execute(ctx.db);
    const names = rows.map((r) => r.column_name);
    expect(names.slice(0, 2)).toEqual(['BilledCost', 'EffectiveCost']);
    expect(names.indexOf('x_deployment')).toBeLessThan(names.indexOf('SubAccountId'));
    expect(names.slice(-12)).toEqual([
      'SubAccountId', 'SubAccountName', 'BillingAccountName', 'BillingPeriodStart', 'BillingPeriodEnd', 'CommitmentDiscountId', 'CommitmentDiscountName',
      'CommitmentDiscountCategory', 'CommitmentDiscountType', 'CommitmentDiscountStatus', 'CommitmentDiscountQuantity', 'CommitmentDiscountUnit',
    ]);
  });

  it('stores sub-account and billing period of the real multi-cloud sample', async () => {
    const r = await importFocusFile(ctx, { path: `${FIXTURES}gpu/focus-1.0-sample.selected-rows.csv` });
    expect(r.rows).toBe(13);
    expect(r.extraColumns).not.toContain('SubAccountId');
    expect(r.corrections).toEqual({ rows: 0, months: [] });
    const rows = await view();
    expect(new Set(rows.map((x) => (x.BillingPeriodStart as Date).toISOString()))).toEqual(new Set(['2024-09-01T00:00:00.000Z']));
    expect(new Set(rows.map((x) => (x.BillingPeriodEnd as Date).toISOString()))).toEqual(new Set(['2024-10-01T00:00:00.000Z']));
    const subs = new Set(rows.map((x) => `${x.ProviderName}|${x.SubAccountId}`));
    expect(subs).toContain('AWS|11353890204');
    expect([...subs].some((s) => s.startsWith('Microsoft|/subscriptions/64e355d7'))).toBe(true);
    expect(rows.every((x) => x.SubAccountName !== undefined)).toBe(true);
  });

  it('stores the commitment-discount columns of a hand-made 1.2 export', async () => {
    await importFocusFile(ctx, { path: HANDMADE });
    const used = await view(sql`"CommitmentDiscountStatus" = 'Used'`);
    expect(used).toHaveLength(2);
    expect(used[0]).toMatchObject({
      SubAccountId: '210987654321',
      SubAccountName: 'ml-prod',
      BillingAccountName: 'Acme Payer',
      CommitmentDiscountId: 'arn:aws:savingsplans::123456789012:savingsplan/3f1e2d4c-5b6a-4789-8c0d-1e2f3a4b5c6d',
      CommitmentDiscountName: 'ml-gpu-3yr',
      CommitmentDiscountCategory: 'Spend',
      CommitmentDiscountType: 'Compute Savings Plan',
      CommitmentDiscountQuantity: '1769.76',
      CommitmentDiscountUnit: 'USD',
      BilledCost: '0',
      EffectiveCost: '1769.76',
      ListCost: '2359.68',
    });
    const unused = await view(sql`"CommitmentDiscountStatus" = 'Unused'`);
    expect(unused.map((x) => [x.ChargeCategory, x.EffectiveCost])).toEqual([['Purchase', '120']]);
  });

  it('applies a correction of a prior period to the period it corrects, not to the invoice it arrived on', async () => {
    const r = await importFocusFile(ctx, { path: HANDMADE });
    expect(r.corrections).toEqual({ rows: 1, months: ['2026-09'] });
    const corr = await view(sql`"ChargeClass" = 'Correction'`);
    expect(corr).toHaveLength(1);
    // Attributed like any line (its feature tag), so the refund lowers search-rerank's September.
    expect(corr[0]).toMatchObject({ BilledCost: '-310.5', ChargeCategory: 'Credit', x_feature: 'search-rerank' });
    expect((corr[0]!.ChargePeriodStart as Date).toISOString()).toBe('2026-09-14T00:00:00.000Z');
    expect((corr[0]!.BillingPeriodStart as Date).toISOString()).toBe('2026-11-01T00:00:00.000Z');
    // cost_daily (and so compute's month) sees the refund on the day it corrects.
    const { rows } = await sql<{ day: string; billed: string }>`
      select to_char(day, 'YYYY-MM-DD') as day, sum(billed_cost)::text as billed from cost_daily where provider = 'focus' group by day order by day`.execute(ctx.db);
    expect(rows).toEqual([
      { day: '2026-09-14', billed: '-310.5' },
      { day: '2026-11-01', billed: '115.8' },
      { day: '2026-11-02', billed: '0' },
    ]);
    // A correction within the current billing period carries no ChargeClass (FOCUS: null), and stays in its own period.
    const adj = await view(sql`"ChargeCategory" = 'Adjustment'`);
    expect(adj.map((x) => [x.ChargeClass, (x.ChargePeriodStart as Date).toISOString().slice(0, 10)])).toEqual([[null, '2026-11-01']]);
  });

  it('rejects a ChargeClass FOCUS does not allow, naming file, line and column, and writes nothing', async () => {
    const text = readFileSync(HANDMADE, 'utf8').replace(',Correction,', ',Refund,');
    const path = join(dir, 'bad-charge-class.csv');
    writeFileSync(path, text);
    await expect(importFocusFile(ctx, { path })).rejects.toThrow(new InputError('bad-charge-class.csv: line 5, column ChargeClass: "Refund" is not a FOCUS ChargeClass (expected Correction or empty)'));
    expect((await view()).length).toBe(0);
  });

  it('rejects an unreadable billing period', async () => {
    const lines = readFileSync(HANDMADE, 'utf8').split('\n');
    lines[2] = lines[2]!.replace('2026-11-01T00:00:00Z,Usage', 'November 2026,Usage');
    const path = join(dir, 'bad-billing-period.csv');
    writeFileSync(path, lines.join('\n'));
    await expect(importFocusFile(ctx, { path })).rejects.toThrow(/bad-billing-period\.csv: line 3, column BillingPeriodStart: "November 2026" is not a date\/time/);
    expect((await view()).length).toBe(0);
  });
});
