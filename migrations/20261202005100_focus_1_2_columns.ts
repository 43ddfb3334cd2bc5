import { sql, type Kysely } from 'kysely';

/**
 * FOCUS 1.2 columns the focus_costs view claimed but dropped: sub-account, billing account name,
 * billing period, and the commitment-discount columns. Stored on cost_line_items (NULL for sources
 * that do not report them) and appended at the END of focus_costs (CREATE OR REPLACE VIEW cannot
 * reorder). A correction of a prior billing period (ChargeClass = 'Correction') keeps the charge
 * period it corrects as charge_period_start, so it lands in that month; BillingPeriodStart says on
 * which invoice it arrived.
 */
const COLUMNS: Array<[string, string, string]> = [
  ['sub_account_id', 'text', 'SubAccountId'],
  ['sub_account_name', 'text', 'SubAccountName'],
  ['billing_account_name', 'text', 'BillingAccountName'],
  ['billing_period_start', 'timestamptz', 'BillingPeriodStart'],
  ['billing_period_end', 'timestamptz', 'BillingPeriodEnd'],
  ['commitment_discount_id', 'text', 'CommitmentDiscountId'],
  ['commitment_discount_name', 'text', 'CommitmentDiscountName'],
  ['commitment_discount_category', 'text', 'CommitmentDiscountCategory'],
  ['commitment_discount_type', 'text', 'CommitmentDiscountType'],
  ['commitment_discount_status', 'text', 'CommitmentDiscountStatus'],
  ['commitment_discount_quantity', 'numeric', 'CommitmentDiscountQuantity'],
  ['commitment_discount_unit', 'text', 'CommitmentDiscountUnit'],
];

const COMMENTS: Record<string, string> = {
  SubAccountId: 'FOCUS SubAccountId (AWS member account, Azure subscription, GCP project).',
  SubAccountName: 'FOCUS SubAccountName.',
  BillingAccountName: 'FOCUS BillingAccountName.',
  BillingPeriodStart: 'FOCUS BillingPeriodStart (inclusive): the invoice period the line was billed in. For a correction (ChargeClass = Correction) this is later than ChargePeriodStart, the period it corrects.',
  BillingPeriodEnd: 'FOCUS BillingPeriodEnd (exclusive).',
  CommitmentDiscountId: 'FOCUS CommitmentDiscountId (Savings Plan / reservation / CUD that applied).',
  CommitmentDiscountName: 'FOCUS CommitmentDiscountName.',
  CommitmentDiscountCategory: "FOCUS CommitmentDiscountCategory ('Spend' or 'Usage').",
  CommitmentDiscountType: 'FOCUS CommitmentDiscountType (provider label, e.g. Compute Savings Plan).',
  CommitmentDiscountStatus: "FOCUS CommitmentDiscountStatus ('Used' or 'Unused').",
  CommitmentDiscountQuantity: 'FOCUS CommitmentDiscountQuantity (1.1+).',
  CommitmentDiscountUnit: 'FOCUS CommitmentDiscountUnit (1.1+).',
};

const BASE_VIEW = sql`
  select billed_cost as "BilledCost", effective_cost as "EffectiveCost", list_cost as "ListCost",
         contracted_cost as "ContractedCost", billing_currency as "BillingCurrency",
         billing_account_id as "BillingAccountId",
         charge_period_start as "ChargePeriodStart", charge_period_end as "ChargePeriodEnd",
         charge_category as "ChargeCategory", charge_class as "ChargeClass",
         charge_description as "ChargeDescription",
         provider_name as "ProviderName", service_name as "ServiceName", service_category as "ServiceCategory",
         sku_id as "SkuId", resource_id as "ResourceId", resource_type as "ResourceType", region_id as "RegionId",
         consumed_quantity as "ConsumedQuantity", consumed_unit as "ConsumedUnit",
         pricing_quantity as "PricingQuantity", pricing_unit as "PricingUnit",
         tags as "Tags", coalesce(feature, 'unattributed') as x_feature, source as x_source,
         estimated as x_estimated, deployment as x_deployment`;

export async function up(db: Kysely<any>): Promise<void> {
  for (const [col, type] of COLUMNS) await sql`alter table cost_line_items add column ${sql.id(col)} ${sql.raw(type)}`.execute(db);
  const appended = sql.join(COLUMNS.map(([col, , focus]) => sql`${sql.id(col)} as ${sql.id(focus)}`));
  await sql`create or replace view focus_costs as ${BASE_VIEW}, ${appended} from cost_line_items`.execute(db);
  for (const [column, text] of Object.entries(COMMENTS)) await sql`comment on column ${sql.id('focus_costs', column)} is ${sql.lit(text)}`.execute(db);
  await sql`comment on column ${sql.id('focus_costs', 'ChargeClass')} is ${sql.lit("FOCUS ChargeClass: 'Correction' for a correction of a previously invoiced billing period (applied to the charge period it corrects), else NULL.")}`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  // A view cannot lose columns by CREATE OR REPLACE: drop and recreate it as it was.
  await sql`drop view if exists focus_costs`.execute(db);
  await sql`create view focus_costs as ${BASE_VIEW} from cost_line_items`.execute(db);
  await sql`grant select on focus_costs to breakeven_analyst`.execute(db);
  for (const [col] of COLUMNS) await sql`alter table cost_line_items drop column if exists ${sql.id(col)}`.execute(db);
}
