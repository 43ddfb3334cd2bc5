import { sql, type Transaction } from 'kysely';
import type { CostLineItemInsert, Database, GpuMetricInsert, ServingMetricInsert, UsageFactInsert } from '../db/types.ts';

/** Normalized facts of one window (or one file), ready to write. */
export interface FactBatch {
  usage?: UsageFactInsert[];
  costs?: CostLineItemInsert[];
  serving?: ServingMetricInsert[];
  gpu?: GpuMetricInsert[];
}

/**
 * What a window re-pull replaces: facts of this scope inside the window that the new pull no longer
 * contains are deleted (a restated bill can drop a group), the rest are upserted on natural keys.
 */
export interface ReplaceScope {
  start: Date;
  end: Date;
  account?: string;
  usageProvider?: string;
  costSource?: string;
  serving?: boolean;
  gpu?: boolean;
}

const CHUNK = 500;

function chunks<T>(rows: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += CHUNK) out.push(rows.slice(i, i + CHUNK));
  return out;
}

/** Columns each table updates on conflict: every value column (never the key, id or feature). */
const USAGE_VALUES = ['uncached_input_tokens', 'cache_read_tokens', 'cache_write_tokens', 'cache_write_1h_tokens', 'output_tokens', 'requests', 'extra'] as const;
const COST_KEY = new Set(['source', 'account', 'charge_period_start', 'charge_period_end', 'line_key', 'id', 'feature', 'ingested_at']);
const SERVING_KEY = new Set(['hour', 'deployment', 'model', 'feature', 'ingested_at']);
const GPU_KEY = new Set(['hour', 'hostname', 'gpu', 'ingested_at']);

function excludedSet(columns: readonly string[]) {
  return Object.fromEntries(columns.map((c) => [c, sql.ref(`excluded.${c}`)]));
}

/**
 * Writes a batch inside the caller's transaction. Rows touched get this transaction's now() as
 * ingested_at; with a scope, rows of the window not in the batch are removed afterwards.
 * Returns the number of rows written.
 */
export async function writeFacts(trx: Transaction<Database>, batch: FactBatch, scope?: ReplaceScope): Promise<number> {
  let n = 0;
  for (const part of chunks(dedupe(batch.usage ?? [], usageKey))) {
    await trx
      .insertInto('usage_facts')
      .values(part.map((r) => ({ ...r, extra: JSON.stringify(r.extra ?? {}) })))
      .onConflict((oc) => oc.constraint('usage_facts_natural_key').doUpdateSet({ ...excludedSet(USAGE_VALUES), ingested_at: sql`now()` }))
      .execute();
    n += part.length;
  }
  for (const part of chunks(dedupe(batch.costs ?? [], costKey))) {
    const cols = Object.keys(part[0]!).filter((c) => !COST_KEY.has(c));
    await trx
      .insertInto('cost_line_items')
      .values(part.map((r) => ({ ...r, tags: JSON.stringify(r.tags ?? {}), extra: JSON.stringify(r.extra ?? {}) })))
      .onConflict((oc) => oc.constraint('cost_line_items_natural_key').doUpdateSet({ ...excludedSet(cols), ingested_at: sql`now()` }))
      .execute();
    n += part.length;
  }
  for (const part of chunks(dedupe(batch.serving ?? [], (r) => `${iso(r.hour)}|${r.deployment}|${r.model ?? ''}`))) {
    const cols = Object.keys(part[0]!).filter((c) => !SERVING_KEY.has(c));
    await trx
      .insertInto('serving_metrics')
      .values(part)
      .onConflict((oc) => oc.columns(['hour', 'deployment', 'model']).doUpdateSet({ ...excludedSet(cols), ingested_at: sql`now()` }))
      .execute();
    n += part.length;
  }
  for (const part of chunks(dedupe(batch.gpu ?? [], (r) => `${iso(r.hour)}|${r.hostname}|${r.gpu}`))) {
    const cols = Object.keys(part[0]!).filter((c) => !GPU_KEY.has(c));
    await trx
      .insertInto('gpu_metrics')
      .values(part)
      .onConflict((oc) => oc.columns(['hour', 'hostname', 'gpu']).doUpdateSet({ ...excludedSet(cols), ingested_at: sql`now()` }))
      .execute();
    n += part.length;
  }
  if (scope) await deleteStale(trx, scope, batch);
  return n;
}

/**
 * A pull that came back empty for a table replaces nothing: an empty answer is what a source gives
 * past its retention (Prometheus), for a wrong organisation, or during an outage, and it must never
 * erase facts already stored. Serving and GPU rows are replaced only for the deployments and hosts
 * the pull returned.
 */
async function deleteStale(trx: Transaction<Database>, s: ReplaceScope, batch: FactBatch): Promise<void> {
  const account = s.account ?? 'default';
  if (s.usageProvider && (batch.usage?.length ?? 0) > 0) {
    await trx
      .deleteFrom('usage_facts')
      .where('provider', '=', s.usageProvider)
      .where('account', '=', account)
      .where('bucket_start', '>=', s.start)
      .where('bucket_start', '<', s.end)
      .where('ingested_at', '<>', sql<Date>`now()`)
      .execute();
  }
  if (s.costSource && (batch.costs?.length ?? 0) > 0) {
    await trx
      .deleteFrom('cost_line_items')
      .where('source', '=', s.costSource)
      .where('account', '=', account)
      .where('charge_period_start', '>=', s.start)
      .where('charge_period_start', '<', s.end)
      .where('ingested_at', '<>', sql<Date>`now()`)
      .execute();
  }
  const deployments = [...new Set((batch.serving ?? []).map((r) => r.deployment))];
  if (s.serving && deployments.length > 0) {
    await trx
      .deleteFrom('serving_metrics')
      .where('deployment', 'in', deployments)
      .where('hour', '>=', s.start)
      .where('hour', '<', s.end)
      .where('ingested_at', '<>', sql<Date>`now()`)
      .execute();
  }
  const hosts = [...new Set((batch.gpu ?? []).map((r) => r.hostname))];
  if (s.gpu && hosts.length > 0) {
    await trx
      .deleteFrom('gpu_metrics')
      .where('hostname', 'in', hosts)
      .where('hour', '>=', s.start)
      .where('hour', '<', s.end)
      .where('ingested_at', '<>', sql<Date>`now()`)
      .execute();
  }
}

const iso = (d: Date | string) => (typeof d === 'string' ? new Date(d).toISOString() : d.toISOString());

function usageKey(r: UsageFactInsert): string {
  return [r.provider, r.account ?? 'default', iso(r.bucket_start), iso(r.bucket_end), r.project_id, r.api_key_id, r.workspace_id, r.model, r.service_tier, r.batch, r.context_window].join('|');
}
function costKey(r: CostLineItemInsert): string {
  return [r.source, r.account ?? 'default', iso(r.charge_period_start), iso(r.charge_period_end), r.line_key].join('|');
}

/**
 * Two rows with one natural key in a single INSERT … ON CONFLICT is an error in Postgres
 * ("cannot affect row a second time"). A normalizer must not produce them; if it does, that is a
 * bug we want loudly, not a silent last-wins.
 */
function dedupe<T>(rows: T[], key: (r: T) => string): T[] {
  const seen = new Set<string>();
  for (const r of rows) {
    const k = key(r);
    if (seen.has(k)) throw new Error(`duplicate natural key in one batch: ${k}`);
    seen.add(k);
  }
  return rows;
}
