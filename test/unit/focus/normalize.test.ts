import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOCAL_FIXTURES } from '../../helpers/env.ts';
import { readCsvRecords } from '../../../src/sources/focus/read.ts';
import { resolveHeader, type Header } from '../../../src/sources/focus/columns.ts';
import { cellValue, normalizeFocusRow, parseFocusTime, parseTags, rowIdentity } from '../../../src/sources/focus/normalize.ts';
import { toDecimalString } from '../../../src/sources/focus/money.ts';
import type { DeploymentConfig } from '../../../src/config/schema.ts';
import type { CostLineItemInsert } from '../../../src/db/types.ts';

const deployments: DeploymentConfig[] = [
  { name: 'copilot-vllm', profile: 'p', gpus: 1, replicas: 2, match: { hostnames: [], aws_tag: 'internal-copilot' } },
  { name: 'rerank-70b', profile: 'p', gpus: 8, replicas: 1, match: { hostnames: [], aws_tag: 'search-rerank' } },
];

/** The importer's row pipeline without the database. */
async function parse(name: string, provider?: string): Promise<{ header: Header; rows: Array<CostLineItemInsert & { line: number }> }> {
  const path = `${LOCAL_FIXTURES}focus/${name}`;
  let header: Header | null = null;
  const seen = new Map<string, number>();
  const rows: Array<CostLineItemInsert & { line: number }> = [];
  for await (const rec of readCsvRecords(path)) {
    if (!header) {
      header = resolveHeader(rec.cells, basename(path), { providerGiven: Boolean(provider) });
      continue;
    }
    const id = rowIdentity(header, rec.cells);
    const n = seen.get(id) ?? 0;
    seen.set(id, n + 1);
    rows.push({ ...normalizeFocusRow(header, rec.cells, `${id}#${n}`, { file: name, line: rec.line, provider, tagKey: 'feature', deployments }), line: rec.line });
  }
  return { header: header!, rows };
}

const iso = (d: unknown) => (d as Date).toISOString();

describe('FOCUS 1.0 sample (head10)', async () => {
  const { header, rows } = await parse('focus-1.0-sample.head10.csv');

  it('maps the 1.0 columns and keeps the extra ones', () => {
    expect(rows).toHaveLength(10);
    expect(header.extra).toEqual(expect.arrayContaining(['Id', 'AvailabilityZone', 'ListUnitPrice', 'ChargeFrequency', 'InvoiceIssuerName']));
    expect(header.extra).not.toContain('BilledCost');
    // FOCUS 1.2 columns we store in their own columns are no longer extras.
    for (const c of ['SubAccountId', 'SubAccountName', 'BillingPeriodStart', 'CommitmentDiscountId', 'CommitmentDiscountStatus']) expect(header.extra).not.toContain(c);
  });

  it('reads the first row: NULL as null, zone-less times as UTC, decimals exact', () => {
    const r = rows[0]!;
    expect(r.line).toBe(2);
    expect(r).toMatchObject({
      source: 'focus',
      account: 'AWS',
      provider_name: 'AWS',
      billing_account_id: '1234567890123',
      billing_currency: 'USD',
      billed_cost: '0.0000008',
      effective_cost: '0',
      list_cost: '0.0000008',
      contracted_cost: '0',
      charge_category: 'Usage',
      charge_class: null,
      service_name: 'Amazon Simple Queue Service',
      service_category: 'Integration',
      sku_id: 'G95FST5FTYV3JSRX',
      resource_id: 'arn:ats:sqs:us-test-2:347410479675:mibelllmel-i-032l64f2065481b12',
      resource_type: null,
      region_id: 'us-west-2',
      consumed_quantity: '2',
      consumed_unit: 'Requests',
      pricing_quantity: '2',
      tags: {},
      x_gpu_model: null,
      deployment: null,
    });
    expect(iso(r.charge_period_start)).toBe('2024-09-18T22:00:00.000Z');
    expect(iso(r.charge_period_end)).toBe('2024-09-18T23:00:00.000Z');
    expect(r.extra).toMatchObject({ Id: '11472', ListUnitPrice: '0.0000004' });
    expect(r).toMatchObject({ sub_account_name: 'Atlas Nimbus', billing_period_start: new Date('2024-09-01T00:00:00Z'), billing_period_end: new Date('2024-10-01T00:00:00Z') });
    expect(r.extra).not.toHaveProperty('AvailabilityZone'); // NULL is not kept
  });

  it('parses JSON tags (CSV-doubled quotes)', () => {
    expect(rows[1]!.tags).toEqual({ application: 'BrightLensMatrix', environment: 'dev', business_unit: 'ViennaAI' });
    expect(rows[1]!.billed_cost).toBe('0.0000160599');
  });

  it('gives every row a distinct, stable line key', async () => {
    const again = await parse('focus-1.0-sample.head10.csv');
    expect(again.rows.map((r) => r.line_key)).toEqual(rows.map((r) => r.line_key));
    expect(new Set(rows.map((r) => r.line_key)).size).toBe(10);
  });
});

