import type { Decimal } from 'decimal.js';
import { currencySymbol, dec, formatMoney, formatRate } from './format.ts';
import type { Converter } from './fx.ts';

/** What every part of the view model needs: the reporting currency and a converter into it. */
export interface ViewCtx {
  currency: string;
  symbol: string;
  minMonths: number;
  conv: Converter;
  /** Amounts that could not be converted (no dated FX rate): reported under data quality. */
  unconverted: Set<string>;
  /** An amount in the reporting currency, or null if absent or not convertible. */
  money(amount: string | null | undefined, currency: string): Decimal | null;
  /** Formatted in the reporting currency; an unconvertible amount keeps its own currency. */
  fmtMoney(amount: string | null | undefined, currency: string): string;
  fmtRate(amount: string | null | undefined, currency: string): string;
}

export function makeViewCtx(currency: string, minMonths: number, conv: Converter): ViewCtx {
  const unconverted = new Set<string>();
  const money = (amount: string | null | undefined, from: string): Decimal | null => {
    if (amount === null || amount === undefined || amount === '') return null;
    const v = conv.toReporting(dec(amount), from);
    if (v === null) unconverted.add(from);
    return v;
  };
  return {
    currency,
    symbol: currencySymbol(currency),
    minMonths,
    conv,
    unconverted,
    money,
    fmtMoney: (amount, from) => {
      if (amount === null || amount === undefined || amount === '') return '—';
      const v = money(amount, from);
      return v === null ? formatMoney(amount, from) : formatMoney(v, currency);
    },
    fmtRate: (amount, from) => {
      if (amount === null || amount === undefined || amount === '') return '—';
      const v = money(amount, from);
      return v === null ? formatRate(amount, from) : formatRate(v, currency);
    },
  };
}
