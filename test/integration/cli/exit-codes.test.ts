import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDb } from '../../helpers/db.ts';
import { spawnSync } from 'node:child_process';
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

  it('calc works without a database and prints JSON', () => {
    const r = cli(['calc', 'selfhost', '--gpu-hourly', '1.50', '--tps', '1500', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).rounded).toEqual({ beforeOverhead: 0.28, afterOverhead: 0.36 });
  });
});