describe('FOCUS 1.0 sample (selected rows: AWS GPU, credit, Oracle, Azure)', async () => {
  const { rows } = await parse('focus-1.0-sample.selected-rows.csv');
  const byId = (id: string) => rows.find((r) => (r.extra as Record<string, string>)['Id'] === id)!;

  it('detects the g5.4xlarge capacity from the charge description', () => {
    const g5 = byId('1756931');
    expect(g5).toMatchObject({ billed_cost: '1.624', effective_cost: '2', x_gpu_model: 'a10g', x_gpu_count: 1, resource_type: 'instance', resource_id: 'i-006flle71l19b488a' });
    expect(g5.extra).toMatchObject({ instance_type: 'g5.4xlarge' });
    expect(rows.filter((r) => r.x_gpu_model === 'a10g')).toHaveLength(4);
  });

  it('keeps negative credits exactly', () => {
    expect(byId('2555992')).toMatchObject({ charge_category: 'Credit', billed_cost: '-2.6137', effective_cost: '-3', list_cost: '-2.6137', contracted_cost: '-3', resource_type: null });
  });

  it('Oracle rows: NULL contracted cost, empty strings as null, per-row provider account', () => {
    const oci = byId('5136076');
    expect(oci).toMatchObject({ account: 'Oracle', provider_name: 'Oracle', billed_cost: '0.012', contracted_cost: null, region_id: null, service_name: 'COMPUTE', x_gpu_model: null });
    expect(oci.extra).not.toHaveProperty('BillingAccountName');
    expect(byId('5209478')).toMatchObject({ charge_category: 'Adjustment', billed_cost: '0.192', effective_cost: '0' });
  });

  it('Azure rows: daily periods, tags with odd keys kept as given', () => {
    const az = byId('5201819');
    expect(az).toMatchObject({ account: 'Microsoft', billing_account_id: '/providers/Microsoft.Billing/billingAccounts/8611537', contracted_cost: '0.0000000015', resource_type: 'Storage account' });
    expect(iso(az.charge_period_start)).toBe('2024-09-04T00:00:00.000Z');
    expect(iso(az.charge_period_end)).toBe('2024-09-05T00:00:00.000Z');
    expect(az.tags).toEqual({ env: 'prod', org: 'trey', ' org': 'trey', Project: 'Foo', CostCenter: '1234', CostAllocationTest: 'Sameer' });
  });

  it('the provider option overrides the account', async () => {
    const { rows: named } = await parse('focus-1.0-sample.selected-rows.csv', 'acme-billing');
    expect(new Set(named.map((r) => r.account))).toEqual(new Set(['acme-billing']));
    expect(named[0]!.provider_name).toBe('AWS');
  });
});

