import pg from 'pg';
import { adminUrl } from './helpers/env.ts';

/** Drops test databases left behind by earlier, interrupted runs (older than an hour). */
export default async function setup(): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>(`select datname from pg_database where datname like 'bk_test_%'`);
    const cutoff = Date.now() - 3_600_000;
    for (const { datname } of rows) {
      const ts = Number(datname.split('_')[2]);
      if (Number.isFinite(ts) && ts < cutoff) await client.query(`drop database if exists "${datname}" with (force)`);
    }
  } finally {
    await client.end();
  }
}
