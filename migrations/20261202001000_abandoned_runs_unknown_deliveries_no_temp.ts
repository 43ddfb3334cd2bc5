import { sql, type Kysely } from 'kysely';

// Issue 10 (faults production has):
// - an ingestion run killed mid-flight is marked `abandoned` by the next run of its source;
// - a delivery whose SMTP outcome is unknown (the server took the message, then dropped the
//   connection before its reply) is `unknown`, and not resent without --force;
// - the read-only analyst role may not create temporary tables. TEMP is granted to PUBLIC by
//   default, so it is revoked from PUBLIC and granted back to the role that runs breakeven (the
//   database owner keeps it anyway). Only the database owner may do that: a migration run by
//   another role leaves the grant as it is and says so.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table ingestion_runs drop constraint if exists ingestion_runs_status_check;
    alter table ingestion_runs add constraint ingestion_runs_status_check
      check (status in ('running', 'succeeded', 'failed', 'abandoned'));
    alter table report_deliveries drop constraint if exists report_deliveries_status_check;
    alter table report_deliveries add constraint report_deliveries_status_check
      check (status in ('sending', 'sent', 'failed', 'unknown'));
    do $$
    begin
      execute format('revoke temporary on database %I from public', current_database());
      execute format('revoke temporary on database %I from breakeven_analyst', current_database());
      execute format('grant temporary on database %I to %I', current_database(), current_user);
    exception when insufficient_privilege or undefined_object then
      raise notice 'breakeven: could not revoke TEMP on this database (%); do it as its owner', sqlerrm;
    end
    $$;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    update ingestion_runs set status = 'failed' where status = 'abandoned';
    alter table ingestion_runs drop constraint if exists ingestion_runs_status_check;
    alter table ingestion_runs add constraint ingestion_runs_status_check check (status in ('running', 'succeeded', 'failed'));
    update report_deliveries set status = 'failed' where status = 'unknown';
    alter table report_deliveries drop constraint if exists report_deliveries_status_check;
    alter table report_deliveries add constraint report_deliveries_status_check check (status in ('sending', 'sent', 'failed'));
    do $$
    begin
      execute format('grant temporary on database %I to public', current_database());
    exception when insufficient_privilege then
      raise notice 'breakeven: could not grant TEMP back to PUBLIC (%)', sqlerrm;
    end
    $$;
  `.execute(db);
}
