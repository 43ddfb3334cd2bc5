import { describe, expect, it } from 'vitest';
import { queueLines } from '../../../src/cli/commands/status.ts';
import { jobWindow } from '../../../jobs/status.ts';

describe('status: queue lines', () => {
  it('names a job by step and window; a parent that failed because its child did names the child', () => {
    expect(jobWindow({ source: 'openai', from: '2026-09-01', to: '2026-10-01' })).toBe('openai 2026-09-01..2026-10-01');
    expect(jobWindow({ month: '2026-10' })).toBe('2026-10');
    expect(jobWindow({ day: '2026-10-03', send: true })).toBe('2026-10-03');
    expect(jobWindow(null)).toBeNull();
    const lines = queueLines({
      prefix: 'p',
      queues: [
        { name: 'ingest-openai', counts: { waiting: 0, completed: 3, delayed: 1 }, failed: [], schedulers: [{ id: 'x', jobName: 'plan-ingest', pattern: '15 2 * * *', every: null, tz: 'UTC', next: '2026-12-03T02:15:00.000Z' }] },
        {
          name: 'report',
          counts: { failed: 2 },
          failed: [
            { id: 'report:all:2026-11', name: 'report', window: '2026-11', reason: 'child p:compute:compute:all:2026-11 failed', attemptsMade: 1, failedAt: '2026-12-02T14:47:10.000Z' },
            { id: 'report:all:2026-09', name: 'report', window: '2026-09', reason: "ENOTDIR: not a directory,\n mkdir '/x/out/worker'", attemptsMade: 2, failedAt: '2026-12-02T14:40:00.000Z' },
          ],
          schedulers: [],
        },
      ],
    });
    expect(lines).toEqual([
      'queues (prefix p):',
      '  ingest-openai  1 delayed, 3 completed; next plan-ingest 2026-12-03 02:15 UTC',
      '  report         2 failed',
      'failed jobs (2; fix the cause and run the same backfill again):',
      '  report 2026-11: not run: compute:all:2026-11 failed (1 attempt, 2026-12-02 14:47 UTC)',
      "  report 2026-09: ENOTDIR: not a directory, mkdir '/x/out/worker' (2 attempts, 2026-12-02 14:40 UTC)",
    ]);
  });
});
