import { parse } from 'csv-parse/sync';
import { InputError } from '../errors.ts';
import type { FxObservation } from './fx.ts';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const RATE = /^\d+(\.\d+)?$/;
const CURRENCY = /^[A-Z]{3}$/;

/**
 * The ECB reference-rate history (`eurofxref-hist.csv`): a `Date,USD,JPY,…` header, one row per
 * business day (newest first), rates as units of the currency per 1 EUR, "N/A" where a currency
 * was not quoted that day (kept as a null observation, which ends the previous rate's validity:
 * CYP after 2007, RUB after 2022-03 must not convert at a years-old rate). The real file ends every line with a comma (an empty column), so column
 * counts are relaxed and columns that are not currency codes are ignored.
 */
export function parseEcbCsv(text: string, fileName: string): FxObservation[] {
  let rows: Array<Record<string, string>>;
  try {
    rows = parse(text, { columns: true, skip_empty_lines: true, trim: true, bom: true, relax_column_count: true });
  } catch (err) {
    throw new InputError(`${fileName}: not a readable CSV: ${(err as Error).message}`, { cause: err });
  }
  const out: FxObservation[] = [];
  rows.forEach((row, i) => {
    const line = i + 2; // header is line 1
    const date = row.Date;
    if (!date || !DATE.test(date)) throw new InputError(`${fileName}: line ${line}: expected a Date column as YYYY-MM-DD, got "${date ?? ''}"`);
    for (const [column, value] of Object.entries(row)) {
      if (column === 'Date' || !CURRENCY.test(column)) continue;
      if (value === '' || value === undefined) continue;
      if (value.toUpperCase() === 'N/A') {
        out.push({ date, from: 'EUR', to: column, rate: null, source: 'ecb' });
        continue;
      }
      if (!RATE.test(value) || Number(value) === 0) {
        throw new InputError(`${fileName}: line ${line}, column ${column}: expected a positive rate, got "${value}"`);
      }
      out.push({ date, from: 'EUR', to: column, rate: value, source: 'ecb' });
    }
  });
  if (rows.length > 0 && !out.some((o) => o.rate !== null)) throw new InputError(`${fileName}: no rates found (expected the ECB eurofxref-hist.csv format)`);
  return out;
}
