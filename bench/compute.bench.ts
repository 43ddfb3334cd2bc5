/**
 * Benchmark: `compute --month` over ≥1M hourly usage rows and ≥100k serving rows, printed as a ratio
 * to a single GROUP BY scan of the same tables measured in the same run (no absolute timings are
 * asserted anywhere). Needs a Postgres server: BENCH_DATABASE_URL or TEST_DATABASE_URL or the local
 * default; it creates and drops its own database. BENCH_TIMINGS=1 logs compute's step timings.
 */
import { sql } from 'kysely';
import { configSchema } from '../src/config/schema.ts';
import { envSchema } from '../src/config/env.ts';
import { createContext } from '../src/context.ts';
import { computeMonth } from '../src/compute/month.ts';
import { fixedClock } from '../src/clock.ts';
import { createLogger, silentLogger } from '../src/log.ts';
import { writeFacts } from '../src/ingest/upsert.ts';
import type { ServingMetricInsert, UsageFactInsert } from '../src/db/types.ts';
import { createBenchDatabase } from './database.ts';

const USAGE_KEYS_PER_HOUR = Number(process.env.BENCH_USAGE_KEYS ?? 1400); // × 720 h ≈ 1.0M rows
const SERVING_MODELS_PER_HOUR = Number(process.env.BENCH_SERVING_MODELS ?? 140); // × 720 h ≈ 100k rows
const MONTH = new Date('2026-09-01T00:00:00Z');

const config = configSchema.parse({
  features: [
    ...Array.from({ length: 20 }, (_, i) => ({ name: `api-${i}`, architecture: 'api', rules: [{ source: 'openai', project_id: `proj_${i}` }], counterfactual: { profile: 'p' } })),
    ...Array.from({ length: 4 }, (_, i) => ({ name: `self-${i}`, architecture: 'self_hosted', rules: [{ source: 'prometheus', deployment: `dep${i}` }], counterfactual: { api_provider: 'openai', api_model: 'gpt-4o-mini' } })),
  ],
  deployments: Array.from({ length: 4 }, (_, i) => ({ name: `dep${i}`, feature: `self-${i}`, profile: 'p', gpus: 1, replicas: 2 })),
  gpus: { l40s: { memory_gib: 48, hourly_price: '1.861' } },
  profiles: { p: { model_class: '8b', gpu: 'l40s', tokens_per_second: 1500 } },
  ops: { monthly_cost: '4000' },
});

