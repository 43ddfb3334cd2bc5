import { sql, type Kysely } from 'kysely';

// Hard spend limits a vendor reports (OpenAI organization and project spend_limit), as last read:
// one row per scope, replaced on every read, removed when the vendor no longer has one. Money is
// numeric in the limit's currency (OpenAI sends integer cents; stored in units of the currency).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table spend_limits (
      source text not null,
      account text not null default 'default',
      scope text not null check (scope in ('organization', 'project')),
      scope_id text not null default '',
      threshold_amount numeric not null,
      currency text not null,
      "interval" text,
      enforcement_status text,
      raw jsonb not null default '{}',
      fetched_at timestamptz not null,
      primary key (source, account, scope, scope_id)
    );
    grant select on spend_limits to breakeven_analyst;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists spend_limits`.execute(db);
}
