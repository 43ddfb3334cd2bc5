#!/usr/bin/env node
// `npm run build`: compiles src/, jobs/ and migrations/ to dist/ with tsc (tsconfig.build.json).
// `--if-stale` builds only when a source is newer than the last build (how `npm start`, `prepare`
// and the test suite's global setup call it, so a fresh clone or a `git pull` never runs old JS).
// After compiling, JavaScript whose source is gone is deleted: a renamed migration must not linger
// in dist/migrations, where the migrator would still find it.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const stamp = join(dist, '.build-stamp');
const SOURCE_DIRS = ['src', 'jobs', 'migrations'];
const CONFIG_FILES = ['tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];

function* files(dir) {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* files(p);
    else yield p;
  }
}

function newestSourceMtime() {
  let newest = 0;
  for (const d of SOURCE_DIRS) for (const f of files(join(root, d))) if (f.endsWith('.ts')) newest = Math.max(newest, statSync(f).mtimeMs);
  for (const f of CONFIG_FILES) if (existsSync(join(root, f))) newest = Math.max(newest, statSync(join(root, f)).mtimeMs);
  return newest;
}

function isStale() {
  return !existsSync(stamp) || statSync(stamp).mtimeMs < newestSourceMtime();
}

function pruneOrphans() {
  for (const d of SOURCE_DIRS) {
    for (const f of [...files(join(dist, d))]) {
      const m = /^(.*)\.js(\.map)?$/.exec(f);
      if (!m) continue;
      const source = join(root, `${relative(dist, m[1])}.ts`);
      if (!existsSync(source)) rmSync(f);
    }
  }
}

if (process.argv.includes('--if-stale') && !isStale()) process.exit(0);

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  console.error('breakeven build: typescript is not installed (a production install omits devDependencies); run `npm ci` first');
  process.exit(1);
}
const startedAt = Date.now();
const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root });
if (r.status !== 0) process.exit(r.status ?? 1);
pruneOrphans();
writeFileSync(stamp, `${new Date(startedAt).toISOString()}\n`);
