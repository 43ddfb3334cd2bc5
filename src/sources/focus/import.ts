import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { Ctx } from '../../context.ts';
import type { CostLineItemInsert } from '../../db/types.ts';
import { errorMessage, InputError } from '../../errors.ts';
import { writeFacts } from '../../ingest/upsert.ts';
import { recordSyncSuccess } from '../../db/repositories/sync-state.ts';
import { resolveHeader, type Header } from './columns.ts';
import { FOCUS_SOURCE, normalizeFocusRow, rowIdentity } from './normalize.ts';
import { isGzip, readCsvRecords } from './read.ts';

export interface FocusImportOptions {
  path: string;
  /** Recorded as account (and as ProviderName where the file has none); default: the ProviderName column. */
  provider?: string;
}

export interface FocusImportResult {
  /** Absolute path of the imported file. */
  file: string;
  /** Rows written (inserted or updated; a re-import of the same file updates the same rows). */
  rows: number;
  gzip: boolean;
  accounts: string[];
  currencies: string[];
  periodStart: Date | null;
  periodEnd: Date | null;
  /** Rows recognised as GPU capacity (x_gpu_model set). */
  gpuRows: number;
  /** Columns kept in `extra` (not FOCUS columns we map: provider extras, x_* custom columns). */
  extraColumns: string[];
  /**
   * Rows with ChargeClass = Correction (corrections of a previously invoiced billing period). Each
   * is stored in the charge period it corrects, so it counts in that month: `months` are the
   * months to compute again (YYYY-MM), whatever invoice the correction arrived on.
   */
  corrections: { rows: number; months: string[] };
}

const CHUNK = 500;

/**
 * Imports one FOCUS CSV export (gzip ok) in ONE transaction: a missing required column or a bad
 * money cell anywhere fails the file and writes nothing of it. Rows are streamed, never loaded
 * whole. Each row's line_key is a hash of its identifying content (all but money and quantities)
 * plus its occurrence index among identical rows, so importing the same file again rewrites the
 * same rows, a restated amount replaces the old one, and duplicate lines stay distinct.
 */
export async function importFocusFile(ctx: Ctx, opts: FocusImportOptions): Promise<FocusImportResult> {
  const path = resolve(opts.path);
  const file = basename(path);
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new InputError(`FOCUS file ${path} is not a file`);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`FOCUS file ${path} cannot be read: ${errorMessage(err)}`);
  }
  const startedAt = ctx.clock.now();
  const log = ctx.log.child({ source: FOCUS_SOURCE, file });
  const gzip = await isGzip(path);
  const accounts = new Map<string, Date>();
  const currencies = new Set<string>();
  let header: Header | null = null;
  let periodStart: Date | null = null;
  let periodEnd: Date | null = null;
  let gpuRows = 0;
  const correctedMonths = new Set<string>();
  let correctionRows = 0;

  try {
    const rows = await ctx.db.transaction().execute(async (trx) => {
      const occurrences = new Map<string, number>();
      let buffer: CostLineItemInsert[] = [];
      let written = 0;
      const flush = async () => {
        if (buffer.length) written += await writeFacts(trx, ctx.config, { costs: buffer });
        buffer = [];
      };
      for await (const rec of readCsvRecords(path)) {
        if (!header) {
          header = resolveHeader(rec.cells, file, { providerGiven: Boolean(opts.provider) });
          continue;
        }
        const id = rowIdentity(header, rec.cells);
        const n = occurrences.get(id) ?? 0;
        occurrences.set(id, n + 1);
        const row = normalizeFocusRow(header, rec.cells, `${id}#${n}`, {
          file,
          line: rec.line,
          provider: opts.provider,
          tagKey: ctx.config.sources.aws.tag_key,
          deployments: ctx.config.deployments,
        });
        const start = row.charge_period_start as Date;
        const end = row.charge_period_end as Date;
        if (!periodStart || start < periodStart) periodStart = start;
        if (!periodEnd || end > periodEnd) periodEnd = end;
        const account = row.account!;
        const last = accounts.get(account);
        if (!last || end > last) accounts.set(account, end);
        currencies.add(row.billing_currency);
        if (row.x_gpu_model) gpuRows++;
        if (row.charge_class === 'Correction') {
          correctionRows++;
          correctedMonths.add(start.toISOString().slice(0, 7));
        }
        buffer.push(row);
        if (buffer.length >= CHUNK) await flush();
      }
      if (!header) throw new InputError(`${file}: empty file (no header row)`);
      await flush();
      const now = ctx.clock.now();
      await trx
        .insertInto('ingestion_runs')
        .values({
          source: FOCUS_SOURCE,
          account: runAccount(opts, accounts),
          file,
          window_start: periodStart ?? startedAt,
          window_end: periodEnd ?? startedAt,
          started_at: startedAt,
          finished_at: now,
          status: 'succeeded',
          rows_written: written,
          requests_made: 0,
        })
        .execute();
      for (const [account, watermark] of accounts) await recordSyncSuccess(trx, { source: FOCUS_SOURCE, account, watermark, at: now });
      return written;
    });
    const h = header as Header | null;
    log.info({ rows, gzip, accounts: [...accounts.keys()] }, 'FOCUS file imported');
    return {
      file: path,
      rows,
      gzip,
      accounts: [...accounts.keys()].sort(),
      currencies: [...currencies].sort(),
      periodStart,
      periodEnd,
      gpuRows,
      extraColumns: h ? h.extra : [],
      corrections: { rows: correctionRows, months: [...correctedMonths].sort() },
    };
  } catch (err) {
    const message = errorMessage(err);
    await ctx.db
      .insertInto('ingestion_runs')
      .values({
        source: FOCUS_SOURCE,
        account: runAccount(opts, accounts),
        file,
        window_start: startedAt,
        window_end: startedAt,
        started_at: startedAt,
        finished_at: ctx.clock.now(),
        status: 'failed',
        error: message,
      })
      .execute();
    log.warn({ err: message }, 'FOCUS import failed; nothing of the file was written');
    throw err;
  }
}

function runAccount(opts: FocusImportOptions, accounts: Map<string, Date>): string {
  if (opts.provider) return opts.provider;
  return accounts.size === 1 ? [...accounts.keys()][0]! : 'file';
}
