import { Decimal } from 'decimal.js';

/**
 * Small numeric helpers shared by the cost model. Modelled estimates are floats; these keep float
 * noise (e.g. 2.0000000000000004 replicas) from turning into a whole extra replica.
 */

const REL_TOL = 1e-9;

function nearInteger(x: number): number | null {
  const r = Math.round(x);
  return Math.abs(x - r) <= REL_TOL * Math.max(1, Math.abs(x)) ? r : null;
}

/** ceil that treats values within a relative 1e-9 of an integer as that integer. Monotone. */
export function ceilTol(x: number): number {
  return nearInteger(x) ?? Math.ceil(x);
}

/** floor that treats values within a relative 1e-9 of an integer as that integer. Monotone. */
export function floorTol(x: number): number {
  return nearInteger(x) ?? Math.floor(x);
}

/** Rounds half away from zero at `dp` decimals, on the number's shortest decimal form (so 1.005 → 1.01). */
export function roundTo(x: number, dp: number): number {
  if (!Number.isFinite(x)) return x;
  return new Decimal(x).toDecimalPlaces(dp, Decimal.ROUND_HALF_UP).toNumber();
}

/** Rounds to cents for display; the model itself keeps unrounded values. */
export function roundCents(x: number): number {
  return roundTo(x, 2);
}

/** Guards against NaN/Infinity and out-of-range inputs; the model's callers validate user input first. */
export function requireNumber(name: string, x: number, opts: { min?: number; gt?: number; max?: number; integer?: boolean } = {}): number {
  if (typeof x !== 'number' || !Number.isFinite(x)) throw new RangeError(`${name} must be a finite number, got ${String(x)}`);
  if (opts.integer && !Number.isInteger(x)) throw new RangeError(`${name} must be an integer, got ${x}`);
  if (opts.min !== undefined && x < opts.min) throw new RangeError(`${name} must be ≥ ${opts.min}, got ${x}`);
  if (opts.gt !== undefined && !(x > opts.gt)) throw new RangeError(`${name} must be > ${opts.gt}, got ${x}`);
  if (opts.max !== undefined && x > opts.max) throw new RangeError(`${name} must be ≤ ${opts.max}, got ${x}`);
  return x;
}

/** Accepts a modelled amount given as a number or a decimal string (e.g. a numeric column). */
export function toNumber(name: string, x: number | string): number {
  const n = typeof x === 'string' ? Number(x) : x;
  return requireNumber(name, n);
}
