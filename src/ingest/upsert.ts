import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Config } from '../config/schema.ts';
import type { CostLineItemInsert, Database, GpuMetricInsert, ServingLatencyInsert, ServingMetricInsert, UsageFactInsert } from '../db/types.ts';
import { copyRecords, copyRows, type CopyValue } from '../db/copy.ts';
import { featureCase } from '../attribution/apply.ts';
import { maintainUsageRollups, markActivityStale, MAX_USAGE_BUCKET_MS } from './rollups.ts';
import { writeOpencostFacts, type OpencostFacts } from './upsert-opencost.ts';

/** Normalized facts of one window (or one file), ready to write. */
export interface FactBatch extends OpencostFacts {
  usage?: UsageFactInsert[];
  costs?: CostLineItemInsert[];
  serving?: ServingMetricInsert[];
  gpu?: GpuMetricInsert[];
  latency?: ServingLatencyInsert[];
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
  latency?: boolean;
  /** OpenCost shares, idle and inference cross-check of the window (see upsert-opencost.ts). */
  opencost?: boolean;
}

/** One column of a staged table: name, Postgres type, and the value used when a row leaves it out. */
type Column = readonly [name: string, type: string, fallback?: string];

/**
 * How a fact table is written: rows are COPYed into a temporary staging table of `columns`, then one
 * `INSERT … SELECT … ON CONFLICT DO UPDATE … WHERE <values changed>` moves them (unchanged rows are
 * not rewritten), and stale rows of a re-pulled scope go by one anti-join.
 */
interface TableSpec {
  table: 'usage_facts' | 'cost_line_items' | 'serving_metrics' | 'gpu_metrics' | 'serving_latency_hourly';
  stage: string;
  columns: readonly Column[];
  key: readonly string[];
  /** Columns the conflict update writes (every value column). */
  values: readonly string[];
}

