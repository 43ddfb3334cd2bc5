import { CENTS_RE } from './schema.ts';

/**
 * Cents (a decimal string, as the Anthropic cost report sends them) to units of the currency,
 * exactly: the decimal point moves two places left by string surgery, never through a float or a
 * precision-bounded division. "123.78912" → "1.2378912", "-5" → "-0.05", "12300" → "123".
 * Output is canonical: no leading zeros, no trailing fractional zeros, no "-0".
 */
export function centsToDollars(cents: string): string {
  const text = cents.trim();
  if (!CENTS_RE.test(text)) throw new RangeError(`not a decimal string of cents: ${JSON.stringify(cents)}`);
  const negative = text.startsWith('-');
  const [intPart, fracPart = ''] = (negative ? text.slice(1) : text).split('.') as [string, string?];
  const scale = fracPart.length + 2;
  const digits = (intPart + fracPart).padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale).replace(/^0+(?=\d)/, '');
  const frac = digits.slice(digits.length - scale).replace(/0+$/, '');
  const abs = frac ? `${whole}.${frac}` : whole;
  return negative && /[1-9]/.test(abs) ? `-${abs}` : abs;
}
