import { sql, type Kysely } from 'kysely';

/**
 * Delivery channels and alerts. `channel_deliveries` claims one send per (subject, channel,
 * recipient) — subject `report:YYYY-MM` or `alert:<key>:<day>` — the way report_deliveries claims a
 * report email per (month, recipient); email reports keep using report_deliveries. `alert_events`
 * is one row per alert raised on a day; `alert_evaluations` records which days were evaluated, so
 * "active" means raised on the latest evaluated day.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table channel_deliveries (
      id bigserial primary key,
      subject text not null,
      channel text not null check (channel in ('email', 'slack')),
      recipient text not null,
      report_id bigint references reports (id),
      status text not null check (status in ('sending', 'sent', 'failed')),
      message_id text,
      attempts integer not null default 0,
      error text,
      sent_at timestamptz,
      updated_at timestamptz not null default now(),
      unique (subject, channel, recipient)
    );

    create table alert_events (
      id bigserial primary key,
      alert_key text not null,
      day date not null,
      kind text not null check (kind in ('budget', 'spike_spend', 'spike_tokens')),
      feature text not null,
      observed numeric not null,
      threshold numeric not null,
      baseline numeric,
      currency text,
      message text not null,
      raised_at timestamptz not null,
      unique (alert_key, day)
    );

    create table alert_evaluations (
      day date primary key,
      evaluated_at timestamptz not null,
      alerts integer not null
    );
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists alert_evaluations, alert_events, channel_deliveries`.execute(db);
}