const USAGE_DIMS: readonly Column[] = [
  ['provider', 'text'], ['account', 'text', "'default'"], ['project_id', 'text'], ['api_key_id', 'text'], ['workspace_id', 'text'],
  ['model', 'text'], ['service_tier', 'text'], ['batch', 'boolean'], ['context_window', 'text'],
];
const USAGE: TableSpec = {
  table: 'usage_facts',
  stage: 'stage_usage_facts',
  // The batch is staged with its dimension already resolved (dim_id), so the upsert and the stale-row
  // anti-join are hash joins on integers and timestamps.
  columns: [
    ['dim_id', 'bigint'], ['bucket_start', 'timestamptz'], ['bucket_end', 'timestamptz'],
    ['uncached_input_tokens', 'bigint', '0'], ['cache_read_tokens', 'bigint', '0'], ['cache_write_tokens', 'bigint', '0'],
    ['cache_write_1h_tokens', 'bigint', '0'], ['output_tokens', 'bigint', '0'], ['requests', 'bigint', '0'], ['extra', 'jsonb', "'{}'"],
  ],
  key: ['dim_id', 'bucket_start', 'bucket_end'],
  values: ['uncached_input_tokens', 'cache_read_tokens', 'cache_write_tokens', 'cache_write_1h_tokens', 'output_tokens', 'requests', 'extra'],
};
const COST_VALUES: readonly Column[] = [
  ['provider_name', 'text'], ['billing_account_id', 'text'], ['billing_currency', 'text'], ['billed_cost', 'numeric'], ['effective_cost', 'numeric'],
  ['list_cost', 'numeric'], ['contracted_cost', 'numeric'], ['charge_category', 'text', "'Usage'"], ['charge_class', 'text'],
  ['charge_description', 'text'], ['service_name', 'text'], ['service_category', 'text'], ['sku_id', 'text'], ['resource_id', 'text'],
  ['resource_type', 'text'], ['region_id', 'text'], ['consumed_quantity', 'numeric'], ['consumed_unit', 'text'], ['pricing_quantity', 'numeric'],
  ['pricing_unit', 'text'], ['tags', 'jsonb', "'{}'"], ['x_project_id', 'text'], ['x_api_key_id', 'text'], ['x_workspace_id', 'text'],
  ['x_model', 'text'], ['x_token_type', 'text'], ['x_usage_type', 'text'], ['x_line_item', 'text'], ['x_gpu_model', 'text'],
  ['x_gpu_count', 'integer'], ['estimated', 'boolean', 'false'], ['extra', 'jsonb', "'{}'"], ['deployment', 'text'],
  // FOCUS 1.2 columns (migration 20261202005100); NULL from sources that do not report them.
  ['sub_account_id', 'text'], ['sub_account_name', 'text'], ['billing_account_name', 'text'],
  ['billing_period_start', 'timestamptz'], ['billing_period_end', 'timestamptz'], ['commitment_discount_id', 'text'],
  ['commitment_discount_name', 'text'], ['commitment_discount_category', 'text'], ['commitment_discount_type', 'text'],
  ['commitment_discount_status', 'text'], ['commitment_discount_quantity', 'numeric'], ['commitment_discount_unit', 'text'],
];
const COSTS: TableSpec = {
  table: 'cost_line_items',
  stage: 'stage_cost_line_items',
  columns: [['source', 'text'], ['account', 'text', "'default'"], ['charge_period_start', 'timestamptz'], ['charge_period_end', 'timestamptz'], ['line_key', 'text'], ...COST_VALUES],
  key: ['source', 'account', 'charge_period_start', 'charge_period_end', 'line_key'],
  values: [...COST_VALUES.map((c) => c[0]), 'feature'],
};
const SERVING_VALUES: readonly Column[] = [
  ['engine', 'text'], ['prompt_tokens', 'bigint', '0'], ['generation_tokens', 'bigint', '0'], ['requests', 'bigint', '0'],
  ['prefix_cache_queries', 'bigint'], ['prefix_cache_hits', 'bigint'], ['kv_cache_usage_avg', 'double precision'],
  ['kv_cache_usage_p95', 'double precision'], ['requests_running_avg', 'double precision'], ['requests_waiting_avg', 'double precision'],
];
const SERVING: TableSpec = {
  table: 'serving_metrics',
  stage: 'stage_serving_metrics',
  columns: [['hour', 'timestamptz'], ['deployment', 'text'], ['model', 'text', "''"], ...SERVING_VALUES],
  key: ['hour', 'deployment', 'model'],
  values: SERVING_VALUES.map((c) => c[0]),
};
const GPU_VALUES: readonly Column[] = [
  ['uuid', 'text'], ['model_name', 'text'], ['deployment', 'text'], ['gpu_util_avg', 'double precision'],
  ['engine_active_avg', 'double precision'], ['fb_used_mib_avg', 'double precision'], ['power_w_avg', 'double precision'],
];
const GPU: TableSpec = {
  table: 'gpu_metrics',
  stage: 'stage_gpu_metrics',
  columns: [['hour', 'timestamptz'], ['hostname', 'text'], ['gpu', 'text'], ...GPU_VALUES],
  key: ['hour', 'hostname', 'gpu'],
  values: GPU_VALUES.map((c) => c[0]),
};

const LATENCY_VALUES: readonly Column[] = [
  ['engine', 'text'],
  ...(['ttft', 'e2e', 'queue'] as const).flatMap((f): Column[] => [[`${f}_count`, 'bigint'], [`${f}_p50_seconds`, 'double precision'], [`${f}_p95_seconds`, 'double precision'], [`${f}_buckets`, 'jsonb']]),
  ['preemptions', 'bigint'],
];
const LATENCY: TableSpec = {
  table: 'serving_latency_hourly',
  stage: 'stage_serving_latency_hourly',
  columns: [['hour', 'timestamptz'], ['deployment', 'text'], ...LATENCY_VALUES],
  key: ['hour', 'deployment'],
  values: LATENCY_VALUES.map((c) => c[0]),
};

const iso = (d: Date | string) => (typeof d === 'string' ? new Date(d).toISOString() : d.toISOString());

/**
 * The identity of a usage grouping: one usage_dims row per distinct value. Spelled exactly as
 * Postgres spells `json_build_array(provider, account, …)::text` (the migration keyed existing rows
 * that way; a test checks the two agree on awkward values), so the batch carries it as a plain
 * column and every join on it is a hash join on text.
 */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\u007f-\uffff]/;

