import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { basename } from 'node:path';
import { parse } from 'csv-parse';
import { InputError } from '../../errors.ts';

export interface CsvRecord {
  cells: string[];
  /** 1-based line of the file where the record ends (= its line for single-line records). */
  line: number;
}

/** gzip by name (`.gz`) or by its magic bytes (exports are often renamed). */
export async function isGzip(path: string): Promise<boolean> {
  if (path.toLowerCase().endsWith('.gz')) return true;
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(2);
    const { bytesRead } = await fh.read(buf, 0, 2, 0);
    return bytesRead === 2 && buf[0] === 0x1f && buf[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

/**
 * Streams the records of a CSV (or gzipped CSV) file without loading it whole. Format errors
 * (an unterminated quote, a row with the wrong number of cells) become InputErrors naming the
 * file and line; a row with a different cell count is an error, not a guess, because a shifted
 * row would put one column's value into another (money included).
 */
export async function* readCsvRecords(path: string): AsyncGenerator<CsvRecord> {
  const file = basename(path);
  let gz: boolean;
  try {
    gz = await isGzip(path);
  } catch (err) {
    throw new InputError(`FOCUS file ${path} cannot be read: ${(err as Error).message}`);
  }
  const source = createReadStream(path);
  const parser = parse({ bom: true, info: true, skip_empty_lines: true });
  const onStreamError = (err: Error) => parser.destroy(new InputError(`${file}: ${gz ? 'not a valid gzip file' : 'cannot be read'}: ${err.message}`));
  source.on('error', onStreamError);
  if (gz) {
    const gunzip = createGunzip();
    gunzip.on('error', onStreamError);
    source.pipe(gunzip).pipe(parser);
  } else {
    source.pipe(parser);
  }
  try {
    for await (const r of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      yield { cells: r.record, line: r.info.lines };
    }
  } catch (err) {
    if (err instanceof InputError) throw err;
    const e = err as Error & { lines?: number };
    throw new InputError(`${file}: CSV format error${e.lines ? ` at line ${e.lines}` : ''}: ${e.message}`);
  } finally {
    source.destroy();
  }
}
