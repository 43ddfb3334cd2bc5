import { sql, type Kysely } from 'kysely';
import type { Config } from '../config/schema.ts';
import type { Database } from '../db/types.ts';
import { priceUsage } from '../prices/catalog.ts';
import { addMonths, dayKey } from '../time.ts';
import type { CostBook, ToReporting } from './allocate-costs.ts';
import { D, money, ZERO } from './money.ts';

/**
 * Invoice against estimate per provider (COST-MODEL.md §1): the invoice is what the cost endpoints
 * billed; the estimate is usage × the dated list price at each day. The gap is stored, as are
 * unpriced tokens (never priced at $0) and spend that no rule claimed.
 */
export async function reconcile(db: Kysely<Database>, config: Config, month: Date, book: CostBook, toReporting: ToReporting, computedAt: Date): Promise<void> {
  const usage = await sql<{ provider: string; model: string | null; batch: boolean; day: string; uncached: string; cache_read: string; cache_write: string; cache_write_1h: string; output: string }>`
    select provider, model, coalesce(batch, false) as batch, (bucket_start at time zone 'UTC')::date::text as day,
           sum(uncached_input_tokens)::bigint as uncached, sum(cache_read_tokens)::bigint as cache_read,
           sum(cache_write_tokens)::bigint as cache_write, sum(cache_write_1h_tokens)::bigint as cache_write_1h,
           sum(output_tokens)::bigint as output
      from usage_facts where bucket_start >= ${month} and bucket_start < ${addMonths(month, 1)}
     group by 1, 2, 3, 4 order by 1, 2, 3, 4`.execute(db);
  const est = new Map<string, { estimate: InstanceType<typeof D>; unpriced: number; tokens: number }>();
  for (const u of usage.rows) {
    const e = est.get(u.provider) ?? { estimate: ZERO, unpriced: 0, tokens: 0 };
    const tokens = Number(u.uncached) + Number(u.cache_read) + Number(u.cache_write) + Number(u.output);
    e.tokens += tokens;
    const priced = u.model
      ? priceUsage(
          {
            provider: u.provider,
            model: u.model,
            at: new Date(`${u.day}T12:00:00Z`),
            uncachedInputTokens: Number(u.uncached),
            cacheReadTokens: Number(u.cache_read),
            // usage_facts.cache_write_tokens counts all writes; the catalog prices 5m and 1h writes apart.
            cacheWriteTokens: Number(u.cache_write) - Number(u.cache_write_1h),
            cacheWrite1hTokens: Number(u.cache_write_1h),
            outputTokens: Number(u.output),
            batch: u.batch,
          },
          config,
        )
      : { priced: false as const, reason: 'no model' };
    if (priced.priced) e.estimate = e.estimate.plus(toReporting(priced.cost, priced.currency, u.day));
    else e.unpriced += tokens;
    est.set(u.provider, e);
  }
  await db.deleteFrom('reconciliation_monthly').where('month', '=', dayKey(month)).execute();
  const providers = new Set<string>([...est.keys(), ...book.sourceTotals.keys()]);
  const rows = [...providers].sort().map((provider) => {
    // Bedrock usage is billed on the AWS invoice; its estimate is compared against the AWS lines.
    const invoice = book.sourceTotals.get(provider) ?? ZERO;
    const e = est.get(provider);
    const unattributed = book.bySource.get(provider)?.get('unattributed') ?? ZERO;
    return {
      month: dayKey(month),
      provider,
      currency: config.currency,
      invoice_cost: money(invoice),
      estimated_cost: e ? money(e.estimate.toDecimalPlaces(6)) : null,
      gap: e ? money(invoice.minus(e.estimate).toDecimalPlaces(6)) : null,
      unpriced_tokens: e?.unpriced ?? 0,
      unattributed_cost: money(unattributed),
      usage_without_cost: Boolean(e && e.tokens > 0 && !book.sourceTotals.has(provider)),
      cost_without_usage: Boolean(book.sourceTotals.has(provider) && !invoice.isZero() && (!e || e.tokens === 0) && provider !== 'self_hosted' && provider !== 'aws' && provider !== 'focus'),
      computed_at: computedAt,
    };
  });
  if (rows.length) await db.insertInto('reconciliation_monthly').values(rows).execute();
}