export function usageDimKey(r: Pick<UsageFactInsert, 'provider' | 'account' | 'project_id' | 'api_key_id' | 'workspace_id' | 'model' | 'service_tier' | 'batch' | 'context_window'>): string {
  const values = [r.provider, r.account ?? 'default', r.project_id, r.api_key_id, r.workspace_id, r.model, r.service_tier, r.batch, r.context_window];
  let key = '[';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) key += ', ';
    // JSON.stringify only where a string needs escaping: most dimension values are plain ASCII ids.
    key += v === null || v === undefined ? 'null' : typeof v === 'string' && !NEEDS_ESCAPE.test(v) ? `"${v}"` : JSON.stringify(v);
  }
  return `${key}]`;
}

async function stage(db: Kysely<Database>, spec: TableSpec, rows: ReadonlyArray<Record<string, unknown>>): Promise<void> {
  const cols = sql.raw(spec.columns.map(([n, t]) => `${n} ${t}`).join(', '));
  await sql`create temp table if not exists ${sql.raw(spec.stage)} (${cols}) on commit delete rows`.execute(db);
  await sql`truncate ${sql.raw(spec.stage)}`.execute(db);
  await copyRecords(db, spec.stage, spec.columns.map((c) => c[0]), rows);
  // A temporary table has no statistics until analysed: without them the planner takes the staged
  // batch for a few rows and nests loops over it (an anti-join of 200k rows ran for minutes).
  await sql`analyze ${sql.raw(spec.stage)}`.execute(db);
}

/** `coalesce(s.col, fallback)` for every staged column. */
function selectList(spec: Pick<TableSpec, 'columns'>, alias: string): string {
  return spec.columns
    .map(([n, , fallback]) => (fallback ? `coalesce(${alias}.${n}, ${fallback}) as ${n}` : `${alias}.${n}`))
    .join(', ');
}

function conflictUpdate(spec: TableSpec): RawBuilder<unknown> {
  const set = spec.values.map((c) => `${c} = excluded.${c}`).join(', ');
  const mine = spec.values.map((c) => `${spec.table}.${c}`).join(', ');
  const theirs = spec.values.map((c) => `excluded.${c}`).join(', ');
  return sql.raw(`do update set ${set}, ingested_at = now() where (${mine}) is distinct from (${theirs})`);
}

/**
 * Writes a batch inside the caller's transaction (set-based: COPY into staging, one upsert per table,
 * stale rows by anti-join, rollups maintained for the days touched). Attribution is evaluated inline:
 * new usage and serving dimensions and every cost line get their rule-derived feature as they land.
 * Returns the number of rows in the batch.
 */
