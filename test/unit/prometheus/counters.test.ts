import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { counterDelta, hourClosedBy, hourRanges, hourlyIncrements, resetHours } from '../../../src/sources/prometheus/counters.ts';
import { readHttpFixture } from './http-fixture.ts';
import { queryRangeResponse } from '../../../src/sources/prometheus/schema.ts';
import { parseSampleValue } from '../../../src/sources/prometheus/client.ts';

const H = 3600;
const T = 1735689600; // 2025-01-01T00:00:00Z

describe('counter arithmetic', () => {
  it('a drop is a restart from zero', () => {
    expect(counterDelta(100, 150)).toBe(50);
    expect(counterDelta(100, 100)).toBe(0);
    expect(counterDelta(100, 7)).toBe(7);
  });

  it('a point closes the hour it ends: (H, H+1h] → H', () => {
    expect(hourClosedBy(T + H)).toBe(T);
    expect(hourClosedBy(T + 1)).toBe(T);
    expect(hourClosedBy(T + H + 1)).toBe(T + H);
  });

  it('hourly increments from hour-end values; the first point is only a baseline', () => {
    const pts: Array<[number, number | null]> = [
      [T, 1000],
      [T + H, 1500],
      [T + 2 * H, 1500],
      [T + 3 * H, 200], // restarted: 200 counted since the restart
      [T + 4 * H, null], // NaN: skipped
      [T + 5 * H, 900],
    ];
    expect([...hourlyIncrements(pts, T, T + 5 * H)]).toEqual([
      [T, 500],
      [T + H, 0],
      [T + 2 * H, 200],
      [T + 4 * H, 700], // across the NaN gap: lands in the hour closed by the next valid point
    ]);
    // Window bounds: hours outside [from, to) are not reported.
    expect([...hourlyIncrements(pts, T + H, T + 3 * H).keys()]).toEqual([T + H, T + 2 * H]);
  });

  it('sums exactly over any resets when every sample is seen (fine step = scrape interval)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ inc: fc.integer({ min: 0, max: 50_000 }), reset: fc.boolean() }), { minLength: 1, maxLength: 400 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        (steps, initial) => {
          const pts: Array<[number, number]> = [[T, initial]];
          const perHour = new Map<number, number>();
          let v = initial;
          steps.forEach(({ inc, reset }, i) => {
            // A restart only shows as one when the counter actually drops (a real counter's first sample after restart is small).
            const restart = reset && inc < v;
            v = (restart ? 0 : v) + inc;
            const t = T + 60 * (i + 1);
            pts.push([t, v]);
            perHour.set(hourClosedBy(t), (perHour.get(hourClosedBy(t)) ?? 0) + inc);
          });
          const got = hourlyIncrements(pts, T, T + 24 * H);
          expect(Object.fromEntries(got)).toEqual(Object.fromEntries(perHour));
        },
      ),
    );
  });

  it('reads increments from a real range response (qr_counter: 1200 tokens/min at a 5-minute step)', () => {
    const body = queryRangeResponse.parse(JSON.parse(readHttpFixture('qr_counter.http').body));
    if (body.status !== 'success') throw new Error('fixture');
    const pts = body.data.result[0]!.values.map(([t, v]) => [t, parseSampleValue(v)] as [number, number | null]);
    expect([...hourlyIncrements(pts, T, T + H)]).toEqual([[T, 24_000]]);
  });

  it('reset hours from resets(x[65m]) at hour ends; ranges merge adjacent hours', () => {
    expect(resetHours([[T + H, 0], [T + 2 * H, 1], [T + 3 * H, null], [T + 4 * H, 2]], T, T + 3 * H)).toEqual([T + H]);
    expect(hourRanges([T + 3 * H, T, T + H, T + H, T + 5 * H])).toEqual([
      { start: T, end: T + 2 * H },
      { start: T + 3 * H, end: T + 4 * H },
      { start: T + 5 * H, end: T + 6 * H },
    ]);
  });
});

describe('counters never go negative', () => {
  const T = 1_767_225_600; // 2026-01-01T00:00:00Z
  const H = 3600;
  it('a negative sample fails with the series and the time, instead of a negative increment', async () => {
    const { NegativeCounterError } = await import('../../../src/sources/prometheus/counters.ts');
    const pts: Array<[number, number]> = [
      [T, 100],
      [T + H, 150],
      [T + 2 * H, -5],
    ];
    expect(() => hourlyIncrements(pts, T, T + 3 * H, 'vllm:prompt_tokens_total{deployment="d"}')).toThrow(NegativeCounterError);
    expect(() => hourlyIncrements(pts, T, T + 3 * H, 'vllm:prompt_tokens_total{deployment="d"}')).toThrow(
      'prometheus: counter vllm:prompt_tokens_total{deployment="d"} has a negative sample (-5) at 2026-01-01T02:00:00.000Z',
    );
  });
  it('a drop that is not to zero is a restart (the new value counts), never a negative increment', () => {
    const pts: Array<[number, number]> = [
      [T, 1000],
      [T + H, 990],
      [T + 2 * H, 1000],
    ];
    expect([...hourlyIncrements(pts, T, T + 3 * H)]).toEqual([
      [T, 990],
      [T + H, 10],
    ]);
    expect(() => counterDelta(5, -1)).toThrow(/negative sample/);
  });
});
