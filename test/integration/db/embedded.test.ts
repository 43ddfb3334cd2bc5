import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { connectDb } from '../../../src/db/connect.ts';
import { migrateToLatest } from '../../../src/db/migrate.ts';
import { LockedError } from '../../../src/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'bk-pglite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('embedded PGlite through Kysely\'s Postgres dialect', () => {
  it('migrates, keeps numeric and bigint exact, upserts on natural keys, and refuses a second opener', async () => {
    const dataDir = join(dir, 'pgdata');
    const h = await connectDb({ dataDir });
    try {
      expect(h.kind).toBe('pglite');
      const applied = await migrateToLatest(h.db);
      expect(applied.length).toBeGreaterThanOrEqual(3);
      const values = { source: 'x', line_key: 'k', charge_period_start: '2026-01-01T00:00:00Z', charge_period_end: '2026-01-02T00:00:00Z', provider_name: 'X', billing_currency: 'USD', billed_cost: '0.1000000001', effective_cost: '0.2' };
      for (const cost of ['0.1000000001', '12345678901234.5678901234']) {
        await h.db
          .insertInto('cost_line_items')
          .values({ ...values, billed_cost: cost })
          .onConflict((oc) => oc.constraint('cost_line_items_natural_key').doUpdateSet({ billed_cost: cost }))
          .execute();
      }
      const rows = await h.db.selectFrom('cost_line_items').select(['billed_cost', 'id']).execute();
      expect(rows).toHaveLength(1);
      expect(rows[0]!.billed_cost).toBe('12345678901234.5678901234');
      expect(typeof rows[0]!.id).toBe('string');

      // Same process: a clear error, not a second handle on the same files.
      await expect(connectDb({ dataDir })).rejects.toBeInstanceOf(LockedError);
      // Another process: a clear error too.
      const child = spawnSync(
        process.execPath,
        ['--import', 'tsx', '-e', `import('${new URL('../../../src/db/connect.ts', import.meta.url).pathname}').then(m => m.connectDb({ dataDir: ${JSON.stringify(dataDir)} })).then(() => process.exit(0), e => { console.error(e.message); process.exit(3); })`],
        { encoding: 'utf8', cwd: new URL('../../..', import.meta.url).pathname },
      );
      expect(child.status).toBe(3);
      expect(child.stderr).toContain(`is in use by process ${process.pid}`);
    } finally {
      await h.close();
    }
    // Released on close: it opens again and the data is still there.
    const again = await connectDb({ dataDir });
    try {
      const n = await again.db.selectFrom('cost_line_items').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
      expect(String(n.n)).toBe('1');
    } finally {
      await again.close();
    }
  });
});

describe('the embedded database lock', () => {
  it('takes over a lock left by a dead process, and by a restart that reused our pid', async () => {
    const { acquireDirLock } = await import('../../../src/db/lock.ts');
    const { writeFileSync, readFileSync, existsSync } = await import('node:fs');
    const { hostname } = await import('node:os');
    const dataDir = join(dir, 'stale');
    // A pid that cannot be alive (beyond pid_max) on this host.
    writeFileSync(`${dataDir}.lock`, `4194399\n${hostname()}\n`);
    const release = acquireDirLock(dataDir);
    expect(readFileSync(`${dataDir}.lock`, 'utf8')).toBe(`${process.pid}\n${hostname()}\n`);
    expect(() => acquireDirLock(dataDir)).toThrow(LockedError);
    release();
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
    writeFileSync(`${dataDir}.lock`, `${process.pid}\n${hostname()}\n`);
    acquireDirLock(dataDir)();
  });

  it('never takes over a lock held on another host', async () => {
    const { acquireDirLock } = await import('../../../src/db/lock.ts');
    const { writeFileSync } = await import('node:fs');
    const dataDir = join(dir, 'other-host');
    writeFileSync(`${dataDir}.lock`, `4194399\nsome-other-host\n`);
    expect(() => acquireDirLock(dataDir)).toThrow(/on some-other-host/);
  });
});
