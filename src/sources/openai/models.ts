import { z } from 'zod';
import { fetchJson, type HttpDeps } from '../http.ts';
import { SourceHttpError } from '../../errors.ts';

/**
 * `GET /v1/models` carries `shutdown_date` on models OpenAI has scheduled for shutdown. An admin
 * key may not be allowed to list models (401/403): then there is nothing to read and the shipped
 * retirement table stands. The shape is read tolerantly: unknown fields are ignored, a date may
 * come as YYYY-MM-DD, an ISO time or unix seconds, and an unreadable one is skipped (reported).
 */
const modelList = z.looseObject({
  data: z.array(z.looseObject({ id: z.string(), shutdown_date: z.union([z.string(), z.number()]).nullable().optional() })),
});

export interface OpenaiShutdowns {
  shutdowns: Array<{ model: string; date: string }>;
  /** Models whose shutdown_date could not be read (kept out of the table, never guessed). */
  unreadable: Array<{ model: string; value: unknown }>;
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
  const out: OpenaiShutdowns = { shutdowns: [], unreadable: [] };
  for (const m of parsed.data) {
    if (m.shutdown_date === undefined || m.shutdown_date === null || m.shutdown_date === '') continue;
    const date = shutdownDate(m.shutdown_date);
    if (date) out.shutdowns.push({ model: m.id, date });
    else out.unreadable.push({ model: m.id, value: m.shutdown_date });
  }
  return out;
}

/** Reads the shutdown dates, or null when this key may not list models. */
export async function fetchOpenaiShutdowns(http: HttpDeps, client: { baseUrl: string; key: string }): Promise<OpenaiShutdowns | null> {
  const url = new URL(`${client.baseUrl.replace(/\/+$/, '')}/models`);
  try {
    const { data } = await fetchJson(http, { source: 'openai', url, headers: { Authorization: `Bearer ${client.key}`, Accept: 'application/json' }, schema: modelList });
    return parseOpenaiShutdowns(data);
  } catch (err) {
    if (err instanceof SourceHttpError && (err.status === 401 || err.status === 403 || err.status === 404)) return null;
    throw err;
  }
}