export async function writeFacts(db: Kysely<Database>, config: Config, batch: FactBatch, scope?: ReplaceScope): Promise<number> {
  // Staging tables live for one transaction: a caller outside one gets its own.
  if (!db.isTransaction) return db.transaction().execute((trx) => writeFacts(trx, config, batch, scope));
  const trx = db;
  // The facts a batch just wrote have no statistics yet, so the planner takes the target for a few
  // rows and nests loops for the stale-row anti-joins (50k × 50k comparisons ran for minutes). Hash
  // joins are right at every batch size here; the setting ends with the transaction.
  await sql`set local enable_nestloop = off`.execute(trx);
  // With nested loops priced out every plan's cost is huge, which turns on JIT compilation: 0.4–0.6 s
  // of compiling per rollup rebuild that the plain executor runs in a fraction of that. The batch's
  // grouping sorts spill to disk at the default work_mem; the setting ends with the transaction.
  await sql`set local jit = off`.execute(trx);
  await sql`set local work_mem = '64MB'`.execute(trx);
  let n = 0;
  const usage = batch.usage ?? [];
  if (usage.length) n += await writeUsage(trx, config, usage, scope);
  const costs = dedupe(batch.costs ?? [], (r) => [r.source, r.account ?? 'default', iso(r.charge_period_start), iso(r.charge_period_end), r.line_key].join('|'));
  if (costs.length) {
    await stage(trx, COSTS, costs);
    const feature = featureCase(config, 'cost_line_items');
    const names = [...COSTS.columns.map((c) => c[0]), 'feature', 'ingested_at'].join(', ');
    // The rule-derived feature is evaluated on the staged row itself (its columns carry the rule dimensions).
    await sql`insert into cost_line_items (${sql.raw(names)})
              select ${sql.raw(selectList(COSTS, 's'))}, ${feature}, now()
                from ${sql.raw(COSTS.stage)} s
              on conflict on constraint cost_line_items_natural_key ${conflictUpdate(COSTS)}`.execute(trx);
    if (scope?.costSource) {
      await sql`delete from cost_line_items c
                 where c.source = ${scope.costSource} and c.account = ${scope.account ?? 'default'}
                   and c.charge_period_start >= ${scope.start} and c.charge_period_start < ${scope.end}
                   and not exists (select 1 from ${sql.raw(COSTS.stage)} s
                                    where s.source = c.source and coalesce(s.account, 'default') = c.account and s.line_key = c.line_key
                                      and s.charge_period_start = c.charge_period_start and s.charge_period_end = c.charge_period_end)`.execute(trx);
    }
    await markActivityStale(trx, costs.map((r) => r.charge_period_start));
    n += costs.length;
  }
  const serving = dedupe(batch.serving ?? [], (r) => `${iso(r.hour)}|${r.deployment}|${r.model ?? ''}`);
  if (serving.length) {
    await stage(trx, SERVING, serving);
    await upsertStaged(trx, SERVING);
    const feature = featureCase(config, 'serving_metrics');
    await sql`insert into serving_dims (deployment, model, feature)
              select deployment, model, ${feature} from (select distinct deployment, coalesce(model, '') as model from ${sql.raw(SERVING.stage)}) t
              on conflict (deployment, model) do nothing`.execute(trx);
    if (scope?.serving) {
      await sql`delete from serving_metrics m
                 where m.hour >= ${scope.start} and m.hour < ${scope.end}
                   and m.deployment in (select distinct deployment from ${sql.raw(SERVING.stage)})
                   and not exists (select 1 from ${sql.raw(SERVING.stage)} s
                                    where s.hour = m.hour and s.deployment = m.deployment and coalesce(s.model, '') = m.model)`.execute(trx);
    }
    await markActivityStale(trx, serving.map((r) => r.hour));
    n += serving.length;
  }
  const gpu = dedupe(batch.gpu ?? [], (r) => `${iso(r.hour)}|${r.hostname}|${r.gpu}`);
  if (gpu.length) {
    await stage(trx, GPU, gpu);
    await upsertStaged(trx, GPU);
    if (scope?.gpu) {
      await sql`delete from gpu_metrics m
                 where m.hour >= ${scope.start} and m.hour < ${scope.end}
                   and m.hostname in (select distinct hostname from ${sql.raw(GPU.stage)})
                   and not exists (select 1 from ${sql.raw(GPU.stage)} s where s.hour = m.hour and s.hostname = m.hostname and s.gpu = m.gpu)`.execute(trx);
    }
    n += gpu.length;
  }
  const latency = dedupe(batch.latency ?? [], (r) => `${iso(r.hour)}|${r.deployment}`);
  if (latency.length) {
    await stage(trx, LATENCY, latency);
    await upsertStaged(trx, LATENCY);
    if (scope?.latency) {
      await sql`delete from serving_latency_hourly m
                 where m.hour >= ${scope.start} and m.hour < ${scope.end}
                   and m.deployment in (select distinct deployment from ${sql.raw(LATENCY.stage)})
                   and not exists (select 1 from ${sql.raw(LATENCY.stage)} s where s.hour = m.hour and s.deployment = m.deployment)`.execute(trx);
    }
    n += latency.length;
  }
  n += await writeOpencostFacts(trx, batch, scope?.opencost ? scope : undefined);
  return n;
}

async function upsertStaged(trx: Kysely<Database>, spec: TableSpec): Promise<void> {
  const names = [...spec.columns.map((c) => c[0]), 'ingested_at'].join(', ');
  await sql`insert into ${sql.raw(spec.table)} (${sql.raw(names)})
            select ${sql.raw(selectList(spec, 's'))}, now() from ${sql.raw(spec.stage)} s
            on conflict (${sql.raw(spec.key.join(', '))}) ${conflictUpdate(spec)}`.execute(trx);
}

