import type { Db } from '../db/connect.ts';

export const DEFAULT_RUN_STALE_MS = 30 * 60_000;

/**
 * A run of this source still `running` long after it started was killed mid-flight (SIGKILL, OOM,
 * a lost machine): nothing of it was committed (a window commits whole or not at all), and no
 * process will ever finish it. The next run of the same source marks it `abandoned`, so status
 * and analysts do not see it running forever. A run that is merely slow and does finish later
 * still records its real outcome: its final update is by id, whatever the status then is.
 */
export async function markAbandonedRuns(db: Db, args: { source: string; account?: string; now: Date; staleMs?: number | undefined }): Promise<number> {
  const before = new Date(args.now.getTime() - (args.staleMs ?? DEFAULT_RUN_STALE_MS));
  const result = await db
    .updateTable('ingestion_runs')
    .set({ status: 'abandoned', finished_at: args.now, error: `abandoned: still running ${Math.round((args.staleMs ?? DEFAULT_RUN_STALE_MS) / 60_000)} min after it started (its process was killed); marked by a later run` })
    .where('source', '=', args.source)
    .where('account', '=', args.account ?? 'default')
    .where('status', '=', 'running')
    .where('started_at', '<', before)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
