import { stringify } from 'csv-stringify/sync';

/**
 * RFC 4180 CSV with spreadsheet formula injection neutralised: a cell a spreadsheet would treat as
 * a formula (leading = + - @, tab or carriage return) gets a leading apostrophe. Plain numbers such
 * as "-12.50" are left alone: they cannot carry a formula and must stay numeric for the reader.
 */
const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;

export function neutralise(cell: string): string {
  return FORMULA_START.test(cell) && !PLAIN_NUMBER.test(cell) ? `'${cell}` : cell;
}

/**
 * Cells quoted beyond csv-stringify's own rule (delimiter, quote, the record delimiter itself):
 * edge spaces, which spreadsheets trim, and a lone CR or LF, which it leaves bare with CRLF records.
 */
const ALSO_QUOTE = /^\s|\s$|[\r\n]/;

/** One cell as RFC 4180 writes it (csv-stringify's quoting rules plus edge spaces). */
export function quote(cell: string): string {
  return stringify([[cell]], { quoted_match: ALSO_QUOTE, record_delimiter: '' });
}

export type CsvCell = string | number | boolean | null | undefined;

/**
 * The quoting and line endings are csv-stringify's (same project as our csv-parse); only the
 * formula neutralisation, which no CSV library does, is ours.
 */
export function toCsv(header: readonly string[], rows: ReadonlyArray<readonly CsvCell[]>): string {
  const cells = (r: readonly CsvCell[]) => r.map((c) => neutralise(c === null || c === undefined ? '' : String(c)));
  return stringify([cells(header), ...rows.map(cells)], { record_delimiter: 'windows', quoted_match: ALSO_QUOTE });
}
