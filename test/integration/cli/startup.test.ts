import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../..', import.meta.url).pathname;
const TRACE = new URL('../../helpers/module-trace.mjs', import.meta.url).pathname;
/** Heavy modules a `--version` or `--help` has no use for. */
const HEAVY = ['/node_modules/pg/', '/node_modules/@electric-sql/pglite/', '/node_modules/@aws-sdk/', '/node_modules/kysely/', '/node_modules/bullmq/', '/node_modules/ioredis/', '/node_modules/nodemailer/', '/node_modules/@resvg/', '/node_modules/pino/', '/node_modules/handlebars/', '/node_modules/tsx/', '/node_modules/zod/'];

function traced(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', TRACE, 'bin/breakeven.js', ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, LOG_LEVEL: '' } });
  const loaded = r.stderr.split('\n').filter((l) => l.startsWith('LOADED ')).map((l) => l.slice('LOADED '.length));
  return { ...r, loaded };
}

describe('compiled CLI start', () => {
  it('runs the compiled JavaScript from dist/ (the global setup builds it when stale)', () => {
    expect(existsSync(new URL('../../../dist/src/cli/main.js', import.meta.url))).toBe(true);
    const r = traced(['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')).version);
    expect(r.loaded.some((u) => u.endsWith('/dist/src/cli/main.js'))).toBe(true);
    expect(r.loaded.filter((u) => u.endsWith('.ts'))).toEqual([]);
  });

  it.each([['--version'], ['--help'], ['report', '--help'], ['worker', '--help']])('`breakeven %s` loads no database, queue, mail, chart or SDK module', (...args) => {
    const r = traced(args);
    expect(r.status).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(0);
    const heavy = r.loaded.filter((u) => HEAVY.some((h) => u.includes(h)));
    expect(heavy).toEqual([]);
    // The trace itself works: commander is always loaded.
    expect(r.loaded.some((u) => u.includes('/node_modules/commander/'))).toBe(true);
  });
});