/**
 * Usage: new groupings become usage_dims rows (with their rule-derived feature), facts reference
 * their dimension, and the daily and hourly rollups of the days touched are rebuilt from the facts.
 * A pull that came back empty replaces nothing (an empty answer past retention or during an outage
 * must never erase stored facts).
 */
async function writeUsage(trx: Kysely<Database>, config: Config, rows: UsageFactInsert[], scope?: ReplaceScope): Promise<number> {
  const { groups, groupOf } = groupByDimension(rows);
  const dimIds = await resolveUsageDims(trx, config, groups);
  const values = USAGE.columns.slice(3).map((c) => c[0] as keyof UsageFactInsert);
  let from = scope?.usageProvider ? scope.start.getTime() : Infinity;
  let to = scope?.usageProvider ? scope.end.getTime() : -Infinity;
  const staged = rows.map((r, i) => {
    const start = r.bucket_start instanceof Date ? r.bucket_start : new Date(r.bucket_start);
    const end = r.bucket_end instanceof Date ? r.bucket_end : new Date(r.bucket_end);
    const width = end.getTime() - start.getTime();
    if (!(width > 0 && width <= MAX_USAGE_BUCKET_MS)) {
      const show = (d: Date, raw: unknown) => (Number.isNaN(d.getTime()) ? `${JSON.stringify(raw)} (not a date)` : d.toISOString());
      throw new Error(`usage row ${i} of ${r.provider} ${r.model}: bucket ${show(start, r.bucket_start)} → ${show(end, r.bucket_end)} must end after it starts and span at most 31 days`);
    }
    if (start.getTime() < from) from = start.getTime();
    if (end.getTime() > to) to = end.getTime();
    const group = groups[groupOf[i]!]!;
    if (!group.buckets.add(start.getTime(), end.getTime())) {
      throw new Error(`duplicate natural key in one batch: ${group.key}|${start.toISOString()}|${end.toISOString()}`);
    }
    return [dimIds[groupOf[i]!]!, start, end, ...values.map((v) => r[v] as CopyValue)];
  });
  const cols = sql.raw(USAGE.columns.map(([n, t]) => `${n} ${t}`).join(', '));
  await sql`create temp table if not exists ${sql.raw(USAGE.stage)} (${cols}) on commit delete rows`.execute(trx);
  await sql`truncate ${sql.raw(USAGE.stage)}`.execute(trx);
  // No analyze here (unlike stage()): with nested loops off every join on the staged batch is a
  // hash join whatever its estimate, and analysing 200k staged rows costs a tenth of their COPY.
  await copyRows(trx, USAGE.stage, USAGE.columns.map((c) => c[0]), staged);
  const dims = USAGE_DIMS.map((c) => c[0]);
  const factCols = [...dims, ...USAGE.columns.slice(1).map((c) => c[0])];
  await sql`insert into usage_facts (dim_id, ${sql.raw(factCols.join(', '))}, ingested_at)
            select s.dim_id, ${sql.raw(dims.map((d) => `d.${d}`).join(', '))}, ${sql.raw(selectList({ columns: USAGE.columns.slice(1) }, 's'))}, now()
              from ${sql.raw(USAGE.stage)} s join usage_dims d on d.dim_id = s.dim_id
            on conflict on constraint usage_facts_natural_key ${conflictUpdate(USAGE)}`.execute(trx);
  if (scope?.usageProvider) {
    // Rows this batch wrote carry this transaction's now(); only older rows can be stale.
    await sql`delete from usage_facts f
               using usage_dims d
               where d.dim_id = f.dim_id and d.provider = ${scope.usageProvider} and d.account = ${scope.account ?? 'default'}
                 and f.bucket_start >= ${scope.start} and f.bucket_start < ${scope.end} and f.ingested_at < now()
                 and not exists (select 1 from ${sql.raw(USAGE.stage)} s
                                  where s.dim_id = f.dim_id and s.bucket_start = f.bucket_start and s.bucket_end = f.bucket_end)`.execute(trx);
  }
  const providers = [...new Set(groups.map((g) => g.row.provider))];
  await maintainUsageRollups(trx, providers, new Date(from), new Date(to));
  return rows.length;
}

