import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDb } from '../../helpers/db.ts';
import { spawn, spawnSync } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../../..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'bk-cli-'));
let testDb: TestDb;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  await testDb?.drop();
});

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['bin/breakeven.js', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', BREAKEVEN_DATA_DIR: join(dir, 'pgdata'), ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** cli() without blocking the event loop (a server in this process must answer meanwhile). */
function cliAsync(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/breakeven.js', ...args], { cwd: root, env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('CLI exit codes and messages (INTERFACES.md)', () => {
  it('exits 2 with the path of the bad key for an invalid config file', () => {
    const cfg = join(dir, 'bad.yaml');
    writeFileSync(cfg, 'features:\n  - { name: chat, architecture: cloud }\n');
    const r = cli(['compute', '--month', '2026-10', '--config', cfg]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('features[0].architecture');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('exits 2 for bad usage: a malformed month, a window that ends before it starts, an unknown command', () => {
    expect(cli(['compute', '--month', '2026-13', '--config', 'breakeven.config.example.yaml']).code).toBe(2);
    const w = cli(['ingest', 'openai', '--from', '2026-10-05', '--to', '2026-10-01', '--config', 'breakeven.config.example.yaml']);
    expect(w.code).toBe(2);
    expect(w.stderr).toContain('--to');
    expect(cli(['frobnicate']).code).toBe(2);
  });

  it('exits 2 naming the missing credential when a source is not configured', () => {
    const r = cli(['ingest', 'openai', '--from', '2026-10-01', '--to', '2026-10-02', '--config', 'breakeven.config.example.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/OPENAI_ADMIN_KEY/);
  });

  it('exits 1 with one line, no stack trace, when the vendor cannot be reached', () => {
    const r = cli(['ingest', 'openai', '--from', '2026-10-01', '--to', '2026-10-02', '--config', 'breakeven.config.example.yaml'], {
      OPENAI_ADMIN_KEY: 'sk-admin-x',
      OPENAI_BASE_URL: 'http://127.0.0.1:9/v1',
      DATABASE_URL: testDb.url,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('openai');
    expect(r.stderr).toContain('127.0.0.1:9');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }, 120_000);

  it('a date that does not exist is "not a calendar date" (exit 2), not a format error', () => {
    const r = cli(['ingest', 'openai', '--from', '2026-02-01', '--to', '2026-02-30', '--config', 'breakeven.config.example.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('breakeven: --to "2026-02-30" is not a calendar date');
  });

  it('with --json a failure is a JSON object on stdout (and the one line on stderr), for run-time and usage errors alike', () => {
    const bad = cli(['compute', '--month', '2026-13', '--json', '--config', 'breakeven.config.example.yaml']);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout)).toEqual({ error: '--month "2026-13" is not a calendar month (the month is 01–12)', exit_code: 2 });
    expect(bad.stderr).toContain('breakeven: --month "2026-13" is not a calendar month');
    const missing = cli(['backfill', '--from', '2026-09', '--json']);
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.stdout)).toEqual({ error: expect.stringContaining("required option '--to <YYYY-MM>' not specified"), exit_code: 2 });
    const noCredential = cli(['ingest', 'openai', '--from', '2026-10-01', '--to', '2026-10-02', '--json', '--config', 'breakeven.config.example.yaml']);
    expect(noCredential.code).toBe(2);
    expect(JSON.parse(noCredential.stdout).error).toMatch(/OPENAI_ADMIN_KEY/);
  });

  it('LOG_LEVEL=verbose is a usage error that lists the levels, not an internal error', () => {
    const r = cli(['compute', '--month', '2026-10', '--config', 'breakeven.config.example.yaml'], { LOG_LEVEL: 'verbose' });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('breakeven: LOG_LEVEL "verbose" is not a log level; use one of fatal, error, warn, info, debug, trace, silent');
  });

  it('--help says which --to is exclusive (ingest, a day) and which inclusive (backfill, a month)', () => {
    expect(cli(['ingest', 'openai', '--help']).stdout).toMatch(/--to <date>\s+end day, YYYY-MM-DD \(exclusive/);
    expect(cli(['backfill', '--help']).stdout).toMatch(/--to <YYYY-MM>\s+last month, inclusive/);
  });

  it('simulate refuses an unknown scenario and a port base out of range (exit 2), and says when its ports are taken (exit 1)', async () => {
    const scenario = cli(['simulate', '--scenario', 'acme']);
    expect(scenario.code).toBe(2);
    expect(scenario.stderr.trim()).toBe('breakeven: --scenario: unknown scenario "acme"; expected one of demo');
    const port = cli(['simulate', '--port-base', '65534']);
    expect(port.code).toBe(2);
    expect(port.stderr).toContain('--port-base must be a whole number from 1024 to 65531 (5 simulators take consecutive ports), got "65534"');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const taken = (server.address() as AddressInfo).port;
    try {
      // The taken port is the third simulator's: the first two start, then all are closed again.
      const r = await cliAsync(['simulate', '--port-base', String(taken - 2)]);
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe(`breakeven: a port from ${taken - 2} to ${taken + 2} is already in use (another \`breakeven simulate\`?): stop it or pass --port-base`);
    } finally {
      server.close();
    }
  });

  it('calc works without a database and prints JSON', () => {
    const r = cli(['calc', 'selfhost', '--gpu-hourly', '1.50', '--tps', '1500', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).rounded).toEqual({ beforeOverhead: 0.28, afterOverhead: 0.36 });
  });
});
