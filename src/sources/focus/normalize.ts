import { createHash } from 'node:crypto';
import type { DeploymentConfig } from '../../config/schema.ts';
import type { CostLineItemInsert } from '../../db/types.ts';
import { InputError } from '../../errors.ts';
import { detectGpu } from '../gpu-catalog.ts';
import { matchDeployment } from '../aws/deployment-match.ts';
import { METRIC_COLUMNS, type Header, type MappedColumn } from './columns.ts';
import { toDecimalString } from './money.ts';

export const FOCUS_SOURCE = 'focus';

export interface RowContext {
  file: string;
  line: number;
  provider?: string | undefined;
  tagKey: string;
  deployments: readonly DeploymentConfig[];
}

/** Literal NULL (any case) and empty cells are null. */
export function cellValue(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  const t = raw.trim();
  return t === '' || t.toUpperCase() === 'NULL' ? null : t;
}

/**
 * FOCUS times: ISO 8601 with Z or an offset, or `YYYY-MM-DD HH:MM:SS` / `YYYY-MM-DDTHH:MM:SS` /
 * `YYYY-MM-DD` without a zone, which exports mean as UTC.
 */
export function parseFocusTime(s: string): Date | null {
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?))?\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2})?$/i.exec(s.trim());
  if (!m) return null;
  let zone = (m[3] ?? 'Z').toUpperCase();
  if (zone === 'UTC' || zone === 'GMT') zone = 'Z';
  else if (/^[+-]\d{4}$/.test(zone)) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const time = m[2] ? (m[2].length === 5 ? `${m[2]}:00` : m[2]) : '00:00:00';
  const t = Date.parse(`${m[1]}T${time.replace(/(\.\d{3})\d+$/, '$1')}${zone}`);
  if (Number.isNaN(t)) return null;
  const d = new Date(t);
  // Reject impossible calendar dates that Date.parse would roll over (2024-02-30).
  if (zone === 'Z' && d.toISOString().slice(0, 10) !== m[1]) return null;
  return d;
}

/**
 * The Tags cell: a JSON object. Tolerates a producer that escaped quotes twice (`{""k"": ""v""}`
 * still inside the unquoted cell). Values become strings; an unparseable cell is kept raw.
 */
export function parseTags(raw: string | null): { tags: Record<string, string>; raw?: string } {
  if (raw === null) return { tags: {} };
  for (const text of [raw, raw.replace(/""/g, '"')]) {
    try {
      const v = JSON.parse(text) as unknown;
      if (v && typeof v === 'object' && !Array.isArray(v)) {
        return { tags: Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, typeof x === 'string' ? x : JSON.stringify(x ?? '')])) };
      }
    } catch {
      /* try the next reading */
    }
  }
  return { tags: {}, raw };
}

/**
 * The columns that identify a charge across re-deliveries of the same export. Invoice ids, tags and
 * descriptions are filled in or restated when a bill closes; they must not make a restated row a new
 * one (that would count the month twice), so they are not part of the identity.
 */
const IDENTITY_COLUMNS = new Set(
  [
    'ProviderName', 'BillingAccountId', 'SubAccountId', 'ChargePeriodStart', 'ChargePeriodEnd', 'ChargeCategory',
    'ChargeClass', 'ChargeFrequency', 'ServiceName', 'RegionId', 'ResourceId', 'SkuId', 'SkuPriceId',
    'CommitmentDiscountId', 'PricingUnit', 'ConsumedUnit',
  ].map((c) => c.toLowerCase()),
);

/** Hash of a row's identifying columns (see IDENTITY_COLUMNS), by column name. */
export function rowIdentity(header: Header, cells: string[]): string {
  const parts: Array<[string, string | null]> = [];
  header.names.forEach((n, i) => {
    if (IDENTITY_COLUMNS.has(n.toLowerCase())) parts.push([n, cellValue(cells[i])]);
  });
  parts.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
}

/**
 * One FOCUS row → a cost line. Lenient on format (NULL, zone-less times, extra columns), strict on
 * money: BilledCost/EffectiveCost must be decimals (scientific notation is converted exactly),
 * ListCost/ContractedCost decimals or null, BillingCurrency an ISO code. Errors name file, line, column.
 * `lineKey` is supplied by the caller (identity hash + occurrence index within the file).
 */
