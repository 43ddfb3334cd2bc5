import { describe, expect, it } from 'vitest';
import { planIncrementalWindow } from '../../../src/sources/openai/incremental.ts';

describe('planIncrementalWindow', () => {
  const now = new Date('2026-11-24T12:34:56Z');

  it('re-reads the lookback before the watermark, from UTC midnight, up to the last full hour', () => {
    expect(planIncrementalWindow({ watermark: new Date('2026-11-23T14:00:00Z'), lookbackDays: 3, now })).toEqual({
      start: new Date('2026-11-20T00:00:00Z'),
      end: new Date('2026-11-24T12:00:00Z'),
    });
  });

  it('with no watermark starts at the first day of the month three months back', () => {
    expect(planIncrementalWindow({ watermark: null, lookbackDays: 3, now })).toEqual({
      start: new Date('2026-08-01T00:00:00Z'),
      end: new Date('2026-11-24T12:00:00Z'),
    });
    expect(planIncrementalWindow({ watermark: null, lookbackDays: 3, now: new Date('2026-02-10T00:00:00Z') }).start).toEqual(new Date('2025-11-01T00:00:00Z'));
  });

  it('lookback 0 still restarts at the watermark day', () => {
    expect(planIncrementalWindow({ watermark: new Date('2026-11-24T09:00:00Z'), lookbackDays: 0, now }).start).toEqual(new Date('2026-11-24T00:00:00Z'));
  });
});
