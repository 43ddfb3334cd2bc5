import { sql } from 'kysely';
import { Decimal } from 'decimal.js';
import type { Ctx } from '../../context.ts';
import { errorMessage, SourceHttpError } from '../../errors.ts';
import { httpDepsFor } from '../../ingest/window.ts';
import { archivePages } from '../../ingest/raw-archive.ts';
import type { PageRecord } from '../http.ts';
import { fetchSpendLimit, SOURCE } from './client.ts';
import type { SpendLimit } from './schema.ts';

/** What one scope's read gave: a limit, "none set" (404), or "the key may not read it" (401/403). */
export type SpendLimitRead = { scope: 'organization' | 'project'; scopeId: string } & (
  | { state: 'limit'; limit: SpendLimit }
  | { state: 'none' }
  | { state: 'not_readable'; status: number }
  | { state: 'failed'; error: string }
);

export interface SpendLimitRefresh {
  reads: SpendLimitRead[];
  requests: number;
}

/** Cents (OpenAI's integer threshold_amount) to units of the currency, exactly. */
export const centsToUnits = (cents: number): string => new Decimal(cents).div(100).toFixed();

/**
 * Reads the organization's hard spend limit and each given project's, and stores what was read in
 * one transaction: a limit replaces the stored one, a 404 (no limit set) removes it, a key that may
 * not read limits (401/403) or any other failure leaves the stored row as it was. Never fails the
 * ingest that calls it: spend limits are context for the report, not facts of the bill. Every page
 * is archived in raw_payloads like a connector's.
 */
export async function refreshOpenAISpendLimits(ctx: Ctx, opts: { adminKey: string; projectIds: readonly string[] }): Promise<SpendLimitRefresh> {
  const pages: PageRecord[] = [];
  const client = { http: httpDepsFor(ctx, pages), baseUrl: ctx.env.OPENAI_BASE_URL, adminKey: opts.adminKey };
  const scopes: Array<{ scope: 'organization' | 'project'; scopeId: string }> = [
    { scope: 'organization', scopeId: '' },
    ...[...new Set(opts.projectIds)].sort().map((id) => ({ scope: 'project' as const, scopeId: id })),
  ];
  const reads: SpendLimitRead[] = [];
  for (const s of scopes) {
    try {
      reads.push({ ...s, state: 'limit', limit: await fetchSpendLimit(client, s.scope === 'project' ? s.scopeId : undefined) });
    } catch (err) {
      if (err instanceof SourceHttpError && err.status === 404) reads.push({ ...s, state: 'none' });
      else if (err instanceof SourceHttpError && (err.status === 401 || err.status === 403)) {
        reads.push({ ...s, state: 'not_readable', status: err.status });
        // One refusal answers for every scope: the key lacks the permission.
        break;
      } else reads.push({ ...s, state: 'failed', error: errorMessage(err) });
    }
  }
  const fetchedAt = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    // No ingestion run to point at.
    await archivePages(trx, SOURCE, 'default', null, pages);
    for (const r of reads) {
      if (r.state === 'none') {
        await trx.deleteFrom('spend_limits').where('source', '=', SOURCE).where('account', '=', 'default').where('scope', '=', r.scope).where('scope_id', '=', r.scopeId).execute();
      }
      if (r.state !== 'limit') continue;
      const row = {
        source: SOURCE,
        scope: r.scope,
        scope_id: r.scopeId,
        threshold_amount: centsToUnits(r.limit.threshold_amount),
        currency: r.limit.currency.toUpperCase(),
        interval: r.limit.interval ?? null,
        enforcement_status: r.limit.enforcement?.status ?? null,
        raw: JSON.stringify(r.limit),
        fetched_at: fetchedAt,
      };
      await trx
        .insertInto('spend_limits')
        .values(row)
        .onConflict((oc) =>
          oc.columns(['source', 'account', 'scope', 'scope_id']).doUpdateSet({
            threshold_amount: sql`excluded.threshold_amount`,
            currency: sql`excluded.currency`,
            interval: sql`excluded."interval"`,
            enforcement_status: sql`excluded.enforcement_status`,
            raw: sql`excluded.raw`,
            fetched_at: sql`excluded.fetched_at`,
          }),
        )
        .execute();
    }
  });
  for (const r of reads) {
    if (r.state === 'failed') ctx.log.warn({ source: SOURCE, scope: r.scope, scopeId: r.scopeId, err: r.error }, 'spend limit not read; the stored one is kept');
    if (r.state === 'not_readable') ctx.log.info({ source: SOURCE, status: r.status }, 'the admin key may not read spend limits; skipped');
  }
  return { reads, requests: pages.length };
}

/** The OpenAI projects seen in [start, end): in usage or on cost lines. */
export async function openaiProjectsIn(ctx: Ctx, range: { start: Date; end: Date }): Promise<string[]> {
  const r = await sql<{ project_id: string }>`
    select project_id from usage_facts
     where provider = ${SOURCE} and project_id is not null and bucket_start >= ${range.start} and bucket_start < ${range.end}
    union
    select x_project_id from cost_line_items
     where source = ${SOURCE} and x_project_id is not null and charge_period_start >= ${range.start} and charge_period_start < ${range.end}
    order by 1`.execute(ctx.db);
  return r.rows.map((x) => x.project_id);
}
