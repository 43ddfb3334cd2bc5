import type { Ctx } from '../context.ts';
import { errorMessage } from '../errors.ts';
import { httpLimitsFromEnv, type HttpDeps, type PageRecord } from '../sources/http.ts';
import { markAbandonedRuns } from './abandoned-runs.ts';
import { writeFacts, type FactBatch, type ReplaceScope } from './upsert.ts';
import { archivePages } from './raw-archive.ts';
import { recordSyncFailure, recordSyncSuccess } from '../db/repositories/sync-state.ts';

export interface WindowSpec {
  source: string;
  account?: string;
  start: Date;
  end: Date;
}

export interface WindowResult {
  source: string;
  start: Date;
  end: Date;
  rows: number;
  requests: number;
}

/** The HTTP dependencies of a connector, wired to the archive and the request counter of one run. */
export function httpDepsFor(ctx: Ctx, pages: PageRecord[]): HttpDeps {
  return {
    fetch: ctx.fetch,
    now: () => ctx.clock.now(),
    onPage: (p) => pages.push(p),
    limits: httpLimitsFromEnv(ctx.env),
    ...(ctx.sleep ? { sleep: ctx.sleep } : {}),
  };
}

/**
 * Runs one window of one source: collect (fetch every page, validate, normalize — no writes), then
 * one transaction writes the raw pages, the facts, the run record and the watermark. If anything
 * fails, nothing of the window's facts is written; the pages fetched so far (with the parse error
 * of the bad one) are archived in a separate transaction so the failure can be inspected and replayed.
 */
export async function ingestWindow(
  ctx: Ctx,
  spec: WindowSpec,
  collect: (http: HttpDeps, pages: PageRecord[]) => Promise<{ batch: FactBatch; scope: Omit<ReplaceScope, 'start' | 'end'>; requests?: number }>,
): Promise<WindowResult> {
  const account = spec.account ?? 'default';
  const log = ctx.log.child({ source: spec.source, window: `${spec.start.toISOString()}/${spec.end.toISOString()}` });
  const startedAt = ctx.clock.now();
  await markAbandonedRuns(ctx.db, { source: spec.source, account, now: startedAt, staleMs: ctx.env.BREAKEVEN_RUN_STALE_MS });
  const run = await ctx.db
    .insertInto('ingestion_runs')
    .values({ source: spec.source, account, window_start: spec.start, window_end: spec.end, started_at: startedAt, status: 'running' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const pages: PageRecord[] = [];
  try {
    const { batch, scope, requests } = await collect(httpDepsFor(ctx, pages), pages);
    const requestCount = requests ?? pages.length;
    const rows = await ctx.db.transaction().execute(async (trx) => {
      await archivePages(trx, spec.source, account, run.id, pages);
      const n = await writeFacts(trx, ctx.config, batch, { ...scope, account, start: spec.start, end: spec.end });
      await trx
        .updateTable('ingestion_runs')
        .set({ status: 'succeeded', finished_at: ctx.clock.now(), rows_written: n, requests_made: requestCount })
        .where('id', '=', run.id)
        .execute();
      await recordSyncSuccess(trx, { source: spec.source, account, watermark: spec.end, at: ctx.clock.now(), requests: requestCount });
      return n;
    });
    log.info({ rows, requests: requestCount }, 'window ingested');
    return { source: spec.source, start: spec.start, end: spec.end, rows, requests: requestCount };
  } catch (err) {
    const message = errorMessage(err);
    await ctx.db.transaction().execute(async (trx) => {
      await archivePages(trx, spec.source, account, run.id, pages);
      await trx
        .updateTable('ingestion_runs')
        .set({ status: 'failed', finished_at: ctx.clock.now(), error: message, requests_made: pages.length })
        .where('id', '=', run.id)
        .execute();
      await recordSyncFailure(trx, { source: spec.source, account, error: message, at: ctx.clock.now(), requests: pages.length });
    });
    // info, not warn: the error itself reaches the user once, as the command's line or the job's failure.
    log.info({ err: message }, 'window failed; nothing of it was written');
    throw err;
  }
}
