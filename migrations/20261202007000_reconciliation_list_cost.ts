import { sql, type Kysely } from 'kysely';

/**
 * The negotiated discount per provider and month: `list_cost` sums the list-price amount of the
 * invoice lines that report one (Anthropic analytics `list_amount`, FOCUS ListCost), `discount` is
 * that list amount less the same lines' effective cost. NULL where no line of the provider reported
 * a list price. Both in the reporting currency, like the other money columns.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table reconciliation_monthly add column list_cost numeric, add column discount numeric;
    comment on column reconciliation_monthly.list_cost is 'List-price amount of the lines that report one (Anthropic analytics list_amount, FOCUS ListCost); NULL when none does.';
    comment on column reconciliation_monthly.discount is 'list_cost minus the effective cost of the same lines: the negotiated discount; NULL when no line reports a list price.';
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table reconciliation_monthly drop column if exists list_cost, drop column if exists discount`.execute(db);
}
