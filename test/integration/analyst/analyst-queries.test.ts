import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { computeMonth } from '../../../src/compute/month.ts';
import { createTestContext, type TestCtx } from '../../helpers/db.ts';
import { SEED_MONTH, seedConfig, seedMonth } from '../../helpers/seed-month.ts';

const doc = readFileSync(new URL('../../../docs/analysts.md', import.meta.url), 'utf8');
const queries = [...doc.matchAll(/### (.+)\n\n```sql\n([\s\S]*?)```/g)].map((m) => ({ title: m[1]!, sql: m[2]! }));

let ctx: TestCtx;
let client: pg.Client;

beforeAll(async () => {
  ctx = await createTestContext({ config: seedConfig });
  await seedMonth(ctx.db);
  await computeMonth(ctx, SEED_MONTH);
  client = new pg.Client({ connectionString: ctx.testDb.url });
  await client.connect();
  await client.query('set role breakeven_analyst');
});

afterAll(async () => {
  await client?.end();
  await ctx?.destroy();
});

describe('docs/analysts.md', () => {
  it('has at least ten example queries', () => {
    expect(queries.length).toBeGreaterThanOrEqual(10);
  });

  it('every example query runs as breakeven_analyst on a computed month and returns rows', async () => {
    const empty: string[] = [];
    for (const q of queries) {
      const r = await client.query(q.sql).catch((err: Error) => {
        throw new Error(`query "${q.title}" failed: ${err.message}`);
      });
      if (r.rows.length === 0) empty.push(q.title);
    }
    expect(empty).toEqual([]);
  });

  it('every analyst view and column is commented', async () => {
    const r = await client.query(`
      select c.relname as view, a.attname as column, col_description(c.oid, a.attnum) as comment
        from pg_class c join pg_attribute a on a.attrelid = c.oid and a.attnum > 0
       where c.relkind = 'v' and c.relnamespace = 'public'::regnamespace
         and c.relname in ('feature_monthly','usage_hourly','usage_daily','cost_daily','serving_hourly','focus_costs')`);
    const missing = r.rows.filter((row) => !row.comment).map((row) => `${row.view}.${row.column}`);
    expect(r.rows.length).toBeGreaterThan(60);
    expect(missing).toEqual([]);
  });

  it('the analyst role can write nothing', async () => {
    for (const stmt of [
      `insert into features (name, architecture) values ('x', 'api')`,
      `update feature_monthly_results set actual_cost = 0`,
      `delete from usage_facts`,
      `create table analyst_scratch (x int)`,
    ]) {
      await expect(client.query(stmt), stmt).rejects.toThrow(/permission denied/);
    }
  });
});
