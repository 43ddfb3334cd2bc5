import { z } from 'zod';
import type { Ctx } from '../../context.ts';
import { errorMessage, SourceHttpError } from '../../errors.ts';
import { archivePages } from '../../ingest/raw-archive.ts';
import { httpDepsFor } from '../../ingest/window.ts';
import { storeModelShutdowns } from '../../db/repositories/model-shutdowns.ts';
import { fetchJson, type HttpDeps, type PageRecord } from '../http.ts';
import { OPENAI_ENDPOINTS, SOURCE } from './client.ts';

/**
 * `GET /v1/models` carries `shutdown_date` on models OpenAI has scheduled for shutdown. An admin
 * key may not be allowed to list models (401/403): then there is nothing to read and the shipped
 * retirement table stands. The shape is read tolerantly: unknown fields are ignored, a date may
 * come as YYYY-MM-DD, an ISO time or unix seconds, and an unreadable one is skipped (reported).
 */
const modelList = z.looseObject({
  data: z.array(z.looseObject({ id: z.string(), shutdown_date: z.union([z.string(), z.number()]).nullable().optional() })),
});

/** The origin the retirement table and the report name for these dates. */
export const OPENAI_MODELS_ORIGIN = 'OpenAI /v1/models';

export interface OpenaiShutdowns {
  shutdowns: Array<{ model: string; date: string }>;
  /** Models whose shutdown_date could not be read (kept out of the table, never guessed). */
  unreadable: Array<{ model: string; value: unknown }>;
  /** Models listed without a shutdown date. */
  undated: string[];
}

export function shutdownDate(v: string | number): string | null {
  if (typeof v === 'number') return Number.isFinite(v) && v > 0 ? new Date(v * 1000).toISOString().slice(0, 10) : null;
  const t = v.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) return Number.isNaN(Date.parse(`${t}T00:00:00Z`)) ? null : t;
  if (/^\d+$/.test(t)) return shutdownDate(Number(t));
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString().slice(0, 10);
}

export function parseOpenaiShutdowns(json: unknown): OpenaiShutdowns {
  const parsed = modelList.parse(json);
  const out: OpenaiShutdowns = { shutdowns: [], unreadable: [], undated: [] };
  for (const m of parsed.data) {
    if (m.shutdown_date === undefined || m.shutdown_date === null || m.shutdown_date === '') {
      out.undated.push(m.id);
      continue;
    }
    const date = shutdownDate(m.shutdown_date);
    if (date) out.shutdowns.push({ model: m.id, date });
    else out.unreadable.push({ model: m.id, value: m.shutdown_date });
  }
  return out;
}

/** Reads the shutdown dates, or null when this key may not list models. */
export async function fetchOpenaiShutdowns(http: HttpDeps, client: { baseUrl: string; key: string }): Promise<OpenaiShutdowns | null> {
  const url = new URL(`${client.baseUrl.replace(/\/+$/, '')}${OPENAI_ENDPOINTS.models}`);
  try {
    const { data } = await fetchJson(http, { source: SOURCE, url, headers: { Authorization: `Bearer ${client.key}`, Accept: 'application/json' }, schema: modelList });
    return parseOpenaiShutdowns(data);
  } catch (err) {
    if (err instanceof SourceHttpError && (err.status === 401 || err.status === 403 || err.status === 404)) return null;
    throw err;
  }
}

export type ShutdownRefresh =
  | { state: 'stored'; stored: number; unreadable: OpenaiShutdowns['unreadable']; requests: number }
  | { state: 'not_readable'; requests: number }
  | { state: 'failed'; error: string; requests: number };

/**
 * Once per ingest run: reads `/v1/models` and stores its shutdown dates (model_shutdowns), the
 * page archived in raw_payloads like a connector's. Never fails the ingest: a key that may not
 * list models (401/403/404) stores nothing (the shipped table stands), any other failure keeps
 * what was stored, and an unreadable date is logged and skipped, never guessed.
 */
export async function refreshOpenaiShutdowns(ctx: Ctx, opts: { adminKey: string }): Promise<ShutdownRefresh> {
  const pages: PageRecord[] = [];
  let read: OpenaiShutdowns | null;
  try {
    read = await fetchOpenaiShutdowns(httpDepsFor(ctx, pages), { baseUrl: ctx.env.OPENAI_BASE_URL, key: opts.adminKey });
  } catch (err) {
    await archivePages(ctx.db, SOURCE, 'default', null, pages);
    const error = errorMessage(err);
    ctx.log.warn({ source: SOURCE, err: error }, 'model shutdown dates not read; the stored ones are kept');
    return { state: 'failed', error, requests: pages.length };
  }
  const fetchedAt = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    await archivePages(trx, SOURCE, 'default', null, pages);
    if (read) await storeModelShutdowns(trx, { provider: SOURCE, source: OPENAI_MODELS_ORIGIN, fetchedAt, dated: read.shutdowns, undated: read.undated });
  });
  if (!read) {
    ctx.log.info({ source: SOURCE, status: pages.at(-1)?.status }, 'the key may not list models; the shipped retirement table stands');
    return { state: 'not_readable', requests: pages.length };
  }
  for (const u of read.unreadable) ctx.log.warn({ source: SOURCE, model: u.model, shutdown_date: u.value }, 'unreadable shutdown_date from /v1/models: skipped');
  return { state: 'stored', stored: read.shutdowns.length, unreadable: read.unreadable, requests: pages.length };
}
