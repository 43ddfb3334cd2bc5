import { Decimal } from 'decimal.js';

/** Exact decimal arithmetic for billed money (decimal.js, 40 significant digits). */
export const D = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_EVEN });
export type Dec = InstanceType<typeof D>;

export const ZERO = new D(0);

/** Money for storage: exact, trailing zeros trimmed (numeric keeps the value, not the spelling). */
export const money = (d: Dec): string => d.toFixed();

/** A modelled float estimate as a numeric string, rounded to cents-of-a-cent (4 dp). */
export const estimate = (x: number | null | undefined): string | null =>
  x === null || x === undefined || !Number.isFinite(x) ? null : new D(x).toDecimalPlaces(4).toFixed();

export function sum(values: Iterable<Dec>): Dec {
  let s = ZERO;
  for (const v of values) s = s.plus(v);
  return s;
}