export function normalizeFocusRow(header: Header, cells: string[], lineKey: string, rc: RowContext): CostLineItemInsert {
  const get = (c: MappedColumn): string | null => {
    const i = header.index[c];
    return i === undefined ? null : cellValue(cells[i]);
  };
  const fail = (column: string, why: string): never => {
    throw new InputError(`${rc.file}: line ${rc.line}, column ${column}: ${why}`);
  };
  const money = (c: MappedColumn, required: boolean): string | null => {
    const v = get(c);
    if (v === null) return required ? fail(c, 'missing amount (money columns must be decimal numbers)') : null;
    return toDecimalString(v) ?? fail(c, `"${v.length > 40 ? `${v.slice(0, 37)}...` : v}" is not a decimal number`);
  };
  // Quantities are not money: an unreadable one is kept raw in extra rather than failing the file.
  const unparsed: Record<string, string> = {};
  const quantity = (c: MappedColumn): string | null => {
    const v = get(c);
    if (v === null) return null;
    const d = toDecimalString(v);
    if (d === null) unparsed[`${c}_unparsed`] = v;
    return d;
  };
  const time = (c: MappedColumn): Date => {
    const v = get(c);
    if (v === null) return fail(c, 'missing');
    return parseFocusTime(v) ?? fail(c, `"${v}" is not a date/time`);
  };
  const optionalTime = (c: MappedColumn): Date | null => (get(c) === null ? null : time(c));

  const billed = money('BilledCost', true)!;
  const effective = money('EffectiveCost', true)!;
  const currency = get('BillingCurrency')?.toUpperCase() ?? fail('BillingCurrency', 'missing currency');
  if (!/^[A-Z]{3}$/.test(currency)) fail('BillingCurrency', `"${currency}" is not an ISO 4217 currency code`);
  const start = time('ChargePeriodStart');
  const end = time('ChargePeriodEnd');
  if (end <= start) fail('ChargePeriodEnd', 'must be after ChargePeriodStart');
  const providerName = get('ProviderName') ?? rc.provider ?? fail('ProviderName', 'missing (or pass --provider)');
  const billingPeriodStart = optionalTime('BillingPeriodStart');
  const billingPeriodEnd = optionalTime('BillingPeriodEnd');
  if (billingPeriodStart && billingPeriodEnd && billingPeriodEnd <= billingPeriodStart) fail('BillingPeriodEnd', 'must be after BillingPeriodStart');
  const chargeClass = normalizeChargeClass(get('ChargeClass'), (why) => fail('ChargeClass', why));

  const extra: Record<string, unknown> = {};
  header.names.forEach((n, i) => {
    if (header.mapped[i] !== null) return;
    const v = cellValue(cells[i]);
    if (v !== null) extra[n] = v;
  });
  const consumed = quantity('ConsumedQuantity');
  const pricing = quantity('PricingQuantity');
  const commitmentQuantity = quantity('CommitmentDiscountQuantity');
  Object.assign(extra, unparsed);
  const { tags, raw: tagsRaw } = parseTags(get('Tags'));
  if (tagsRaw !== undefined) extra['tags_unparsed'] = tagsRaw;

  const xUsageType = typeof extra['x_UsageType'] === 'string' ? (extra['x_UsageType'] as string) : null;
  const gpuText = [get('ChargeDescription'), xUsageType, extra['SkuMeter'], extra['SkuPriceDetails'], ...Object.entries(extra).filter(([k]) => k.startsWith('x_')).map(([, v]) => v)]
    .filter((v): v is string => typeof v === 'string')
    .join(' | ');
  const gpu = detectGpu(gpuText);
  if (gpu) extra['instance_type'] = gpu.instanceType;
  const resourceId = get('ResourceId');

  return {
    source: FOCUS_SOURCE,
    account: rc.provider ?? providerName,
    line_key: lineKey,
    charge_period_start: start,
    charge_period_end: end,
    provider_name: providerName,
    billing_account_id: get('BillingAccountId'),
    billing_currency: currency,
    billed_cost: billed,
    effective_cost: effective,
    list_cost: money('ListCost', false),
    contracted_cost: money('ContractedCost', false),
    charge_category: get('ChargeCategory') ?? 'Usage',
    // A correction keeps the charge period it corrects: it is applied to that month, and
    // billing_period_start tells on which invoice it arrived (see docs/analysts.md).
    charge_class: chargeClass,
    charge_description: get('ChargeDescription'),
    service_name: get('ServiceName'),
    service_category: get('ServiceCategory'),
    sku_id: get('SkuId'),
    resource_id: resourceId,
    resource_type: get('ResourceType'),
    region_id: get('RegionId'),
    consumed_quantity: consumed,
    consumed_unit: get('ConsumedUnit'),
    pricing_quantity: pricing,
    pricing_unit: get('PricingUnit'),
    tags,
    sub_account_id: get('SubAccountId'),
    sub_account_name: get('SubAccountName'),
    billing_account_name: get('BillingAccountName'),
    billing_period_start: billingPeriodStart,
    billing_period_end: billingPeriodEnd,
    commitment_discount_id: get('CommitmentDiscountId'),
    commitment_discount_name: get('CommitmentDiscountName'),
    commitment_discount_category: get('CommitmentDiscountCategory'),
    commitment_discount_type: get('CommitmentDiscountType'),
    commitment_discount_status: get('CommitmentDiscountStatus'),
    commitment_discount_quantity: commitmentQuantity,
    commitment_discount_unit: get('CommitmentDiscountUnit'),
    x_usage_type: xUsageType,
    x_gpu_model: gpu?.gpu ?? null,
    x_gpu_count: gpu?.count ?? null,
    estimated: false,
    extra,
    deployment: matchDeployment(rc.deployments, {
      tag: tags[rc.tagKey] ?? null,
      resourceId,
      usageType: xUsageType ?? undefined,
    }),
  };
}

/**
 * FOCUS allows one ChargeClass value, "Correction" (a correction of a previously invoiced billing
 * period), or null. Case is normalized; anything else is an error rather than a guess, because a
 * misread correction would be applied to the wrong month.
 */
export function normalizeChargeClass(v: string | null, fail: (why: string) => never): 'Correction' | null {
  if (v === null) return null;
  if (v.toLowerCase() === 'correction') return 'Correction';
  return fail(`"${v}" is not a FOCUS ChargeClass (expected Correction or empty)`);
}
