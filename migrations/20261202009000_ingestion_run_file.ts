import { sql, type Kysely } from 'kysely';

/**
 * The file a FOCUS import read (its base name; NULL for the windowed sources), so `breakeven status`
 * can list the imports per file instead of one indistinguishable row per run.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table ingestion_runs add column if not exists file text`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table ingestion_runs drop column if exists file`.execute(db);
}
