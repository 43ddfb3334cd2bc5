import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestContext, type TestCtx } from '../../helpers/db.ts';
import { LOCAL_FIXTURES } from '../../helpers/env.ts';
import { importFocusFile } from '../../../src/sources/focus/import.ts';
import { InputError } from '../../../src/errors.ts';

const fixture = (name: string) => `${LOCAL_FIXTURES}focus/${name}`;
let ctx: TestCtx;
let dir: string;

beforeAll(async () => {
  ctx = await createTestContext();
  dir = mkdtempSync(join(tmpdir(), 'bk-focus-'));
});
afterAll(async () => {
  await ctx?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const focusRows = (account?: string) => {
  let q = ctx.db.selectFrom('cost_line_items').selectAll().where('source', '=', 'focus');
  if (account) q = q.where('account', '=', account);
  return q.orderBy('line_key').execute();
};
const count = async () => Number((await ctx.db.selectFrom('cost_line_items').select(sql<string>`count(*)`.as('n')).where('source', '=', 'focus').executeTakeFirstOrThrow()).n);

describe('importFocusFile', () => {
  it('imports the FOCUS 1.0 sample; a second import of the same file changes nothing', async () => {
    const first = await importFocusFile(ctx, { path: fixture('focus-1.0-sample.head10.csv') });
    expect(first).toMatchObject({ rows: 10, gzip: false, accounts: ['AWS'], currencies: ['USD'], gpuRows: 0 });
    expect(first.periodStart?.toISOString()).toBe('2024-09-01T00:00:00.000Z');
    expect(first.periodEnd?.toISOString()).toBe('2024-09-30T23:00:00.000Z');
    const before = await focusRows();
    expect(before).toHaveLength(10);

    const second = await importFocusFile(ctx, { path: fixture('focus-1.0-sample.head10.csv') });
    expect(second.rows).toBe(10);
    const after = await focusRows();
    expect(after.map((r) => [r.id, r.line_key, r.billed_cost, r.effective_cost])).toEqual(before.map((r) => [r.id, r.line_key, r.billed_cost, r.effective_cost]));

    const sqs = after.find((r) => r.service_name === 'Amazon Simple Queue Service')!;
    expect(sqs).toMatchObject({ billed_cost: '0.0000008', provider_name: 'AWS', billing_currency: 'USD', charge_category: 'Usage', feature: null });
    const view = await sql<{ BilledCost: string; ServiceName: string; x_feature: string }>`
      select "BilledCost", "ServiceName", x_feature from focus_costs where x_source = 'focus' and "ServiceName" = 'Amazon Simple Queue Service'`.execute(ctx.db);
    expect(view.rows).toEqual([{ BilledCost: '0.0000008', ServiceName: 'Amazon Simple Queue Service', x_feature: 'unattributed' }]);
    const runs = await ctx.db.selectFrom('ingestion_runs').selectAll().where('source', '=', 'focus').execute();
    expect(runs.map((r) => [r.status, r.rows_written, r.account])).toEqual([
      ['succeeded', 10, 'AWS'],
      ['succeeded', 10, 'AWS'],
    ]);
  });

  it('gzip (by name and by magic bytes) gives the same rows as the plain file', async () => {
    const plain = await importFocusFile(ctx, { path: fixture('focus-1.0-sample.selected-rows.csv') });
    expect(plain).toMatchObject({ rows: 13, accounts: ['AWS', 'Microsoft', 'Oracle'], gpuRows: 4 });
    const snapshot = (await focusRows()).map((r) => [r.account, r.line_key, r.billed_cost, r.effective_cost, r.charge_period_start.toISOString()]);
    expect(snapshot).toHaveLength(23);

    const gz = join(dir, 'export.csv.gz');
    writeFileSync(gz, gzipSync(readFileSync(fixture('focus-1.0-sample.selected-rows.csv'))));
    const byName = await importFocusFile(ctx, { path: gz });
    expect(byName).toMatchObject({ rows: 13, gzip: true });
    expect((await focusRows()).map((r) => [r.account, r.line_key, r.billed_cost, r.effective_cost, r.charge_period_start.toISOString()])).toEqual(snapshot);

    const renamed = join(dir, 'export-renamed.csv');
    copyFileSync(gz, renamed);
    const byMagic = await importFocusFile(ctx, { path: renamed, provider: 'acme-billing' });
    expect(byMagic).toMatchObject({ rows: 13, gzip: true, accounts: ['acme-billing'] });
    expect(await focusRows('acme-billing')).toHaveLength(13);
  });

  it('stores negative amounts, non-USD currencies and tiny amounts exactly; GPU rows join deployments', async () => {
    const res = await importFocusFile(ctx, { path: fixture('focus-1.2-mixed-clouds.csv') });
    expect(res).toMatchObject({ rows: 6, currencies: ['EUR', 'GBP', 'USD'], gpuRows: 5 });
    const az = (await focusRows('Microsoft')).find((r) => r.billing_currency === 'EUR')!;
    expect(az).toMatchObject({ billed_cost: '98.4', effective_cost: '88.56', x_gpu_model: 'h100', x_gpu_count: 8, deployment: 'rerank-70b', feature: 'search-rerank' });
    const oci = (await focusRows('Oracle')).find((r) => r.charge_category === 'Credit')!;
    expect(oci).toMatchObject({ billed_cost: '-12.5', effective_cost: '-12.5', charge_class: 'Correction' });
    const gcp = await focusRows('Google Cloud');
    expect(gcp[0]).toMatchObject({ billed_cost: '0.00000001', effective_cost: '0.0025', tags: { team: 'search' } });
    const aws = (await focusRows('AWS')).filter((r) => r.x_usage_type === 'USW2-BoxUsage:g6e.xlarge');
    expect(aws).toHaveLength(2); // two identical lines in the file stay two rows
    expect(aws.every((r) => r.deployment === 'copilot-vllm' && r.feature === 'internal-copilot')).toBe(true);
    const sums = await sql<{ currency: string; billed: string }>`
      select billing_currency as currency, sum(billed_cost)::text as billed from cost_line_items
       where source = 'focus' and charge_period_start >= '2026-10-01' and charge_period_start < '2026-10-02' group by 1 order by 1`.execute(ctx.db);
    expect(sums.rows).toEqual([
      { currency: 'EUR', billed: '98.4' },
      { currency: 'GBP', billed: '7.25' },
      { currency: 'USD', billed: '-11.49999999' }, // -12.5 + 0.00000001 + 0.5 + 0.5
    ]);
  });

  it('a restated re-delivery (invoice id filled in, tags backfilled, amount corrected) replaces its rows instead of adding them', async () => {
    const original = readFileSync(fixture('focus-1.2-mixed-clouds.csv'), 'utf8');
    const lines = original.trimEnd().split('\n');
    const header = lines[0]!;
    const first = lines[1]!;
    const v1 = join(dir, 'restate-v1.csv');
    writeFileSync(v1, `${header}\n${first.replace(',INV-1,', ',NULL,')}\n`);
    const v2 = join(dir, 'restate-v2.csv');
    writeFileSync(v2, `${header}\n${first.replace('98.40,88.56,', '98.40,80.00,').replace('""search-rerank""', '""search-rerank"", ""team"": ""search""')}\n`);
    await importFocusFile(ctx, { path: v1, provider: 'restate-test' });
    await importFocusFile(ctx, { path: v2, provider: 'restate-test' });
    const rows = await focusRows('restate-test');
    expect(rows).toHaveLength(1);
    expect(rows[0]!.effective_cost).toBe('80');
    expect(rows[0]!.tags).toEqual({ feature: 'search-rerank', team: 'search' });
  });

  it('a bad money cell fails the whole file with file, line and column, writing nothing', async () => {
    const before = await count();
    const err = await importFocusFile(ctx, { path: fixture('focus-bad-money.csv') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toBe('focus-bad-money.csv: line 4, column BilledCost: "12,50" is not a decimal number');
    expect(await count()).toBe(before);
    const failed = await ctx.db.selectFrom('ingestion_runs').selectAll().where('source', '=', 'focus').where('status', '=', 'failed').execute();
    expect(failed).toHaveLength(1);
    expect(failed[0]!.error).toContain('line 4, column BilledCost');
  });

  it('a missing required column or a missing file is a clear InputError', async () => {
    const before = await count();
    await expect(importFocusFile(ctx, { path: fixture('focus-missing-effective-cost.csv') })).rejects.toThrow(
      'focus-missing-effective-cost.csv: missing required FOCUS column EffectiveCost',
    );
    await expect(importFocusFile(ctx, { path: join(dir, 'nope.csv') })).rejects.toThrow(/FOCUS file .*nope\.csv cannot be read/);
    const corrupt = join(dir, 'corrupt.csv.gz');
    writeFileSync(corrupt, Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from('not really gzip')]));
    await expect(importFocusFile(ctx, { path: corrupt })).rejects.toThrow(/corrupt\.csv\.gz: not a valid gzip file/);
    expect(await count()).toBe(before);
  });
});