describe('FOCUS 1.2 columns, other clouds, scientific notation', async () => {
  const { header, rows } = await parse('focus-1.2-mixed-clouds.csv');

  it('keeps 1.2 and x_ columns in extra', () => {
    expect(header.extra).toEqual(['ServiceSubcategory', 'SkuMeter', 'InvoiceId', 'PricingCurrency', 'x_UsageType', 'x_Discounts']);
    expect(rows[3]!.extra).toMatchObject({ x_UsageType: 'USW2-BoxUsage:g6e.xlarge', x_Discounts: '[{"type":"sp"}]', InvoiceId: 'INV-4' });
  });

  it('Azure ND H100 v5 (EUR) joins the same GPU model and a deployment by tag', () => {
    expect(rows[0]).toMatchObject({ billing_currency: 'EUR', billed_cost: '98.4', effective_cost: '88.56', x_gpu_model: 'h100', x_gpu_count: 8, deployment: 'rerank-70b' });
  });

  it('converts scientific notation exactly and reads doubly escaped tags', () => {
    expect(rows[1]).toMatchObject({ billed_cost: '0.00000001', effective_cost: '0.0025', billing_currency: 'USD', x_gpu_model: 'h100', x_gpu_count: 8, tags: { team: 'search' } });
    expect(iso(rows[1]!.charge_period_start)).toBe('2026-10-01T00:00:00.000Z');
  });

  it('OCI credit with a correction class; an unreadable quantity is kept raw, not fatal', () => {
    expect(rows[2]).toMatchObject({ charge_category: 'Credit', charge_class: 'Correction', billed_cost: '-12.5', x_gpu_model: 'h100', consumed_quantity: null });
    expect(rows[2]!.extra).toMatchObject({ ConsumedQuantity_unparsed: 'n/a' });
  });

  it('identical rows stay distinct through the occurrence index; x_UsageType is the usage type', () => {
    expect(rows[3]!.line_key.replace(/#\d+$/, '')).toBe(rows[4]!.line_key.replace(/#\d+$/, ''));
    expect(rows[3]!.line_key.endsWith('#0')).toBe(true);
    expect(rows[4]!.line_key.endsWith('#1')).toBe(true);
    expect(rows[3]).toMatchObject({ x_usage_type: 'USW2-BoxUsage:g6e.xlarge', x_gpu_model: 'l40s', deployment: 'copilot-vllm' });
  });

  it('times with an offset are converted to UTC', () => {
    expect(rows[5]).toMatchObject({ billing_currency: 'GBP', charge_category: 'Tax', billed_cost: '7.25' });
    expect(iso(rows[5]!.charge_period_start)).toBe('2026-10-01T22:00:00.000Z');
  });
});

describe('strict on money and required columns', () => {
  it('a bad money cell names file, line and column', async () => {
    await expect(parse('focus-bad-money.csv')).rejects.toThrow('focus-bad-money.csv: line 4, column BilledCost: "12,50" is not a decimal number');
  });

  it('a missing required column names file and column', async () => {
    await expect(parse('focus-missing-effective-cost.csv')).rejects.toThrow('focus-missing-effective-cost.csv: missing required FOCUS column EffectiveCost');
  });
});

describe('cell helpers', () => {
  it('decimal strings', () => {
    expect(toDecimalString('1E-8')).toBe('0.00000001');
    expect(toDecimalString('-1.5e2')).toBe('-150');
    expect(toDecimalString('0.00000000000')).toBe('0');
    expect(toDecimalString('12,50')).toBeNull();
    expect(toDecimalString('1.2.3')).toBeNull();
    expect(toDecimalString('Infinity')).toBeNull();
  });

  it('times', () => {
    expect(parseFocusTime('2024-09-18 22:00:00')?.toISOString()).toBe('2024-09-18T22:00:00.000Z');
    expect(parseFocusTime('2024-09-18T22:00:00Z')?.toISOString()).toBe('2024-09-18T22:00:00.000Z');
    expect(parseFocusTime('2024-09-18T22:00:00.1234567Z')?.toISOString()).toBe('2024-09-18T22:00:00.123Z');
    expect(parseFocusTime('2024-09-18')?.toISOString()).toBe('2024-09-18T00:00:00.000Z');
    expect(parseFocusTime('2024-09-18 22:00:00 UTC')?.toISOString()).toBe('2024-09-18T22:00:00.000Z');
    expect(parseFocusTime('2024-09-18T22:00:00-0500')?.toISOString()).toBe('2024-09-19T03:00:00.000Z');
    expect(parseFocusTime('2024-02-30 00:00:00')).toBeNull();
    expect(parseFocusTime('18/09/2024')).toBeNull();
  });

  it('NULL and tags', () => {
    expect(cellValue('NULL')).toBeNull();
    expect(cellValue('')).toBeNull();
    expect(cellValue(' x ')).toBe('x');
    expect(parseTags('{"a": 1, "b": null}')).toEqual({ tags: { a: '1', b: '""' } });
    expect(parseTags('not json')).toEqual({ tags: {}, raw: 'not json' });
  });
});
