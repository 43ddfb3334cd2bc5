import { sql, type Kysely } from 'kysely';

// Model shutdown dates a vendor's API reports (OpenAI GET /v1/models `shutdown_date`), as last
// read: one row per provider × model, upserted on every read, removed when the vendor lists the
// model without a date again. A model no longer listed keeps its row (it is shut down, not
// reprieved). Compute merges these into the retirement table (src/prices/lifecycle.ts).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table model_shutdowns (
      provider text not null,
      model text not null,
      shutdown_date date not null,
      source text not null,
      fetched_at timestamptz not null,
      primary key (provider, model)
    );
    grant select on model_shutdowns to breakeven_analyst;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists model_shutdowns`.execute(db);
}
