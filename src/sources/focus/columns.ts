import { InputError } from '../../errors.ts';

/**
 * FOCUS column handling across versions: 1.0 (43 columns), 1.1, 1.2 (57) and the pre-1.0 names
 * some exports still use. Headers are matched case-insensitively; unknown columns (provider
 * extras, `x_*` custom columns, a sample's `Id`) are kept, by their own name, in `extra`.
 */

/** FOCUS columns that map onto cost_line_items columns. */
export const MAPPED = [
  'BilledCost', 'EffectiveCost', 'ListCost', 'ContractedCost', 'BillingCurrency', 'BillingAccountId',
  'ChargePeriodStart', 'ChargePeriodEnd', 'ChargeCategory', 'ChargeClass', 'ChargeDescription',
  'ProviderName', 'ServiceName', 'ServiceCategory', 'SkuId', 'ResourceId', 'ResourceType', 'RegionId',
  'ConsumedQuantity', 'ConsumedUnit', 'PricingQuantity', 'PricingUnit', 'Tags',
  // FOCUS 1.2 columns kept in their own columns (migration 20261202005100) rather than in extra.
  'SubAccountId', 'SubAccountName', 'BillingAccountName', 'BillingPeriodStart', 'BillingPeriodEnd',
  'CommitmentDiscountId', 'CommitmentDiscountName', 'CommitmentDiscountCategory', 'CommitmentDiscountType',
  'CommitmentDiscountStatus', 'CommitmentDiscountQuantity', 'CommitmentDiscountUnit',
] as const;
export type MappedColumn = (typeof MAPPED)[number];

/** Older or provider-specific spellings → the FOCUS 1.x name. */
const ALIASES: Record<string, MappedColumn> = {
  amortizedcost: 'EffectiveCost', // FOCUS 0.5
  chargetype: 'ChargeCategory', // FOCUS 0.5
  usagequantity: 'ConsumedQuantity',
  usageunit: 'ConsumedUnit',
  serviceprovidername: 'ProviderName', // FOCUS 1.3 splits ProviderName into Service/Host provider
};

/** Money and quantities: never part of a row's identity (a restated amount is the same line). */
export const METRIC_COLUMNS = new Set([
  'billedcost', 'effectivecost', 'listcost', 'contractedcost', 'consumedquantity', 'pricingquantity',
  'listunitprice', 'contractedunitprice', 'commitmentdiscountquantity', 'pricingcurrencycontractedunitprice',
  'pricingcurrencyeffectivecost', 'pricingcurrencylistunitprice',
]);

export const MONEY_COLUMNS: MappedColumn[] = ['BilledCost', 'EffectiveCost', 'ListCost', 'ContractedCost'];
export const REQUIRED: MappedColumn[] = ['BilledCost', 'EffectiveCost', 'BillingCurrency', 'ChargePeriodStart', 'ChargePeriodEnd'];

export interface Header {
  /** Per cell index: the mapped FOCUS column, or null (kept in extra under `names[i]`). */
  mapped: Array<MappedColumn | null>;
  names: string[];
  index: Partial<Record<MappedColumn, number>>;
  extra: string[];
}

const CANONICAL = new Map(MAPPED.map((c) => [c.toLowerCase(), c]));

export function resolveHeader(cells: string[], file: string, opts: { providerGiven: boolean }): Header {
  const names = cells.map((c) => c.replace(/^\uFEFF/, '').trim());
  const index: Partial<Record<MappedColumn, number>> = {};
  // Exact names claim their column first, then aliases; a second spelling of a claimed column
  // (ServiceProviderName next to ProviderName) stays in extra.
  names.forEach((n, i) => {
    const col = CANONICAL.get(n.toLowerCase());
    if (col && index[col] === undefined) index[col] = i;
  });
  names.forEach((n, i) => {
    const col = ALIASES[n.toLowerCase()];
    if (col && index[col] === undefined) index[col] = i;
  });
  const finalMapped = names.map(() => null as MappedColumn | null);
  for (const [col, i] of Object.entries(index) as Array<[MappedColumn, number]>) finalMapped[i] = col;
  const required = opts.providerGiven ? REQUIRED : [...REQUIRED, 'ProviderName' as const];
  for (const col of required) {
    if (index[col] === undefined) {
      throw new InputError(`${file}: missing required FOCUS column ${col}${col === 'ProviderName' ? ' (or pass --provider)' : ''}`);
    }
  }
  return { mapped: finalMapped, names, index, extra: names.filter((_, i) => finalMapped[i] === null) };
}
