import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli-process.ts';
import { createTestDatabase, type TestDb } from '../../helpers/db.ts';
import { LOCAL_FIXTURES, redisUrl } from '../../helpers/env.ts';
import { adminRedis, deletePrefix, testPrefix, waitFor } from '../jobs/helpers/redis.ts';

/** `breakeven status` as a reader sees it: a few lines per section, not the raw queue JSON. */
const root = new URL('../../..', import.meta.url).pathname;
const CONFIG = 'breakeven.config.example.yaml';
const prefix = testPrefix();
let db: TestDb;
let admin: Redis;

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runCli([...args, '--config', CONFIG], { cwd: root, env: { PATH: process.env.PATH ?? '', DATABASE_URL: db.url, ...env } });
}

beforeAll(async () => {
  db = await createTestDatabase();
  admin = adminRedis();
  // One failed compute job and one completed report job on our own prefix, as a worker leaves them.
  const compute = new Queue('compute', { connection: admin, prefix });
  const report = new Queue('report', { connection: admin, prefix });
  await compute.add('compute', { month: '2026-10' }, { jobId: 'compute:all:2026-10', attempts: 1 });
  await report.add('report', { month: '2026-09' }, { jobId: 'report:all:2026-09', attempts: 1 });
  const fail = new Worker('compute', async () => {
    throw new Error('no FX rate for GBP→USD on or before 2026-10-01');
  }, { connection: admin.duplicate({ maxRetriesPerRequest: null }), prefix });
  const ok = new Worker('report', async () => 'done', { connection: admin.duplicate({ maxRetriesPerRequest: null }), prefix });
  await waitFor('the jobs to finish', async () => (await compute.getJobCounts('failed')).failed === 1 && (await report.getJobCounts('completed')).completed === 1);
  await Promise.all([fail.close(), ok.close(), compute.close(), report.close()]);
}, 120_000);

afterAll(async () => {
  if (admin) {
    await deletePrefix(admin, prefix);
    admin.disconnect();
  }
  await db?.drop();
});

describe('breakeven status', () => {
  it('shows FOCUS imports once per billing account, however often and from however many files they came', async () => {
    for (const f of ['focus-1.2-mixed-clouds.csv', 'focus-1.2-mixed-clouds.csv', 'focus-1.0-sample.head10.csv']) {
      const r = await cli(['ingest', 'focus', '--file', `${LOCAL_FIXTURES}focus/${f}`]);
      expect(r.code, r.stderr).toBe(0);
    }
    const bad = await cli(['ingest', 'focus', '--file', `${LOCAL_FIXTURES}focus/focus-bad-money.csv`]);
    expect(bad.code).toBe(1);
    const r = await cli(['status']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    const head = lines.findIndex((l) => l.startsWith('FOCUS imports'));
    expect(lines[head]).toBe('FOCUS imports (`ingest focus`): 3 file import(s), 4 billing account(s)');
    expect(lines[head + 1]).toMatch(/^account\s+provider\s+first day\s+last day\s+months\s+rows\s+last import$/);
    const rows = lines.slice(head + 3, head + 7).map((l) => l.split(/\s{2,}/)[0]);
    expect(rows).toEqual(['AWS', 'Google Cloud', 'Microsoft', 'Oracle']);
    expect(lines[head + 7]).toBe('');
    // Then one line per file: the latest import's result, rows and period, and how often it was imported.
    expect(lines[head + 8]).toMatch(/^file\s+last import\s+result\s+rows\s+first day\s+last day\s+imports$/);
    const files = lines.slice(head + 10, head + 13).map((l) => l.split(/\s{2,}/));
    expect(files.map((f) => [f[0], f[2], f[f.length - 1]]).sort()).toEqual([
      ['focus-1.0-sample.head10.csv', 'ok', '1'],
      ['focus-1.2-mixed-clouds.csv', 'ok', '2'],
      ['focus-bad-money.csv', 'failed', '1'],
    ]);
    expect(lines[head + 13]).toMatch(/^ {2}focus-bad-money\.csv: focus-bad-money\.csv: line \d+, column \w+: /);
    // The windowed sources' table has no FOCUS rows.
    expect(lines.filter((l) => /^focus\s/.test(l))).toEqual([]);
    const json = JSON.parse((await cli(['status', '--json'])).stdout) as { focus: { accounts: Array<{ account: string; rows: number }>; imports: number } };
    expect(json.focus.imports).toBe(3);
    expect(json.focus.accounts.map((a) => a.account)).toEqual(['AWS', 'Google Cloud', 'Microsoft', 'Oracle']);
  }, 180_000);

  it('prints one line per queue with its counts, and each failed job by step and window with its reason', async () => {
    const r = await cli(['status'], { REDIS_URL: redisUrl(), BREAKEVEN_QUEUE_PREFIX: prefix });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('"counts"');
    const lines = r.stdout.split('\n');
    const head = lines.indexOf(`queues (prefix ${prefix}):`);
    expect(head).toBeGreaterThan(0);
    const queueLines = lines.slice(head + 1).filter((l) => l.startsWith('  ') && !l.includes(':'));
    expect(queueLines.map((l) => l.trim().split(/\s+/)[0])).toEqual(['ingest-openai', 'ingest-anthropic', 'ingest-aws', 'ingest-prometheus', 'ingest-opencost', 'compute', 'report']);
    expect(lines).toContain('  compute            1 failed');
    expect(lines).toContain('  report             1 completed');
    expect(lines).toContain('  ingest-openai      idle');
    expect(lines).toContain('failed jobs (1; fix the cause and run the same backfill again):');
    expect(lines.find((l) => l.startsWith('  compute 2026-10: '))).toMatch(/^ {2}compute 2026-10: no FX rate for GBP→USD on or before 2026-10-01 \(1 attempt, \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\)$/);
  }, 180_000);
});
