import { Decimal } from 'decimal.js';

/** A decimal as an exact integer mantissa and a count of decimals: value = units / 10^scale. */
interface Scaled {
  units: bigint;
  scale: number;
}

function parseDecimal(name: string, value: number | bigint | string): Scaled {
  if (typeof value === 'bigint') return { units: value, scale: 0 };
  if (typeof value === 'number' && !Number.isFinite(value)) throw new RangeError(`${name} must be finite, got ${value}`);
  let d: Decimal;
  try {
    d = new Decimal(typeof value === 'string' ? value.trim() : value);
  } catch {
    throw new RangeError(`${name} is not a decimal number: ${JSON.stringify(value)}`);
  }
  if (!d.isFinite()) throw new RangeError(`${name} must be finite, got ${String(value)}`);
  // String surgery, not d.times(10^n): Decimal arithmetic rounds at 20 significant digits.
  const [int = '0', frac = ''] = d.toFixed().split('.');
  return { units: BigInt(int + frac), scale: frac.length };
}

function rescale(x: Scaled, scale: number): bigint {
  return x.units * 10n ** BigInt(scale - x.scale);
}

function format(units: bigint, scale: number): string {
  const neg = units < 0n;
  const digits = (neg ? -units : units).toString().padStart(scale + 1, '0');
  const body = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return neg ? `-${body}` : body;
}

/**
 * Splits an exact decimal amount across weights with the largest-remainder method, at the amount's
 * own smallest unit: `scale` defaults to max(2, decimals of total) — cents at least. The parts sum
 * exactly to the total (bigint arithmetic on scaled integers). Leftover units go to the largest
 * remainders, ties to the lower index, so results are deterministic; a zero weight gets exactly 0.
 * Negative totals (credits) are split as the mirror image of the positive amount.
 * All weights zero (e.g. a cost line with no usage): split equally, as if every weight were 1, so the
 * money is still accounted for; callers that must report "cost with no usage" check the weights first.
 * An explicit `scale` must keep every digit of the total (otherwise the sum could not be exact).
 */
export function allocateLargestRemainder(total: string, weights: Array<number | bigint | string>, scale?: number): string[] {
  const t = parseDecimal('total', total);
  const unitScale = scale ?? Math.max(2, t.scale);
  if (!Number.isInteger(unitScale) || unitScale < 0) throw new RangeError(`scale must be a non-negative integer, got ${unitScale}`);
  if (unitScale < t.scale) throw new RangeError(`scale ${unitScale} would drop digits of the total ${total}`);
  const totalUnits = rescale(t, unitScale);

  if (weights.length === 0) {
    if (totalUnits === 0n) return [];
    throw new RangeError(`cannot allocate ${total} across no weights`);
  }
  const parsed = weights.map((w, i) => parseDecimal(`weights[${i}]`, w));
  parsed.forEach((w, i) => {
    if (w.units < 0n) throw new RangeError(`weights[${i}] must not be negative, got ${String(weights[i])}`);
  });
  const wScale = parsed.reduce((m, w) => Math.max(m, w.scale), 0);
  let w = parsed.map((x) => rescale(x, wScale));
  let wSum = w.reduce((a, b) => a + b, 0n);
  if (wSum === 0n) {
    w = w.map(() => 1n);
    wSum = BigInt(w.length);
  }

  const negative = totalUnits < 0n;
  const amount = negative ? -totalUnits : totalUnits;
  const base = w.map((wi) => (amount * wi) / wSum);
  const rem = w.map((wi) => (amount * wi) % wSum);
  let leftover = amount - base.reduce((a, b) => a + b, 0n);
  const order = rem.map((r, i) => ({ r, i })).sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1));
  for (const { i } of order) {
    if (leftover === 0n) break;
    base[i]! += 1n;
    leftover -= 1n;
  }
  return base.map((units) => format(negative ? -units : units, unitScale));
}
