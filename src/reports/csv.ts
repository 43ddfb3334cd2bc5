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

export function quote(cell: string): string {
  return /[",\r\n]/.test(cell) || /^\s|\s$/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

export type CsvCell = string | number | boolean | null | undefined;

export function toCsv(header: readonly string[], rows: ReadonlyArray<readonly CsvCell[]>): string {
  const line = (cells: readonly CsvCell[]) => cells.map((c) => quote(neutralise(c === null || c === undefined ? '' : String(c)))).join(',');
  return [line(header), ...rows.map(line)].join('\r\n') + '\r\n';
}
