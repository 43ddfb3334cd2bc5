/**
 * Benchmark: the ingest write path (archive the raw pages, COPY into staging, one set-based upsert,
 * stale removal, rollups) for usage rows, as a ratio to a plain COPY of the same rows into a table of
 * the same shape with the same indexes, measured in the same run. Needs a Postgres server
 * (BENCH_DATABASE_URL / TEST_DATABASE_URL / local default); creates and drops its own database.
 */
import { sql } from 'kysely';
import { configSchema } from '../src/config/schema.ts';
import { envSchema } from '../src/config/env.ts';
import { createContext } from '../src/context.ts';
import { fixedClock } from '../src/clock.ts';
import { silentLogger } from '../src/log.ts';
import { copyRows } from '../src/db/copy.ts';
import { writeFacts } from '../src/ingest/upsert.ts';
import { archivePages } from '../src/ingest/raw-archive.ts';
import type { UsageFactInsert } from '../src/db/types.ts';
import { createBenchDatabase } from './database.ts';

const ROWS = Number(process.env.BENCH_INGEST_ROWS ?? 200_000);
const KEYS = 1000;
const ROUNDS = Number(process.env.BENCH_INGEST_ROUNDS ?? 3);

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
const DAY = new Date('2026-09-01T00:00:00Z');

const config = configSchema.parse({
  features: Array.from({ length: 20 }, (_, i) => ({ name: `api-${i}`, architecture: 'api', rules: [{ source: 'openai', project_id: `proj_${i}` }] })),
});

function rows(): UsageFactInsert[] {
  const out: UsageFactInsert[] = [];
  for (let i = 0; i < ROWS; i++) {
    const k = i % KEYS;
    const h = Math.floor(i / KEYS);
    out.push({
      provider: 'openai', bucket_start: new Date(DAY.getTime() + h * 3_600_000), bucket_end: new Date(DAY.getTime() + (h + 1) * 3_600_000),
      project_id: `proj_${k % 25}`, api_key_id: `key_${k}`, model: k % 3 === 0 ? 'gpt-4.1-2025-04-14' : 'gpt-4o-mini-2024-07-18', service_tier: 'default', batch: k % 7 === 0,
      uncached_input_tokens: 1000 + ((k * 37 + h) % 5000), cache_read_tokens: (k * 13 + h) % 800, output_tokens: 100 + ((k * 7 + h) % 900), requests: 1 + ((k + h) % 20),
    });
  }
  return out;
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

export async function benchIngest(): Promise<void> {
  const database = await createBenchDatabase();
  const ctx = await createContext({ env: envSchema.parse({ DATABASE_URL: database.url, LOG_LEVEL: 'silent' }), config, clock: fixedClock('2026-11-24T00:00:00Z'), log: silentLogger });
  try {
    const facts = rows();
    const end = new Date(Math.max(...facts.slice(-KEYS).map((r) => new Date(r.bucket_end).getTime())));
    // What a connector hands over: the pages as fetched (a JSON body per 1,000 rows).
    const pages = Array.from({ length: Math.ceil(ROWS / 1000) }, (_, p) => ({
      request: { method: 'GET', url: 'http://127.0.0.1/v1/organization/usage/completions', params: { page: p } },
      status: 200,
      body: JSON.stringify({ object: 'page', data: facts.slice(p * 1000, (p + 1) * 1000) }),
      fetchedAt: new Date(),
    }));
    await sql`create table copy_target (like usage_facts including defaults including indexes including constraints)`.execute(ctx.db);
    const dimOf = new Map<string, number>();
    const copyCols = ['dim_id', 'provider', 'account', 'bucket_start', 'bucket_end', 'project_id', 'api_key_id', 'model', 'service_tier', 'batch', 'uncached_input_tokens', 'cache_read_tokens', 'output_tokens', 'requests'];
    const copy = () =>
      ctx.db.transaction().execute((trx) =>
        copyRows(trx, 'copy_target', copyCols, facts.map((r) => {
          const key = `${r.api_key_id}|${r.model}`;
          if (!dimOf.has(key)) dimOf.set(key, dimOf.size + 1);
          return [dimOf.get(key)!, r.provider, 'default', r.bucket_start, r.bucket_end, r.project_id, r.api_key_id, r.model, r.service_tier, r.batch, r.uncached_input_tokens, r.cache_read_tokens, r.output_tokens, r.requests];
        })),
      );
    const write = () =>
      ctx.db.transaction().execute(async (trx) => {
        const run = await trx.insertInto('ingestion_runs').values({ source: 'openai', window_start: DAY, window_end: end, started_at: new Date(), status: 'running' }).returning('id').executeTakeFirstOrThrow();
        await archivePages(trx, 'openai', 'default', run.id, pages);
        await writeFacts(trx, config, { usage: facts }, { start: DAY, end, usageProvider: 'openai' });
      });
    process.stdout.write(`ingest write path over ${ROWS} usage rows (${pages.length} raw pages), median of ${ROUNDS} rounds\n`);
    // Each round starts from empty tables: the COPY baseline, the write path on new rows, and the write
    // path on the same rows again. Medians, because one round on a shared machine swings by ±20 %.
    const baseline: number[] = [];
    const first: number[] = [];
    const again: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      await sql`truncate copy_target, usage_facts, usage_dims, usage_rollup_daily, usage_load_hourly, raw_payloads, ingestion_runs cascade`.execute(ctx.db);
      await sql`checkpoint`.execute(ctx.db);
      baseline.push(await time(copy));
      first.push(await time(write));
      again.push(await time(write));
    }
    const b = median(baseline);
    const f = median(first);
    const a = median(again);
    process.stdout.write(
      [
        `  baseline (CSV encode + COPY into a same-shaped table with the same indexes): ${b.toFixed(0)} ms`,
        `  write path, new rows:          ${(b / f).toFixed(2)}× COPY throughput (${(f / b).toFixed(2)}× its time)`,
        `  write path, same rows again:   ${(b / a).toFixed(2)}× COPY throughput (unchanged rows are not rewritten)`,
        '',
      ].join('\n'),
    );
  } finally {
    await ctx.close();
    await database.drop();
  }
}
