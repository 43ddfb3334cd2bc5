import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The server benchmarks create their scratch databases on. */
export const benchAdminUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A fresh database for one benchmark run, dropped afterwards. */
export async function createBenchDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `bk_bench_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const c = new pg.Client({ connectionString: benchAdminUrl });
  await c.connect();
  await c.query(`create database "${name}"`);
  await c.end();
  const url = new URL(benchAdminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const d = new pg.Client({ connectionString: benchAdminUrl });
      await d.connect();
      await d.query(`drop database if exists "${name}" with (force)`);
      await d.end();
    },
  };
}
