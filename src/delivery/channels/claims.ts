import { sql } from 'kysely';
import type { Db } from '../../db/connect.ts';
import { STALE_SENDING_MS } from '../claims.ts';
import type { ChannelType } from './types.ts';

export interface ChannelClaimKey {
  /** `report:YYYY-MM` or `alert:<alert key>:<YYYY-MM-DD>`. */
  subject: string;
  channel: ChannelType;
  recipient: string;
}

export type ChannelClaim = { claim: { id: string; attempts: number } } | { refused: { status: 'sent' | 'sending'; sentAt: Date | null; messageId: string | null } };

/**
 * Claims one send of `subject` on `channel` to `recipient`, atomically and before sending — the
 * same rules as the report emails' claimDelivery: a new row, or a 'failed' one, is taken; with
 * `force` also a 'sent' one or a 'sending' one abandoned for STALE_SENDING_MS. A concurrent run
 * loses on the row lock and is refused.
 */
export async function claimChannelSend(db: Db, key: ChannelClaimKey, opts: { force: boolean; now: Date; reportId?: string | null }): Promise<ChannelClaim> {
  const staleBefore = new Date(opts.now.getTime() - STALE_SENDING_MS);
  const { rows } = await sql<{ id: string; attempts: number }>`
    insert into channel_deliveries (subject, channel, recipient, report_id, status, attempts, updated_at)
    values (${key.subject}, ${key.channel}, ${key.recipient}, ${opts.reportId ?? null}, 'sending', 1, ${opts.now})
    on conflict (subject, channel, recipient) do update
       set status = 'sending', report_id = excluded.report_id, attempts = channel_deliveries.attempts + 1,
           error = null, updated_at = excluded.updated_at
     where channel_deliveries.status = 'failed'
        or (${opts.force} and (channel_deliveries.status = 'sent'
                               or (channel_deliveries.status = 'sending' and channel_deliveries.updated_at < ${staleBefore})))
    returning id::text as id, attempts`.execute(db);
  if (rows[0]) return { claim: { id: rows[0].id, attempts: rows[0].attempts } };
  const current = await db
    .selectFrom('channel_deliveries')
    .select(['status', 'sent_at', 'message_id'])
    .where('subject', '=', key.subject)
    .where('channel', '=', key.channel)
    .where('recipient', '=', key.recipient)
    .executeTakeFirstOrThrow();
  return { refused: { status: current.status === 'failed' ? 'sending' : current.status, sentAt: current.sent_at, messageId: current.message_id } };
}

export async function markChannelSent(db: Db, id: string, messageId: string, now: Date): Promise<void> {
  await db.updateTable('channel_deliveries').set({ status: 'sent', message_id: messageId, sent_at: now, error: null, updated_at: now }).where('id', '=', id).execute();
}

export async function markChannelFailed(db: Db, id: string, error: string, now: Date): Promise<void> {
  await db.updateTable('channel_deliveries').set({ status: 'failed', error: error.slice(0, 2000), updated_at: now }).where('id', '=', id).execute();
}
