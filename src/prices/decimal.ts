import { Decimal } from 'decimal.js';

/**
 * A private Decimal constructor for prices and FX: 40 significant digits and half-up rounding,
 * without touching decimal.js's global configuration (other modules may set their own).
 */
export const Dec = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_UP, toExpNeg: -40, toExpPos: 40 });
export type Dec = Decimal;

/** Money and rates are carried to 10 decimal places: far below a cent, far above float noise. */
export const MONEY_DP = 10;

/** Fixed-point, trailing zeros trimmed, never exponent notation, never "-0": "1.5", "0.000000075". */
export function decimalString(value: Decimal, dp = MONEY_DP): string {
  const s = value.toDecimalPlaces(dp).toFixed(dp);
  const trimmed = s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
  return trimmed === '-0' ? '0' : trimmed;
}

/**
 * A JS number from the price catalog or a config fraction → Decimal. `String(n)` is the shortest
 * spelling that round-trips, i.e. the literal written in the data (0.075 → "0.075"), so no float
 * error enters the calculation.
 */
export function decimalFromNumber(n: number): Decimal {
  if (!Number.isFinite(n)) throw new RangeError(`not a finite number: ${n}`);
  return new Dec(String(n));
}
