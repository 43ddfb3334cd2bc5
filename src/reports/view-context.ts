import type { Decimal } from 'decimal.js';
import { currencySymbol, dec, formatMoney, formatRate } from './format.ts';

/**
 * What every part of the view model needs: the reporting currency. There is one FX path (COST-MODEL
 * §10): compute converts every amount with the dated table (config rates and the ECB CSV) before
 * it reaches the ledger and the computed tables, so the report never converts; an amount that still
 * arrives in another currency is shown in its own currency and listed under data quality.
 */
export interface ViewCtx {
  currency: string;
  symbol: string;
  minMonths: number;
  /** Currencies of amounts that arrived unconverted: reported under data quality. */
  unconverted: Set<string>;
  /** An amount in the reporting currency, or null if absent or not convertible. */
  money(amount: string | null | undefined, currency: string): Decimal | null;
  /** Formatted in the reporting currency; an unconvertible amount keeps its own currency. */
  fmtMoney(amount: string | null | undefined, currency: string): string;
  fmtRate(amount: string | null | undefined, currency: string): string;
}

export function makeViewCtx(currency: string, minMonths: number): ViewCtx {
  const unconverted = new Set<string>();
  const money = (amount: string | null | undefined, from: string): Decimal | null => {
    if (amount === null || amount === undefined || amount === '') return null;
    if (from !== currency) {
      unconverted.add(from);
      return null;
    }
    return dec(amount);
  };
  return {
    currency,
    symbol: currencySymbol(currency),
    minMonths,
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
