import type { Decimal } from 'decimal.js';
import { D } from './format.ts';
import type { FxRate } from './inputs.ts';

export interface FxUse {
  pair: string;
  rate: string;
  date: string;
}

export interface Converter {
  /** The amount in the reporting currency, or null when no dated rate is known for that currency. */
  toReporting(amount: Decimal, currency: string): Decimal | null;
  /** Rates actually used, for the assumptions section. */
  used(): FxUse[];
}

/**
 * Converts monthly amounts with the rate in force on the month's last day (`rate` = units of `to`
 * per 1 `from`; an inverse pair is divided). Compute already converts most rows; this only catches
 * rows that arrive in their billing currency.
 */
export function makeConverter(rates: readonly FxRate[], reporting: string, asOfDay: string): Converter {
  const used = new Map<string, FxUse>();
  const pick = (from: string, to: string) =>
    rates
      .filter((r) => r.from === from && r.to === to && r.date <= asOfDay)
      .sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : 0))[0];
  return {
    toReporting(amount, currency) {
      if (currency === reporting) return amount;
      const direct = pick(currency, reporting);
      if (direct) {
        used.set(`${currency}/${reporting}`, { pair: `${currency}/${reporting}`, rate: direct.rate, date: direct.date });
        return amount.times(direct.rate);
      }
      const inverse = pick(reporting, currency);
      if (inverse && !new D(inverse.rate).isZero()) {
        used.set(`${reporting}/${currency}`, { pair: `${reporting}/${currency}`, rate: inverse.rate, date: inverse.date });
        return amount.div(inverse.rate);
      }
      return null;
    },
    used: () => [...used.values()].sort((a, b) => (a.pair < b.pair ? -1 : 1)),
  };
}
