import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Decimal } from 'decimal.js';
import { centsToDollars } from '../../../src/sources/anthropic/cents.ts';

const D = Decimal.clone({ precision: 80 });

describe('centsToDollars', () => {
  it.each([
    ['123.78912', '1.2378912'],
    ['0.5', '0.005'],
    ['5', '0.05'],
    ['100', '1'],
    ['12300', '123'],
    ['150', '1.5'],
    ['0', '0'],
    ['0.00', '0'],
    ['-0', '0'],
    ['-5', '-0.05'],
    ['-123.78912', '-1.2378912'],
    ['007.10', '0.071'],
    ['99999999999999999999.99999', '999999999999999999.9999999'],
    [' 42 ', '0.42'],
  ])('%s cents = %s', (cents, dollars) => {
    expect(centsToDollars(cents)).toBe(dollars);
  });

  it.each(['1e3', '1.', '.5', '+1', '', 'NaN', '1,5', '12 34'])('refuses %j', (bad) => {
    expect(() => centsToDollars(bad)).toThrow(/not a decimal string of cents/);
  });

  it('equals an exact division by 100 for any decimal string', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.integer({ min: 0, max: 12 }), (n, scale) => {
        const abs = (n < 0n ? -n : n).toString().padStart(scale + 1, '0');
        const text = `${n < 0n ? '-' : ''}${scale ? `${abs.slice(0, abs.length - scale)}.${abs.slice(abs.length - scale)}` : abs}`;
        // A clone with room for every digit, so the reference division itself is exact.
        const expected = new D(text).div(100);
        const got = centsToDollars(text);
        expect(new D(got).equals(expected)).toBe(true);
        expect(got).toBe(expected.toFixed());
      }),
    );
  });
});
