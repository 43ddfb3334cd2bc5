import { sql, type Kysely } from 'kysely';
import type { Database, OpencostAllocationInsert, OpencostIdleInsert, OpencostInferenceInsert } from '../db/types.ts';

/** The OpenCost part of a FactBatch (see upsert.ts). */
export interface OpencostFacts {
  opencostAllocations?: OpencostAllocationInsert[];
  opencostIdle?: OpencostIdleInsert[];
  opencostInference?: OpencostInferenceInsert[];
}

const CHUNK = 500;
const excluded = (cols: string[]) => Object.fromEntries(cols.map((c) => [c, sql.ref(`excluded.${c}`)]));
const json = <T extends { extra?: unknown }>(r: T) => ({ ...r, extra: JSON.stringify(r.extra ?? {}) });

/**
 * Upserts OpenCost facts on their natural keys; with `replace`, rows of [start, end) not in this
 * pull are deleted (a deployment that is gone from a re-pulled day), unless the pull came back
 * empty for that table (an empty answer must never erase what is stored).
 */
export async function writeOpencostFacts(trx: Kysely<Database>, f: OpencostFacts, replace?: { start: Date; end: Date }): Promise<number> {
  let n = 0;
  const alloc = f.opencostAllocations ?? [];
  for (let i = 0; i < alloc.length; i += CHUNK) {
    const part = alloc.slice(i, i + CHUNK);
    await trx
      .insertInto('opencost_gpu_allocations')
      .values(part.map(json))
      .onConflict((oc) => oc.columns(['hour', 'cluster', 'node', 'namespace', 'deployment']).doUpdateSet({ ...excluded(['hour_end', 'node_pool', 'gpu_hours', 'gpu_request_average', 'gpu_cost_list', 'total_cost_list', 'extra']), ingested_at: sql`now()` }))
      .execute();
    n += part.length;
  }
  const idle = f.opencostIdle ?? [];
  for (let i = 0; i < idle.length; i += CHUNK) {
    const part = idle.slice(i, i + CHUNK);
    await trx
      .insertInto('opencost_gpu_idle')
      .values(part.map(json))
      .onConflict((oc) => oc.columns(['hour', 'cluster', 'node']).doUpdateSet({ ...excluded(['hour_end', 'node_pool', 'gpu_hours', 'gpu_hours_basis', 'gpu_cost_list', 'extra']), ingested_at: sql`now()` }))
      .execute();
    n += part.length;
  }
  const inf = f.opencostInference ?? [];
  for (let i = 0; i < inf.length; i += CHUNK) {
    const part = inf.slice(i, i + CHUNK);
    await trx
      .insertInto('opencost_inference_costs')
      .values(part.map(json))
      .onConflict((oc) =>
        oc.columns(['window_start', 'window_end', 'model_name', 'model_version', 'namespace', 'cluster', 'cost_basis']).doUpdateSet({
          ...excluded(['total_cost_list', 'prompt_tokens', 'generation_tokens', 'total_tokens', 'cost_per_million_tokens', 'input_cost_per_million_tokens', 'output_cost_per_million_tokens', 'allocation_method', 'extra']),
          ingested_at: sql`now()`,
        }),
      )
      .execute();
    n += part.length;
  }
  if (replace) {
    const stale = sql<Date>`now()`;
    if (alloc.length) await trx.deleteFrom('opencost_gpu_allocations').where('hour', '>=', replace.start).where('hour', '<', replace.end).where('ingested_at', '<>', stale).execute();
    if (idle.length) await trx.deleteFrom('opencost_gpu_idle').where('hour', '>=', replace.start).where('hour', '<', replace.end).where('ingested_at', '<>', stale).execute();
    if (inf.length) await trx.deleteFrom('opencost_inference_costs').where('window_start', '>=', replace.start).where('window_start', '<', replace.end).where('ingested_at', '<>', stale).execute();
  }
  return n;
}
