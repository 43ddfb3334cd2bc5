import { spawnSync } from 'node:child_process';
import pg from 'pg';
import { adminUrl } from './helpers/env.ts';

/**
 * Before the suite: compiles dist/ when a source is newer than the last build (the CLI tests spawn
 * bin/breakeven.js, which runs dist/), then drops test databases left behind by earlier,
 * interrupted runs (older than an hour).
 */
export default async function setup(): Promise<void> {
  const build = spawnSync(process.execPath, [new URL('../scripts/build.mjs', import.meta.url).pathname, '--if-stale'], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('npm run build failed: the CLI tests run the compiled dist/');
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
