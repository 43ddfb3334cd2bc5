import { Decimal } from 'decimal.js';

/**
 * Exact decimal strings from bills. Exports write amounts as plain decimals ("0.00000080000"), but
 * some tools emit scientific notation ("1E-8"); both are converted without passing through a float.
 */
const DECIMAL = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

export function isDecimalText(s: string): boolean {
  return DECIMAL.test(s.trim());
}

/** The exact value in plain notation (trailing zeros dropped, "-0" → "0"), or null when not a number. */
export function toDecimalString(s: string): string | null {
  const t = s.trim();
  if (!DECIMAL.test(t)) return null;
  const d = new Decimal(t);
  return d.isZero() ? '0' : d.toFixed();
}

/** Adds decimal strings exactly. */
export function addDecimals(...values: string[]): string {
  return values.reduce((acc, v) => acc.plus(v), new Decimal(0)).toFixed();
}
