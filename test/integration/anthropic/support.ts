import { Decimal } from 'decimal.js';
import { sql } from 'kysely';
import type { Ctx } from '../../../src/context.ts';
import type { Config } from '../../../src/config/schema.ts';
import { exampleConfig } from '../../helpers/db.ts';
import { hourLoad, streamsOf } from '../../../src/simulators/scenario.ts';

export const ADMIN_KEY = 'sk-ant-admin-test';

/** A ctx pointed at one simulator (the database stays the file's own). */
export const withSimulator = (ctx: Ctx, url: string, key = ADMIN_KEY): Ctx => ({ ...ctx, env: { ...ctx.env, ANTHROPIC_BASE_URL: url, ANTHROPIC_ADMIN_KEY: key } });

export async function clearAll(ctx: Ctx): Promise<void> {
  await sql`truncate usage_facts, cost_line_items, raw_payloads, ingestion_runs, sync_state`.execute(ctx.db);
}

/** Every stored fact with its value columns (no ingested_at), in natural-key order. */
export async function snapshot(ctx: Ctx) {
  const usage = await ctx.db.selectFrom('usage_facts').innerJoin('usage_dims', 'usage_dims.dim_id', 'usage_facts.dim_id').selectAll('usage_facts').select('usage_dims.feature').orderBy('bucket_start').orderBy('api_key_id').orderBy('model').execute();
  const costs = await ctx.db.selectFrom('cost_line_items').selectAll().orderBy('charge_period_start').orderBy('line_key').execute();
  const strip = <T extends { ingested_at: Date }>({ ingested_at: _at, ...rest }: T) => rest;
  return { usage: usage.map(strip), costs: costs.map(strip) };
}

export interface KeyTotals {
  uncached: number;
  cacheRead: number;
  cacheWrite: number;
  output: number;
  /** Dollars, exact. */
  cost: Decimal;
}

/** USD per 1M tokens as the brief states them (independent of the simulator's own table). */
const PRICES: Record<string, { input: string; read: string; write5m: string; output: string }> = {
  'claude-sonnet-4-20250514': { input: '3', read: '0.30', write5m: '3.75', output: '15' },
  'claude-3-5-haiku-20241022': { input: '0.80', read: '0.08', write5m: '1.00', output: '4.00' },
};

/** Cents of one (day, model, token type) line: rounded to 5 decimals as the simulator bills. */
const lineCents = (tokens: number, pricePerM: string) => new Decimal(tokens).times(pricePerM).div(10_000).toDecimalPlaces(5, Decimal.ROUND_HALF_UP);

/** What the scenario says each Anthropic API key used and cost over whole days [start, end). */
export function scenarioTotals(start: Date, end: Date): Map<string, KeyTotals> {
  const out = new Map<string, KeyTotals>();
  for (let day = start.getTime(); day < end.getTime(); day += 86_400_000) {
    for (const s of streamsOf('anthropic')) {
      const d = { uncached: 0, cacheRead: 0, cacheWrite: 0, output: 0 };
      for (let h = day; h < day + 86_400_000; h += 3_600_000) {
        const l = hourLoad(s, new Date(h));
        d.uncached += l.uncachedInputTokens;
        d.cacheRead += l.cacheReadTokens;
        d.cacheWrite += l.cacheWriteTokens;
        d.output += l.outputTokens;
      }
      const p = PRICES[s.model]!;
      const cents = lineCents(d.uncached, p.input).plus(lineCents(d.cacheRead, p.read)).plus(lineCents(d.cacheWrite, p.write5m)).plus(lineCents(d.output, p.output));
      const key = s.dims.api_key_id!;
      const t = out.get(key) ?? { uncached: 0, cacheRead: 0, cacheWrite: 0, output: 0, cost: new Decimal(0) };
      t.uncached += d.uncached;
      t.cacheRead += d.cacheRead;
      t.cacheWrite += d.cacheWrite;
      t.output += d.output;
      t.cost = t.cost.plus(cents.div(100));
      out.set(key, t);
    }
  }
  return out;
}

/** Stored usage per API key and cost per model (the cost report has no key; each model has one key here). */
export async function storedTotals(ctx: Ctx) {
  const usage = await sql<{ api_key_id: string; model: string; uncached: string; cache_read: string; cache_write: string; output: string; requests: string }>`
    select api_key_id, model, sum(uncached_input_tokens)::text as uncached, sum(cache_read_tokens)::text as cache_read,
           sum(cache_write_tokens)::text as cache_write, sum(output_tokens)::text as output, sum(requests)::text as requests
      from usage_facts where provider = 'anthropic' group by api_key_id, model`.execute(ctx.db);
  const costs = await sql<{ model: string; cost: string }>`
    select x_model as model, sum(billed_cost)::text as cost from cost_line_items where source = 'anthropic' group by x_model`.execute(ctx.db);
  const costByModel = new Map(costs.rows.map((c) => [c.model, c.cost]));
  return new Map(
    usage.rows.map((u) => [
      u.api_key_id,
      { uncached: Number(u.uncached), cacheRead: Number(u.cache_read), cacheWrite: Number(u.cache_write), output: Number(u.output), requests: Number(u.requests), cost: costByModel.get(u.model) ?? '0' },
    ]),
  );
}

/** The example config reading one Admin API generation (the legacy tests pin `legacy`). */
export function configWithApi(api: 'analytics' | 'legacy' | 'auto'): Config {
  const c = exampleConfig();
  return { ...c, sources: { ...c.sources, anthropic: { ...c.sources.anthropic, api } } };
}

/** The same ctx reading another Admin API generation. */
export const withApi = (ctx: Ctx, api: 'analytics' | 'legacy' | 'auto'): Ctx => ({
  ...ctx,
  config: { ...ctx.config, sources: { ...ctx.config.sources, anthropic: { ...ctx.config.sources.anthropic, api } } },
});
