/**
 * The model's verdict and reason strings use the report's formatter (src/reports/format.ts): one
 * rounding and one set of words for every printed figure. These adapters only take the model's
 * plain numbers; there is no formatting logic here.
 */
import { formatMoney as formatCurrencyAmount, formatPct, formatRateDigits, formatTokens as formatTokenCount } from '../reports/format.ts';

export const formatTokens = (v: number): string => formatTokenCount(v);

/** A currency-neutral unit price ("19.54", "0.0866"), as in "19.54/1M". */
export const formatMoney = (v: number): string => formatRateDigits(v);

/** 0.868 → "86.8%". */
export const formatPercent = (fraction: number): string => formatPct(fraction, 1);

/** An amount in a currency, as the report prints it: "$1,234.56". */
export const formatAmount = (v: number, currency: string): string => formatCurrencyAmount(String(v), currency);
