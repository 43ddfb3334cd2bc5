import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { allocateLargestRemainder } from '../../../src/model/allocate.ts';

/** Exact sum of decimal strings as scaled bigints (independent of the code under test). */
function sumExact(parts: string[], scale: number): bigint {
  return parts.reduce((acc, p) => {
    const neg = p.startsWith('-');
    const [i, f = ''] = p.replace(/^[-+]/, '').split('.');
    // a total like "1.230" is finer-written than the parts' scale only by trailing zeros
    if (f.length > scale && !/^0*$/.test(f.slice(scale))) throw new Error(`${p} has more than ${scale} decimals`);
    const units = BigInt(i! + f.padEnd(scale, '0').slice(0, scale));
    return acc + (neg ? -units : units);
  }, 0n);
}

describe('allocateLargestRemainder', () => {
  it('splits at cents and sums exactly', () => {
    expect(allocateLargestRemainder('100', [1, 1, 1])).toEqual(['33.34', '33.33', '33.33']);
    expect(allocateLargestRemainder('10.00', [2, 1])).toEqual(['6.67', '3.33']);
    expect(allocateLargestRemainder('0.05', [1, 1, 1, 1])).toEqual(['0.02', '0.01', '0.01', '0.01']);
  });

  it('gives leftover cents to the largest remainders, ties by index', () => {
    // quotas 0.334, 0.333, 0.333 of 1.00 → remainders tie on the last two
    expect(allocateLargestRemainder('1', [334, 333, 333])).toEqual(['0.34', '0.33', '0.33']);
    // 0.07 over weights 1,2,4: quotas 0.01, 0.02, 0.04 exactly
    expect(allocateLargestRemainder('0.07', [1, 2, 4])).toEqual(['0.01', '0.02', '0.04']);
    // 0.10 over 3,3,1 → quotas 4.285.., 4.285.., 1.428.. cents → 4,4,1 + the leftover cent to the largest remainder
    expect(allocateLargestRemainder('0.10', [3, 3, 1])).toEqual(['0.04', '0.04', '0.02']);
    // 0.05 over 1,1,1,1,1,1 → 0 each + 5 leftover cents to indices 0..4 (all remainders tie)
    expect(allocateLargestRemainder('0.05', [1, 1, 1, 1, 1, 1])).toEqual(['0.01', '0.01', '0.01', '0.01', '0.01', '0.00']);
  });

  it('uses the amount’s own smallest unit when finer than cents', () => {
    expect(allocateLargestRemainder('0.001', [1, 1])).toEqual(['0.001', '0.000']);
    expect(allocateLargestRemainder('12.340000', [1, 1])).toEqual(['6.17', '6.17']);
    expect(allocateLargestRemainder('1', [1, 2], 4)).toEqual(['0.3333', '0.6667']);
    expect(() => allocateLargestRemainder('1.234', [1], 2)).toThrow(/drop digits/);
  });

  it('splits credits as the mirror image, never prints -0', () => {
    expect(allocateLargestRemainder('-100', [1, 1, 1])).toEqual(['-33.34', '-33.33', '-33.33']);
    expect(allocateLargestRemainder('-0.01', [1, 1])).toEqual(['-0.01', '0.00']);
  });

  it('accepts bigint, string and fractional weights; zero weights get exactly zero', () => {
    expect(allocateLargestRemainder('9.99', [0n, '1.5', 1.5, 0])).toEqual(['0.00', '5.00', '4.99', '0.00']);
    expect(allocateLargestRemainder('1', [123456789012345678901234567890n, 123456789012345678901234567890n])).toEqual(['0.50', '0.50']);
  });

  it('all-zero weights split equally; no weights only for a zero total', () => {
    expect(allocateLargestRemainder('1.00', [0, 0, 0])).toEqual(['0.34', '0.33', '0.33']);
    expect(allocateLargestRemainder('0', [])).toEqual([]);
    expect(() => allocateLargestRemainder('1', [])).toThrow(/no weights/);
  });

  it('rejects bad input', () => {
    expect(() => allocateLargestRemainder('abc', [1])).toThrow(/total/);
    expect(() => allocateLargestRemainder('1', [-1, 2])).toThrow(/weights\[0\]/);
    expect(() => allocateLargestRemainder('1', [Number.NaN])).toThrow(/weights\[0\]/);
  });

  it('keeps digits beyond 20 significant figures', () => {
    const parts = allocateLargestRemainder('123456789012345678901234.57', [1, 1]);
    expect(parts).toEqual(['61728394506172839450617.29', '61728394506172839450617.28']);
  });

  it('property: parts always sum exactly to the total (any weight kinds, negative totals, 0–9 decimals)', () => {
    const weightArb = fc.oneof(
      fc.nat({ max: 1_000_000 }),
      fc.bigInt({ min: 0n, max: 10n ** 30n }),
      fc.double({ min: 0, max: 1e6, noNaN: true }),
      fc.tuple(fc.nat({ max: 99_999 }), fc.nat({ max: 9_999 })).map(([a, b]) => `${a}.${String(b).padStart(4, '0')}`),
    );
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 25n), max: 10n ** 25n }), fc.integer({ min: 0, max: 9 }), fc.array(weightArb, { minLength: 1, maxLength: 12 }), (units, decimals, weights) => {
        const abs = (units < 0n ? -units : units).toString().padStart(decimals + 1, '0');
        const total = `${units < 0n ? '-' : ''}${decimals ? `${abs.slice(0, -decimals)}.${abs.slice(-decimals)}` : abs}`;
        const parts = allocateLargestRemainder(total, weights);
        const scale = (parts[0]!.split('.')[1] ?? '').length;
        expect(scale).toBeGreaterThanOrEqual(2);
        expect(parts).toHaveLength(weights.length);
        expect(sumExact(parts, scale)).toBe(sumExact([total], scale));
        for (const p of parts) {
          expect(p).toMatch(/^-?\d+\.\d+$/);
          expect(p.startsWith('-') && /^-0\.0*$/.test(p)).toBe(false);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('property: explicit odd scales also sum exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: -10_000_000, max: 10_000_000 }), fc.integer({ min: 3, max: 7 }), fc.array(fc.nat({ max: 1000 }), { minLength: 1, maxLength: 7 }), (cents, scale, weights) => {
        const total = (cents / 100).toFixed(2);
        const parts = allocateLargestRemainder(total, weights, scale);
        expect(parts.every((p) => (p.split('.')[1] ?? '').length === scale)).toBe(true);
        expect(sumExact(parts, scale)).toBe(sumExact([total], scale));
      }),
      { numRuns: 500 },
    );
  });

  it('property: each part is within one unit of its exact share, and zero weights get zero', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }), fc.array(fc.nat({ max: 10_000 }), { minLength: 1, maxLength: 10 }), (cents, weights) => {
        const total = (cents / 100).toFixed(2);
        const parts = allocateLargestRemainder(total, weights);
        const W = BigInt(weights.reduce((a, b) => a + b, 0));
        if (W === 0n) return;
        parts.forEach((p, i) => {
          const diff = sumExact([p], 2) * W - BigInt(cents) * BigInt(weights[i]!);
          expect(diff < W && -diff < W).toBe(true);
          if (weights[i] === 0) expect(p).toBe('0.00');
        });
      }),
      { numRuns: 1000 },
    );
  });
});
