import { Decimal } from 'decimal.js';
import { sql } from 'kysely';
import type { Ctx } from '../../../src/context.ts';
import type { Config } from '../../../src/config/schema.ts';
import { exampleConfig } from '../../helpers/db.ts';
import { hourLoad, streamsOf } from '../../../src/simulators/scenario.ts';

/** Every stored OpenAI fact with its value columns (no id, no ingested_at), in natural-key order. */
export async function snapshot(ctx: Ctx) {
  const usage = await ctx.db
    .selectFrom('usage_facts')
    .innerJoin('usage_dims', 'usage_dims.dim_id', 'usage_facts.dim_id')
    .selectAll('usage_facts')
    .select('usage_dims.feature')
    .orderBy('bucket_start')
    .orderBy('bucket_end')
    .orderBy('project_id')
    .orderBy('api_key_id')
    .orderBy('model')
    .orderBy('service_tier')
    .orderBy('batch')
    .execute();
  const costs = await ctx.db.selectFrom('cost_line_items').selectAll().orderBy('charge_period_start').orderBy('line_key').execute();
  const strip = <T extends { id: string; ingested_at: Date }>({ id: _id, ingested_at: _at, ...rest }: T) => { const { dim_id: _d, ...r } = rest as T & { dim_id?: unknown }; return r as Omit<T, 'id' | 'ingested_at' | 'dim_id'>; };
  return { usage: usage.map(strip), costs: costs.map(strip) };
}

export async function clearOpenAI(ctx: Ctx): Promise<void> {
  await sql`truncate usage_facts, cost_line_items, raw_payloads, ingestion_runs, sync_state`.execute(ctx.db);
}

export interface ProjectTotals {
  requests: number;
  uncached: number;
  cacheRead: number;
  cacheWrite: number;
  output: number;
  cost: Decimal;
}

/** USD per 1M tokens as the brief states them (independent of the simulator's own table). */
const PRICES: Record<string, [string, string, string]> = {
  'gpt-4.1-2025-04-14': ['2', '0.50', '8'],
  'gpt-4o-mini-2024-07-18': ['0.15', '0.075', '0.60'],
  'gpt-4.1-mini-2025-04-14': ['0.40', '0.10', '1.60'],
};

/** What the scenario says each OpenAI project used and should cost over [start, end) (whole hours). */
export function scenarioTotals(start: Date, end: Date): Map<string, ProjectTotals> {
  const out = new Map<string, ProjectTotals>();
  for (let t = start.getTime(); t < end.getTime(); t += 3_600_000) {
    for (const s of streamsOf('openai')) {
      const l = hourLoad(s, new Date(t));
      const p = out.get(s.dims.project_id!) ?? { requests: 0, uncached: 0, cacheRead: 0, cacheWrite: 0, output: 0, cost: new Decimal(0) };
      const [inP, cachedP, outP] = PRICES[s.model]!;
      const factor = s.dims.batch ? '0.5' : '1';
      p.requests += l.requests;
      p.uncached += l.uncachedInputTokens;
      p.cacheRead += l.cacheReadTokens;
      p.cacheWrite += l.cacheWriteTokens;
      p.output += l.outputTokens;
      p.cost = p.cost.plus(
        new Decimal(l.uncachedInputTokens + l.cacheWriteTokens).times(inP).plus(new Decimal(l.cacheReadTokens).times(cachedP)).plus(new Decimal(l.outputTokens).times(outP)).times(factor).div(1_000_000),
      );
      out.set(s.dims.project_id!, p);
    }
  }
  return out;
}

/** Stored totals per project (usage from usage_facts, cost from cost_line_items), numbers as strings from SQL. */
export async function storedTotals(ctx: Ctx): Promise<Map<string, { requests: number; uncached: number; cacheRead: number; cacheWrite: number; output: number; cost: string }>> {
  const usage = await sql<{ project_id: string; requests: string; uncached: string; cache_read: string; cache_write: string; output: string }>`
    select project_id, sum(requests)::text as requests, sum(uncached_input_tokens)::text as uncached,
           sum(cache_read_tokens)::text as cache_read, sum(cache_write_tokens)::text as cache_write, sum(output_tokens)::text as output
      from usage_facts where provider = 'openai' group by project_id`.execute(ctx.db);
  const costs = await sql<{ project_id: string; cost: string }>`
    select x_project_id as project_id, sum(billed_cost)::text as cost from cost_line_items where source = 'openai' group by x_project_id`.execute(ctx.db);
  const out = new Map<string, { requests: number; uncached: number; cacheRead: number; cacheWrite: number; output: number; cost: string }>();
  for (const u of usage.rows) {
    out.set(u.project_id, { requests: Number(u.requests), uncached: Number(u.uncached), cacheRead: Number(u.cache_read), cacheWrite: Number(u.cache_write), output: Number(u.output), cost: '0' });
  }
  for (const c of costs.rows) out.get(c.project_id)!.cost = c.cost;
  return out;
}

/**
 * The example config without the once-per-run reads after the windows (spend limits, /v1/models
 * shutdown dates), for tests that count a run's requests and archived pages exactly (those reads
 * have their own tests: additions.test.ts, model-shutdowns.test.ts).
 */
export function configWithoutPostIngestReads(): Config {
  const c = exampleConfig();
  return { ...c, sources: { ...c.sources, openai: { ...c.sources.openai, spend_limits: false, read_model_shutdowns: false } } };
}
