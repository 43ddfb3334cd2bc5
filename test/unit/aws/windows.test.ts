import { describe, expect, it } from 'vitest';
import { monthWindows } from '../../../src/sources/aws/windows.ts';

const d = (s: string) => new Date(`${s}T00:00:00Z`);
const keys = (ws: Array<{ start: Date; end: Date }>) => ws.map((w) => `${w.start.toISOString().slice(0, 10)}..${w.end.toISOString().slice(0, 10)}`);

describe('monthWindows', () => {
  it('splits a range at month boundaries and never goes past today', () => {
    const ws = monthWindows({ start: d('2026-09-15'), end: d('2026-12-01') }, new Date('2026-11-24T12:00:00Z'));
    expect(keys(ws)).toEqual(['2026-09-15..2026-10-01', '2026-10-01..2026-11-01', '2026-11-01..2026-11-24']);
  });

  it('a range inside one month is one window; a range starting today is none', () => {
    expect(keys(monthWindows({ start: d('2026-08-03'), end: d('2026-08-09') }, d('2026-11-24')))).toEqual(['2026-08-03..2026-08-09']);
    expect(monthWindows({ start: d('2026-11-24'), end: d('2026-11-30') }, new Date('2026-11-24T12:00:00Z'))).toEqual([]);
  });

  it('rounds partial days outward to whole days', () => {
    const ws = monthWindows({ start: new Date('2026-10-03T05:00:00Z'), end: new Date('2026-10-05T01:00:00Z') }, d('2026-11-24'));
    expect(keys(ws)).toEqual(['2026-10-03..2026-10-06']);
  });
});

