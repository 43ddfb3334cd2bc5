import { Decimal } from 'decimal.js';

/**
 * Display formatting for the report. Money arrives as numeric strings and stays in decimal.js all
 * the way to the string a reader sees; formatting is hand-written (not Intl) so that the same inputs
 * produce the same bytes on every machine and ICU version.
 */
export const D = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_UP, toExpNeg: -40, toExpPos: 40 });
export type D = Decimal;

export const ZERO = new D(0);

export function dec(v: string | number | bigint | Decimal | null | undefined): Decimal {
  if (v === null || v === undefined || v === '') return ZERO;
  return new D(typeof v === 'bigint' ? v.toString() : v);
}

export function decOrNull(v: string | number | null | undefined): Decimal | null {
  return v === null || v === undefined || v === '' ? null : new D(v);
}

const SYMBOLS: Record<string, string> = { USD: '$', EUR: '€', GBP: '£', JPY: '¥', CAD: 'CA$', AUD: 'A$', CHF: 'CHF ' };

export function currencySymbol(currency: string): string {
  return SYMBOLS[currency] ?? `${currency} `;
}

/** 1234567.891 → "1,234,567.89" (fixed decimals, thousands separators, ASCII minus). */
export function groupDigits(v: Decimal, dp: number): string {
  const fixed = v.toFixed(dp, Decimal.ROUND_HALF_UP);
  const neg = fixed.startsWith('-');
  const [int, frac] = (neg ? fixed.slice(1) : fixed).split('.');
  const grouped = int!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const out = frac ? `${grouped}.${frac}` : grouped;
  // "-0.00" reads as a sign error; show zero unsigned.
  return neg && /[1-9]/.test(out) ? `-${out}` : out;
}

/** "$1,234.56", "-$12.00", "€0.40". */
export function formatMoney(v: Decimal | string | null | undefined, currency: string, dp = 2): string {
  const d = v instanceof Decimal ? v : dec(v);
  const s = groupDigits(d.abs(), dp);
  const negative = d.isNegative() && !/^[0.,]+$/.test(s);
  return `${negative ? '-' : ''}${currencySymbol(currency)}${s}`;
}

/** A signed money delta: "+$1,234.56" / "-$80.00". */
export function formatMoneyDelta(v: Decimal, currency: string): string {
  const s = formatMoney(v, currency);
  return s.startsWith('-') || v.isZero() ? s : `+${s}`;
}

/**
 * A unit price such as "per 1M tokens": small prices need more places than cents
 * ($0.075 must not print as $0.08), large ones do not.
 */
export function formatRate(v: Decimal | string | number | null | undefined, currency: string): string {
  const d = v instanceof Decimal ? v : dec(v);
  const abs = d.abs();
  if (abs.isZero() || abs.gte(1)) return formatMoney(d, currency, 2);
  const dp = abs.gte('0.1') ? 3 : 4;
  return formatMoney(new D(d.toFixed(dp, Decimal.ROUND_HALF_UP)), currency, dp).replace(/(\.\d\d\d?)0+$/, '$1');
}

/** A unit price with no currency symbol (the model's verdicts are currency-neutral): "19.54", "0.0866". */
export function formatRateDigits(v: Decimal | string | number): string {
  return formatRate(v, 'USD').replace('$', '');
}

/** Token volumes: "540M", "1.69B", "12.3k", "950". */
export function formatTokens(v: Decimal | string | number | null | undefined): string {
  const d = v instanceof Decimal ? v : dec(v as string | number | null | undefined);
  const abs = d.abs();
  const units: Array<[string, string]> = [
    ['1e12', 'T'],
    ['1e9', 'B'],
    ['1e6', 'M'],
    ['1e3', 'k'],
  ];
  for (const [size, suffix] of units) {
    if (abs.gte(size)) {
      const scaled = d.div(size);
      const dp = scaled.abs().gte(100) ? 0 : scaled.abs().gte(10) ? 1 : 2;
      return `${trimZeros(scaled.toFixed(dp, Decimal.ROUND_HALF_UP))}${suffix}`;
    }
  }
  return trimZeros(d.toFixed(0, Decimal.ROUND_HALF_UP));
}

export function formatInt(v: Decimal | string | number | null | undefined): string {
  const d = v instanceof Decimal ? v : dec(v as string | number | null | undefined);
  return groupDigits(d, 0);
}

/** A fraction 0–1 as a percentage: 0.724 → "72.4%". */
export function formatPct(fraction: number | Decimal | null | undefined, dp = 1): string {
  if (fraction === null || fraction === undefined) return '—';
  const d = fraction instanceof Decimal ? fraction : new D(fraction);
  return `${trimZeros(d.times(100).toFixed(dp, Decimal.ROUND_HALF_UP))}%`;
}

/** Relative change "+12.3%" / "-4%"; "new" when the base is zero. */
export function formatChange(current: Decimal, previous: Decimal | null): string {
  if (previous === null) return 'new';
  if (previous.isZero()) return current.isZero() ? '0%' : 'new';
  const rel = current.minus(previous).div(previous.abs());
  const s = formatPct(rel, 1);
  return rel.gt(0) ? `+${s}` : s;
}

/** Plain decimals for measurements (tok/s, batch depth): fixed places, separators, trailing zeros trimmed. */
export function formatNumber(v: number | Decimal | null | undefined, dp = 1): string {
  if (v === null || v === undefined) return '—';
  const d = v instanceof Decimal ? v : new D(v);
  const s = groupDigits(d, dp);
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

function trimZeros(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** '2026-10' → 'October 2026'. */
export function monthTitle(key: string): string {
  const [y, m] = key.split('-');
  return `${MONTHS[Number(m) - 1]} ${y}`;
}

/** '2026-10-04' → 'Oct 4'. */
export function shortDay(day: string): string {
  const [, m, d] = day.split('-');
  return `${MONTHS[Number(m) - 1]!.slice(0, 3)} ${Number(d)}`;
}

/** Consecutive days collapsed into ranges: ['…-04','…-05','…-06','…-09'] → 'Oct 4–6, Oct 9'. */
export function dayRanges(days: readonly string[]): string {
  const sorted = [...new Set(days)].sort();
  const out: string[] = [];
  let start: string | undefined;
  let prev: string | undefined;
  const flush = () => {
    if (!start || !prev) return;
    out.push(start === prev ? shortDay(start) : `${shortDay(start)}–${Number(prev.slice(8))}`);
  };
  for (const d of sorted) {
    if (prev && Date.parse(`${d}T00:00:00Z`) - Date.parse(`${prev}T00:00:00Z`) === 86_400_000 && d.slice(0, 7) === prev.slice(0, 7)) {
      prev = d;
      continue;
    }
    flush();
    start = d;
    prev = d;
  }
  flush();
  return out.join(', ');
}

/** 'self_hosted' → 'self-hosted', 'latency_target' → 'latency target'. */
export function humanize(s: string | null | undefined): string {
  if (!s) return '';
  return s.replace(/_/g, s === 'self_hosted' ? '-' : ' ');
}
