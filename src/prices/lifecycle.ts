import type { Config } from '../config/schema.ts';
import { catalogProviderId, modelIdCandidates } from './model-id.ts';
import { SHIPPED_RETIREMENTS } from './lifecycle-data.ts';

/**
 * Model lifecycle: is a model (a counterfactual's comparator, or what a feature runs on) retired
 * at a report month, or retiring soon after it? Pure; the table is built once from the shipped
 * data, the config and (optionally) the shutdown dates a provider's API reported (model_shutdowns).
 */

export interface RetirementEntry {
  provider: string;
  model: string;
  /** YYYY-MM-DD; null = retired on an unknown date (treated as retired for every month). */
  date: string | null;
  successor?: string;
  /** Where the entry comes from: 'shipped', 'config', or an API's origin ("OpenAI /v1/models"). */
  origin: string;
  note?: string;
}

export type RetirementTable = ReadonlyMap<string, RetirementEntry>;

export interface Retirement {
  status: 'retired' | 'retiring';
  /** Shutdown date (YYYY-MM-DD), null when unknown. */
  date: string | null;
  successor?: string;
  origin: string;
  /** The table entry's model id that matched. */
  matched: string;
}

const key = (provider: string, model: string) => `${catalogProviderId(provider)}|${model.trim().toLowerCase()}`;

/** A shutdown date a provider's API reported (model_shutdowns), with where it was read. */
export interface ApiShutdown {
  provider: string;
  model: string;
  /** YYYY-MM-DD. */
  date: string;
  /** Named in the report, e.g. "OpenAI /v1/models". */
  origin: string;
}

/**
 * Later sources replace earlier ones (same provider + model): shipped < a provider API's shutdown
 * dates < config `models.retirements`. An API date keeps the shipped entry's successor.
 */
export function buildRetirementTable(opts: { config?: Pick<Config, 'models'>; apiShutdowns?: ReadonlyArray<ApiShutdown> } = {}): RetirementTable {
  const table = new Map<string, RetirementEntry>();
  for (const r of SHIPPED_RETIREMENTS) {
    table.set(key(r.provider, r.model), { provider: r.provider, model: r.model, date: r.date, ...(r.successor ? { successor: r.successor } : {}), origin: 'shipped', note: r.source });
  }
  for (const s of opts.apiShutdowns ?? []) {
    const prev = table.get(key(s.provider, s.model));
    table.set(key(s.provider, s.model), { provider: s.provider, model: s.model, date: s.date, ...(prev?.successor ? { successor: prev.successor } : {}), origin: s.origin });
  }
  for (const r of opts.config?.models.retirements ?? []) {
    table.set(key(r.provider, r.model), {
      provider: r.provider,
      model: r.model,
      date: r.date ?? null,
      ...(r.successor ? { successor: r.successor } : {}),
      origin: 'config',
      ...(r.note ? { note: r.note } : {}),
    });
  }
  return table;
}

const DEFAULT_TABLE = buildRetirementTable();

function monthEnd(asOfMonth: string): Date {
  const m = /^(\d{4})-(\d{2})$/.exec(asOfMonth);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) throw new RangeError(`asOfMonth must be YYYY-MM, got "${asOfMonth}"`);
  return new Date(Date.UTC(Number(m[1]), Number(m[2]), 1)); // first day of the next month (exclusive end)
}

/**
 * The retirement of `model` (as billed or configured: dated snapshots and provider prefixes are
 * understood) at report month `asOfMonth`:
 * - `retired` when its shutdown date falls on or before the month's last day (or is unknown);
 * - `retiring` when it falls within `windowDays` after the month's end;
 * - null otherwise, and for models the table does not know.
 */
export function retirementFor(model: string, provider: string, asOfMonth: string, windowDays = 60, table: RetirementTable = DEFAULT_TABLE): Retirement | null {
  if (!Number.isInteger(windowDays) || windowDays < 0) throw new RangeError(`windowDays must be a non-negative integer, got ${windowDays}`);
  const end = monthEnd(asOfMonth);
  for (const id of modelIdCandidates(provider, model)) {
    const e = table.get(key(provider, id));
    if (!e) continue;
    const base = { date: e.date, origin: e.origin, matched: e.model, ...(e.successor ? { successor: e.successor } : {}) };
    if (e.date === null) return { status: 'retired', ...base };
    const shutdown = new Date(`${e.date}T00:00:00Z`);
    if (shutdown < end) return { status: 'retired', ...base };
    if (shutdown.getTime() < end.getTime() + windowDays * 86_400_000) return { status: 'retiring', ...base };
    return null;
  }
  return null;
}
