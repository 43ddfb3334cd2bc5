/**
 * `npm run bench`: every benchmark, each printing its time as a ratio to a baseline measured in the
 * same run. `npm run bench -- compute` runs one.
 */
import { existsSync } from 'node:fs';

const only = process.argv[2];
const benches: Array<{ name: string; file: string; fn: string }> = [
  { name: 'compute', file: './compute.bench.ts', fn: 'benchCompute' },
  { name: 'ingest', file: './ingest.bench.ts', fn: 'benchIngest' },
  { name: 'backfill', file: './backfill.bench.ts', fn: 'benchBackfill' },
];
for (const b of benches) {
  if (only && b.name !== only) continue;
  if (!existsSync(new URL(b.file, import.meta.url))) continue;
  const mod = (await import(b.file)) as Record<string, () => Promise<void>>;
  process.stdout.write(`\n== bench ${b.name}\n`);
  await mod[b.fn]!();
}
