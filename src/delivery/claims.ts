import { sql } from 'kysely';
import type { Db } from '../db/connect.ts';

/** A claim on (month, recipient) older than this, still 'sending', is presumed dead (crash mid-send). */
export const STALE_SENDING_MS = 15 * 60_000;

export interface Claim {
  id: string;
  attempts: number;
}

export type ClaimRefusal = { status: 'sent' | 'sending' | 'unknown'; sentAt: Date | null; messageId: string | null };

/**
 * Claims the right to send `month`'s report to `recipient`, atomically and BEFORE sending: one
 * statement inserts the row as 'sending', or takes over an existing row only when it may be sent
 * again ('failed'; with force also 'sent', 'unknown' — a send whose outcome nobody knows — and
 * abandoned 'sending'). Two concurrent runs cannot
 * both win: the row lock serialises them and the loser's WHERE no longer matches. Returns null
 * (with the current row) when the claim is refused.
 */
export async function claimDelivery(
  db: Db,
  args: { month: string; recipient: string; reportId: string; force: boolean; now: Date },
): Promise<{ claim: Claim } | { refused: ClaimRefusal }> {
  const staleBefore = new Date(args.now.getTime() - STALE_SENDING_MS);
  const { rows } = await sql<{ id: string; attempts: number }>`
    insert into report_deliveries (month, recipient, report_id, status, attempts, updated_at)
    values (${args.month}, ${args.recipient}, ${args.reportId}, 'sending', 1, ${args.now})
    on conflict (month, recipient) do update
       set status = 'sending', report_id = excluded.report_id, attempts = report_deliveries.attempts + 1,
           error = null, updated_at = excluded.updated_at
     where report_deliveries.status = 'failed'
        or (${args.force} and (report_deliveries.status in ('sent', 'unknown')
                               or (report_deliveries.status = 'sending' and report_deliveries.updated_at < ${staleBefore})))
    returning id::text as id, attempts`.execute(db);
  if (rows[0]) return { claim: { id: rows[0].id, attempts: rows[0].attempts } };
  const current = await db
    .selectFrom('report_deliveries')
    .select(['status', 'sent_at', 'message_id'])
    .where('month', '=', args.month)
    .where('recipient', '=', args.recipient)
    .executeTakeFirstOrThrow();
  return { refused: { status: current.status === 'failed' ? 'sending' : current.status, sentAt: current.sent_at, messageId: current.message_id } };
}

export async function markSent(db: Db, id: string, messageId: string, now: Date): Promise<void> {
  await db
    .updateTable('report_deliveries')
    .set({ status: 'sent', message_id: messageId, sent_at: now, error: null, updated_at: now })
    .where('id', '=', id)
    .execute();
}

export async function markFailed(db: Db, id: string, error: string, now: Date): Promise<void> {
  await db.updateTable('report_deliveries').set({ status: 'failed', error: error.slice(0, 2000), updated_at: now }).where('id', '=', id).execute();
}

/**
 * The server took the message but never confirmed it (see SmtpOutcomeUnknownError): maybe
 * delivered. Kept apart from 'failed' so a retry does not send a second copy without --force;
 * `status` and the report's data quality list these rows.
 */
export async function markUnknown(db: Db, id: string, messageId: string, error: string, now: Date): Promise<void> {
  await db
    .updateTable('report_deliveries')
    .set({ status: 'unknown', message_id: messageId, error: error.slice(0, 2000), updated_at: now })
    .where('id', '=', id)
    .execute();
}

export interface UnknownDelivery {
  month: string;
  recipient: string;
  messageId: string | null;
  since: Date;
  error: string | null;
}

/** Deliveries whose outcome is unknown, oldest first (for `status` and the report's data quality). */
export async function unknownDeliveries(db: Db, month?: string): Promise<UnknownDelivery[]> {
  let q = db.selectFrom('report_deliveries').select(['month', 'recipient', 'message_id', 'updated_at', 'error']).where('status', '=', 'unknown');
  if (month) q = q.where('month', '=', month);
  const rows = await q.orderBy('updated_at').orderBy('recipient').execute();
  return rows.map((r) => ({ month: String(r.month).slice(0, 7), recipient: r.recipient, messageId: r.message_id, since: new Date(r.updated_at), error: r.error }));
}
