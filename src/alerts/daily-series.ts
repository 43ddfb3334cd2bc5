import { Decimal } from 'decimal.js';
import { dirname } from 'node:path';
import { readFile } from 'node:fs/promises';
import { sql } from 'kysely';
import type { Ctx } from '../context.ts';
import { loadFxTable } from '../prices/fx.ts';
import { addDays, dayKey, parseDay } from '../time.ts';

/** Per feature and UTC day: spend (reporting currency) and tokens, read only from the public views. */
export interface DailySeries {
  currency: string;
  spend: Map<string, Map<string, Decimal>>;
  tokens: Map<string, Map<string, Decimal>>;
}

/**
 * Reads `cost_daily` (effective cost, converted to the reporting currency at each day's rate) and
 * `usage_daily` (all four token kinds) for [from, to] inclusive. Only the public views: what is
 * behind them may change.
 */
export async function loadDailySeries(ctx: Ctx, from: Date, to: Date): Promise<DailySeries> {
  const currency = ctx.config.currency;
  const end = dayKey(addDays(to, 1));
  const { rows: costs } = await sql<{ day: string; feature: string; currency: string; spend: string }>`
    select to_char(day, 'YYYY-MM-DD') as day, feature, currency, sum(effective_cost)::text as spend
      from cost_daily where day >= ${dayKey(from)}::date and day < ${end}::date
     group by 1, 2, 3`.execute(ctx.db);
  const { rows: usage } = await sql<{ day: string; feature: string; tokens: string }>`
    select to_char(day, 'YYYY-MM-DD') as day, feature,
           sum(uncached_input_tokens + cache_read_tokens + cache_write_tokens + output_tokens)::text as tokens
      from usage_daily where day >= ${dayKey(from)}::date and day < ${end}::date
     group by 1, 2`.execute(ctx.db);
  const needsFx = costs.some((c) => c.currency !== currency);
  const fx = needsFx ? await loadFxTable(ctx.config, { readFile: (p) => readFile(p, 'utf8'), baseDir: dirname(ctx.configPath) }) : null;
  const spend = new Map<string, Map<string, Decimal>>();
  const tokens = new Map<string, Map<string, Decimal>>();
  const add = (m: Map<string, Map<string, Decimal>>, feature: string, day: string, v: Decimal) => {
    const byDay = m.get(feature) ?? new Map<string, Decimal>();
    byDay.set(day, (byDay.get(day) ?? new Decimal(0)).plus(v));
    m.set(feature, byDay);
  };
  for (const c of costs) {
    const amount = c.currency === currency ? c.spend : fx!.convert(c.spend, c.currency, currency, parseDay(c.day)).amount;
    add(spend, c.feature, c.day, new Decimal(amount));
  }
  for (const u of usage) add(tokens, u.feature, u.day, new Decimal(u.tokens));
  return { currency, spend, tokens };
}

/** The values of `days` from one feature's series, 0 where a day has no row. */
export const valuesOn = (series: Map<string, Decimal> | undefined, days: readonly string[]): Decimal[] => days.map((d) => series?.get(d) ?? new Decimal(0));
