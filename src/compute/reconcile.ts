import type { Kysely } from 'kysely';
import type { Config } from '../config/schema.ts';
import type { Database } from '../db/types.ts';
import { priceUsage } from '../prices/catalog.ts';
import { dayKey } from '../time.ts';
import type { UsageDayRow } from './inputs.ts';
import type { Ledger, ToReporting } from './ledger.ts';
import { money, ZERO, type Dec } from './money.ts';

/**
 * Invoice against estimate per provider (COST-MODEL.md §1): the invoice is what the cost lines
 * billed (the ledger's sources); the estimate is usage × the dated list price at each day. The gap is
 * stored, as are unpriced tokens (never priced at $0), spend that no rule claimed, and money not
 * counted because another source already billed it (one bill once).
 */
export async function reconcile(
  db: Kysely<Database>,
  config: Config,
  month: Date,
  usage: UsageDayRow[],
  ledger: Ledger,
  unattributedBySource: Map<string, Dec>,
  toReporting: ToReporting,
  computedAt: Date,
): Promise<void> {
  const est = new Map<string, { estimate: Dec; unpriced: number; tokens: number }>();
  for (const u of perModelDay(usage)) {
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
            // cache_write counts all writes; the catalog prices 5m and 1h writes apart.
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
  const providers = new Set<string>([...est.keys(), ...ledger.sourceTotals.keys(), ...ledger.overlapSkipped.keys()]);
  const rows = [...providers].sort().map((provider) => {
    const invoice = ledger.sourceTotals.get(provider) ?? ZERO;
    const e = est.get(provider);
    return {
      month: dayKey(month),
      provider,
      currency: config.currency,
      invoice_cost: money(invoice),
      estimated_cost: e ? money(e.estimate.toDecimalPlaces(6)) : null,
      gap: e ? money(invoice.minus(e.estimate).toDecimalPlaces(6)) : null,
      unpriced_tokens: e?.unpriced ?? 0,
      unattributed_cost: money(unattributedBySource.get(provider) ?? ZERO),
      usage_without_cost: Boolean(e && e.tokens > 0 && !ledger.sourceTotals.has(provider)),
      // Usage-billed sources only: a GPU bill has no token usage to explain it.
      cost_without_usage: Boolean(ledger.unexplained.has(provider) && (!e || e.tokens === 0) && !invoice.isZero()),
      overlap_skipped_cost: money(ledger.overlapSkipped.get(provider) ?? ZERO),
      list_cost: ledger.listTotals.has(provider) ? money(ledger.listTotals.get(provider)!.list) : null,
      discount: ledger.listTotals.has(provider) ? money(ledger.listTotals.get(provider)!.discount) : null,
      computed_at: computedAt,
    };
  });
  if (rows.length) await db.insertInto('reconciliation_monthly').values(rows).execute();
}

/** Usage summed over features per provider × model × batch × day: each is priced once. */
function perModelDay(usage: UsageDayRow[]): UsageDayRow[] {
  const out = new Map<string, UsageDayRow>();
  const add = (a: string, b: string) => (BigInt(a) + BigInt(b)).toString();
  for (const u of usage) {
    const k = `${u.provider}|${u.model}|${u.batch}|${u.day}`;
    const m = out.get(k);
    if (!m) out.set(k, { ...u, feature: '' });
    else {
      m.requests = add(m.requests, u.requests);
      m.uncached = add(m.uncached, u.uncached);
      m.cache_read = add(m.cache_read, u.cache_read);
      m.cache_write = add(m.cache_write, u.cache_write);
      m.cache_write_1h = add(m.cache_write_1h, u.cache_write_1h);
      m.output = add(m.output, u.output);
    }
  }
  return [...out.values()];
}