async function time<T>(fn: () => Promise<T>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

export async function benchCompute(): Promise<void> {
  const database = await createBenchDatabase();
  const ctx = await createContext({ env: envSchema.parse({ DATABASE_URL: database.url, LOG_LEVEL: 'silent' }), config, clock: fixedClock('2026-11-24T00:00:00Z'), log: process.env.BENCH_TIMINGS ? createLogger('debug') : silentLogger });
  try {
    process.stdout.write(`seeding ${USAGE_KEYS_PER_HOUR * 720} usage rows and ${SERVING_MODELS_PER_HOUR * 720} serving rows…\n`);
    // Facts go in through the ingest write path, one day window at a time, as a backfill would write them
    // (so the rollups compute reads are maintained exactly as in production).
    const models = ['gpt-4.1-2025-04-14', 'gpt-4o-mini-2024-07-18'];
    for (let d = 0; d < 30; d++) {
      const usage: UsageFactInsert[] = [];
      for (let h = d * 24; h < (d + 1) * 24; h++) {
        for (let k = 1; k <= USAGE_KEYS_PER_HOUR; k++) {
          usage.push({
            provider: 'openai', bucket_start: new Date(MONTH.getTime() + h * 3_600_000), bucket_end: new Date(MONTH.getTime() + (h + 1) * 3_600_000),
            project_id: `proj_${k % 25}`, api_key_id: `key_${k}`, model: models[k % 3 === 0 ? 0 : 1]!, service_tier: 'default', batch: k % 7 === 0,
            uncached_input_tokens: 1000 + ((k * 37 + h) % 5000), cache_read_tokens: (k * 13 + h) % 800, output_tokens: 100 + ((k * 7 + h) % 900), requests: 1 + ((k + h) % 20),
          });
        }
      }
      const serving: ServingMetricInsert[] = [];
      for (let h = d * 24; h < (d + 1) * 24; h++) {
        for (let m = 1; m <= SERVING_MODELS_PER_HOUR; m++) {
          const night = h % 24 < 6;
          serving.push({
            hour: new Date(MONTH.getTime() + h * 3_600_000), deployment: `dep${m % 4}`, model: `model-${m}`,
            prompt_tokens: night ? 0 : 20000 + ((m * 11 + h) % 9000), generation_tokens: night ? 0 : 3000 + ((m + h) % 700),
            requests: 10 + ((m + h) % 50), prefix_cache_queries: 20000, prefix_cache_hits: 5000,
          });
        }
      }
      await writeFacts(ctx.db, config, { usage, serving });
    }
    await sql`
      insert into cost_line_items (source, line_key, charge_period_start, charge_period_end, provider_name, billing_currency,
                                   billed_cost, effective_cost, x_project_id, x_model, x_token_type, x_line_item)
      select 'openai', 'proj_' || p || '|' || m || '|' || t, ${MONTH}::timestamptz + d * interval '1 day', ${MONTH}::timestamptz + (d + 1) * interval '1 day',
             'OpenAI', 'USD', round((10 + p * 3 + d)::numeric / 7, 6), round((10 + p * 3 + d)::numeric / 7, 6), 'proj_' || p, m, t, m || ', ' || t
        from generate_series(0, 29) d, generate_series(0, 24) p,
             unnest(array['gpt-4.1-2025-04-14', 'gpt-4o-mini-2024-07-18']) m, unnest(array['input', 'cached input', 'output']) t`.execute(ctx.db);
    await sql`
      insert into cost_line_items (source, line_key, charge_period_start, charge_period_end, provider_name, billing_currency,
                                   billed_cost, effective_cost, deployment, x_gpu_count)
      select 'aws', 'dep' || i, ${MONTH}::timestamptz + d * interval '1 day', ${MONTH}::timestamptz + (d + 1) * interval '1 day',
             'AWS', 'USD', 89.328, 80.1, 'dep' || i, 2
        from generate_series(0, 29) d, generate_series(0, 3) i`.execute(ctx.db);
    await sql`analyze`.execute(ctx.db);

    const scan = async () => {
      await sql`select project_id, model, sum(uncached_input_tokens), sum(cache_read_tokens), sum(output_tokens), sum(requests)
                  from usage_facts where bucket_start >= ${MONTH} group by 1, 2`.execute(ctx.db);
      await sql`select deployment, sum(prompt_tokens), sum(generation_tokens) from serving_metrics where hour >= ${MONTH} group by 1`.execute(ctx.db);
    };
    await scan(); // warm the cache for both measurements alike
    const baseline = await time(scan);
    const first = await time(() => computeMonth(ctx, MONTH));
    const second = await time(() => computeMonth(ctx, MONTH));
    // A rule change: every dimension is re-attributed and the month's load curve rebuilt from the facts.
    const renamed = { ...config, features: config.features.map((f) => (f.name === 'api-0' ? { ...f, rules: [{ source: 'openai' as const, project_id: 'proj_24' }] } : f)) };
    const changed = await time(() => computeMonth({ ...ctx, config: renamed }, MONTH));
    process.stdout.write(
      [
        `compute --month over ${USAGE_KEYS_PER_HOUR * 720} usage rows and ${SERVING_MODELS_PER_HOUR * 720} serving rows`,
        `  baseline (one GROUP BY scan of both tables): ${baseline.toFixed(0)} ms`,
        `  compute, first run:                          ${(first / baseline).toFixed(1)}× baseline`,
        `  compute, re-run (attribution unchanged):     ${(second / baseline).toFixed(1)}× baseline`,
        `  compute after a rule change (load rebuilt):  ${(changed / baseline).toFixed(1)}× baseline`,
        '',
      ].join('\n'),
    );
  } finally {
    await ctx.close();
    await database.drop();
  }
}