/** One distinct usage grouping of a batch: its first row, its usage_dims key, the buckets seen for it. */
interface DimGroup {
  row: UsageFactInsert;
  key: string;
  buckets: BucketSet;
}

/** (bucket_start, bucket_end) pairs in epoch ms; `add` answers false for a pair already there. */
class BucketSet {
  private readonly ends = new Map<number, number | Set<number>>();
  add(start: number, end: number): boolean {
    const seen = this.ends.get(start);
    if (seen === undefined) this.ends.set(start, end);
    else if (typeof seen === 'number') {
      if (seen === end) return false;
      this.ends.set(start, new Set([seen, end]));
    } else {
      if (seen.has(end)) return false;
      seen.add(end);
    }
    return true;
  }
}

/** The dimension columns, in usage_dims key order (context_window last). */
const DIM_FIELDS = USAGE_DIMS.map((c) => c[0] as keyof UsageFactInsert);
type DimTrie = Map<unknown, DimTrie | number>;

/**
 * The distinct usage groupings of a batch and each row's grouping, found through a trie of Maps on
 * the dimension values (no per-row key string: building and hashing one per row cost more than the
 * COPY of the batch); the usage_dims key is spelled once per grouping.
 */
function groupByDimension(rows: UsageFactInsert[]): { groups: DimGroup[]; groupOf: Uint32Array } {
  const root: DimTrie = new Map();
  const groups: DimGroup[] = [];
  const groupOf = new Uint32Array(rows.length);
  const last = DIM_FIELDS.length - 1;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    let node = root;
    for (let j = 0; j < last; j++) {
      const f = DIM_FIELDS[j]!;
      const v = f === 'account' ? (r.account ?? 'default') : (r[f] ?? null);
      let next = node.get(v) as DimTrie | undefined;
      if (next === undefined) node.set(v, (next = new Map()));
      node = next;
    }
    const v = r[DIM_FIELDS[last]!] ?? null;
    let g = node.get(v) as number | undefined;
    if (g === undefined) {
      g = groups.push({ row: r, key: usageDimKey(r), buckets: new BucketSet() }) - 1;
      node.set(v, g);
    }
    groupOf[i] = g;
  }
  return { groups, groupOf };
}

/**
 * The usage_dims id of each distinct grouping in the batch (a few thousand at most): new groupings
 * are created with their rule-derived feature, and the ids of all of them are read back, in the
 * order of `groups`.
 */
async function resolveUsageDims(trx: Kysely<Database>, config: Config, groups: DimGroup[]): Promise<string[]> {
  const stageDims = 'stage_usage_dims';
  const dims = USAGE_DIMS.map((c) => c[0]);
  const cols = sql.raw([['dim_key', 'text'] as const, ...USAGE_DIMS].map(([n, t]) => `${n} ${t}`).join(', '));
  await sql`create temp table if not exists ${sql.raw(stageDims)} (${cols}) on commit delete rows`.execute(trx);
  await sql`truncate ${sql.raw(stageDims)}`.execute(trx);
  await copyRows(trx, stageDims, ['dim_key', ...dims], groups.map(({ key, row }) => [key, ...dims.map((d) => (d === 'account' ? (row.account ?? 'default') : (row[d as keyof UsageFactInsert] as CopyValue)))]));
  const feature = featureCase(config, 'usage_facts');
  await sql`insert into usage_dims (dim_key, ${sql.raw(dims.join(', '))}, feature)
            select dim_key, ${sql.raw(dims.join(', '))}, ${feature} from ${sql.raw(stageDims)} s
             where not exists (select 1 from usage_dims d where d.dim_key = s.dim_key)
            on conflict (dim_key) do nothing`.execute(trx);
  const found = await sql<{ dim_id: string; dim_key: string }>`
    select d.dim_id::text as dim_id, d.dim_key from usage_dims d join ${sql.raw(stageDims)} s on s.dim_key = d.dim_key`.execute(trx);
  const byKey = new Map(found.rows.map((r) => [r.dim_key, r.dim_id]));
  return groups.map((g) => {
    const id = byKey.get(g.key);
    if (id === undefined) throw new Error(`usage dimension ${g.key} was not created`);
    return id;
  });
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
