import { Decimal } from 'decimal.js';
import type { OpencostAllocationInsert, OpencostIdleInsert, OpencostInferenceInsert } from '../../db/types.ts';
import type { Allocation, AllocationResponse, InferenceCostResponse } from './schema.ts';

export const IDLE_SUFFIX = '__idle__';
export const UNALLOCATED = '__unallocated__';
const SKIPPED = ['__external__', '__unmounted__'];
const HOUR_MS = 3_600_000;

/** A response that parses but cannot be right (wrong step, a window outside the request, a negative allocation). */
export class OpencostShapeError extends Error {}

export interface AllocationContext {
  /** The request window [start, end): one UTC day. */
  start: Date;
  end: Date;
  deploymentLabel: string;
  nodePoolLabel: string;
}

export interface NormalizedAllocations {
  allocations: OpencostAllocationInsert[];
  idle: OpencostIdleInsert[];
  /** Idle rows whose GPU-hours could not be derived (no list rate on the node or its pool that hour). */
  idleWithoutHours: number;
}

/**
 * OpenCost sanitizes label names the Prometheus way (`karpenter.sh/nodepool` →
 * `karpenter_sh_nodepool`), and node labels copied from kube_node_labels keep a `label_` prefix.
 */
export function labelCandidates(key: string): string[] {
  const sanitized = key.replace(/[^A-Za-z0-9_]/g, '_');
  return [...new Set([key, sanitized, `label_${sanitized}`])];
}

function labelValue(labels: Record<string, string> | null | undefined, key: string): string | null {
  if (!labels) return null;
  for (const k of labelCandidates(key)) {
    const v = labels[k];
    if (v !== undefined && v !== '') return v;
  }
  return null;
}

/** A JSON number (already rounded by OpenCost to 5 decimals) as an exact decimal string. */
const dec = (n: number): string => new Decimal(n).toFixed();
const positive = (n: number | null | undefined): n is number => typeof n === 'number' && n > 0;

function parseTime(s: string | null | undefined, what: string): Date {
  const t = s ? Date.parse(s) : Number.NaN;
  if (Number.isNaN(t)) throw new OpencostShapeError(`${what}: ${JSON.stringify(s ?? null)} is not an RFC3339 time`);
  return new Date(t);
}

/** The hour a set covers: its window when given (must be one aligned hour), else the allocation's own start/end. */
function hourOf(a: Allocation, where: string, ctx: AllocationContext): { hour: Date; hourEnd: Date } {
  const ws = a.window?.start && a.window.start !== 'null' ? a.window.start : a.start;
  const we = a.window?.end && a.window.end !== 'null' ? a.window.end : a.end;
  const start = parseTime(ws, `${where}.window.start`);
  const end = parseTime(we, `${where}.window.end`);
  const hour = new Date(Math.floor(start.getTime() / HOUR_MS) * HOUR_MS);
  if (end.getTime() - hour.getTime() > HOUR_MS || end <= start) {
    throw new OpencostShapeError(`${where}: window ${ws}..${we} is not within one hour (the request asks for step=1h)`);
  }
  if (hour < ctx.start || end > ctx.end) {
    throw new OpencostShapeError(`${where}: window ${ws}..${we} lies outside the requested ${ctx.start.toISOString()}..${ctx.end.toISOString()}`);
  }
  return { hour, hourEnd: new Date(hour.getTime() + HOUR_MS) };
}

/**
 * The aggregate key is `<cluster>/<node>/<namespace>/<deployment label value>` (GenerateKey joins
 * the aggregate properties with "/"); properties win where OpenCost kept them.
 */
function keyParts(a: Allocation): { cluster: string; node: string; namespace: string; deployment: string } {
  const parts = a.name.split('/');
  const n = parts.length;
  const fromName = n >= 4
    ? { cluster: parts.slice(0, n - 3).join('/'), node: parts[n - 3]!, namespace: parts[n - 2]!, deployment: parts[n - 1]! }
    : { cluster: '', node: '', namespace: n >= 2 ? parts[n - 2]! : '', deployment: parts[n - 1]! };
  const p = a.properties ?? {};
  return {
    cluster: p.cluster || fromName.cluster,
    node: p.node || fromName.node,
    namespace: p.namespace || fromName.namespace,
    deployment: fromName.deployment || UNALLOCATED,
  };
}

/**
 * One /allocation answer (one day, step=1h, aggregate=cluster,node,namespace,label:<deployment>,
 * includeIdle, idleByNode) → GPU-hours per deployment × node × hour and idle per node × hour.
 * Allocations without any GPU are dropped (CPU-only pods are not this table's business). Idle
 * allocations carry GPU cost at list but no GPU-hours, so idle GPU-hours are derived from the list
 * rate (gpuCost ÷ gpuHours) of the same node in the same hour, else of the node pool.
 */
export function normalizeAllocations(res: AllocationResponse, ctx: AllocationContext): NormalizedAllocations {
  const allocations: OpencostAllocationInsert[] = [];
  const idleRaw: Array<{ hour: Date; hourEnd: Date; cluster: string; node: string; a: Allocation }> = [];
  const seen = new Set<string>();
  const poolOfNode = new Map<string, string>();
  res.data.forEach((set, si) => {
    for (const [name, a] of Object.entries(set ?? {})) {
      const where = `data[${si}]["${name}"]`;
      if (SKIPPED.some((s) => name.includes(s))) continue;
      const { hour, hourEnd } = hourOf(a, where, ctx);
      if (name.includes(IDLE_SUFFIX)) {
        const parts = name.split('/');
        const node = a.properties?.node || (parts.length >= 3 ? parts[parts.length - 2]! : '');
        const cluster = a.properties?.cluster || (parts.length >= 3 ? parts.slice(0, parts.length - 2).join('/') : '');
        if (!positive(a.gpuCost) && !positive(a.gpuHours) && !(typeof a.gpuCost === 'number' && a.gpuCost < 0)) continue;
        idleRaw.push({ hour, hourEnd, cluster, node, a });
        continue;
      }
      const gpuHours = a.gpuHours ?? 0;
      if (gpuHours < 0) throw new OpencostShapeError(`${where}.gpuHours: ${gpuHours} is negative`);
      if (!positive(gpuHours) && !positive(a.gpuCost)) continue;
      const k = keyParts(a);
      const pool = labelValue(a.properties?.labels, ctx.nodePoolLabel) ?? '';
      if (pool && k.node) poolOfNode.set(`${k.cluster}/${k.node}`, pool);
      const key = `${hour.toISOString()}|${k.cluster}|${k.node}|${k.namespace}|${k.deployment}`;
      if (seen.has(key)) throw new OpencostShapeError(`${where}: a second allocation for ${k.namespace}/${k.deployment} on node ${k.node} in the same hour`);
      seen.add(key);
      allocations.push({
        hour,
        hour_end: hourEnd,
        cluster: k.cluster,
        node: k.node,
        namespace: k.namespace,
        deployment: k.deployment,
        node_pool: pool,
        gpu_hours: dec(gpuHours),
        gpu_request_average: a.gpuRequestAverage == null ? null : dec(a.gpuRequestAverage),
        gpu_cost_list: a.gpuCost == null ? null : dec(a.gpuCost),
        total_cost_list: a.totalCost == null ? null : dec(a.totalCost),
        extra: { name, ...(a.gpuCount != null ? { gpuCount: a.gpuCount } : {}), ...(a.minutes != null ? { minutes: a.minutes } : {}) },
      });
    }
  });

  // List rates per GPU-hour (Σ gpuCost ÷ Σ gpuHours) by node and by pool, per hour.
  const rates = new Map<string, { cost: Decimal; hours: Decimal }>();
  const addRate = (k: string, cost: string | null | undefined, hours: string) => {
    if (cost == null) return;
    const r = rates.get(k) ?? { cost: new Decimal(0), hours: new Decimal(0) };
    rates.set(k, { cost: r.cost.plus(cost), hours: r.hours.plus(hours) });
  };
  for (const r of allocations) {
    const h = (r.hour as Date).toISOString();
    addRate(`node|${h}|${r.cluster}/${r.node}`, r.gpu_cost_list as string | null, r.gpu_hours as string);
    if (r.node_pool) addRate(`pool|${h}|${r.node_pool}`, r.gpu_cost_list as string | null, r.gpu_hours as string);
    addRate(`cluster|${h}|${r.cluster}`, r.gpu_cost_list as string | null, r.gpu_hours as string);
    addRate(`all|${h}`, r.gpu_cost_list as string | null, r.gpu_hours as string);
  }
  const rateOf = (k: string): Decimal | null => {
    const r = rates.get(k);
    return r && r.hours.gt(0) && r.cost.gt(0) ? r.cost.div(r.hours) : null;
  };

  let idleWithoutHours = 0;
  const idle: OpencostIdleInsert[] = idleRaw.map(({ hour, hourEnd, cluster, node, a }) => {
    const pool = poolOfNode.get(`${cluster}/${node}`) ?? '';
    const h = hour.toISOString();
    const cost = a.gpuCost ?? 0;
    let gpuHours: string | null = null;
    let basis: OpencostIdleInsert['gpu_hours_basis'] = null;
    if (positive(a.gpuHours)) {
      gpuHours = dec(a.gpuHours);
      basis = 'reported';
    } else {
      // A node's own rate, else its pool's; idle merged over nodes (node '') uses the cluster's
      // (or, merged over clusters, the whole answer's) average rate.
      const candidates: Array<[string, NonNullable<OpencostIdleInsert['gpu_hours_basis']>]> = node
        ? [[`node|${h}|${cluster}/${node}`, 'node_rate'], ...(pool ? [[`pool|${h}|${pool}`, 'pool_rate'] as [string, 'pool_rate']] : [])]
        : [[cluster ? `cluster|${h}|${cluster}` : `all|${h}`, 'cluster_rate']];
      for (const [k, b] of candidates) {
        const rate = rateOf(k);
        if (!rate) continue;
        gpuHours = new Decimal(cost).div(rate).toDecimalPlaces(6).toFixed();
        basis = b;
        break;
      }
      if (gpuHours === null) idleWithoutHours++;
    }
    return {
      hour,
      hour_end: hourEnd,
      cluster,
      node,
      node_pool: pool,
      gpu_hours: gpuHours,
      gpu_hours_basis: basis,
      gpu_cost_list: dec(cost),
      extra: { name: a.name },
    };
  });
  return { allocations, idle: mergeIdle(idle), idleWithoutHours };
}

/** A server that merges idle into one `__idle__` per set gives one row per hour with node ''; keys stay unique. */
function mergeIdle(rows: OpencostIdleInsert[]): OpencostIdleInsert[] {
  const byKey = new Map<string, OpencostIdleInsert>();
  for (const r of rows) {
    const k = `${(r.hour as Date).toISOString()}|${r.cluster}|${r.node}`;
    const prev = byKey.get(k);
    if (!prev) {
      byKey.set(k, r);
      continue;
    }
    const hours = prev.gpu_hours != null && r.gpu_hours != null ? new Decimal(prev.gpu_hours).plus(r.gpu_hours).toFixed() : null;
    byKey.set(k, { ...prev, gpu_hours: hours, gpu_hours_basis: hours === null ? null : prev.gpu_hours_basis, gpu_cost_list: new Decimal(prev.gpu_cost_list).plus(r.gpu_cost_list).toFixed() });
  }
  return [...byKey.values()];
}

/** /inferenceCost/total for one day → one row per model × namespace × cluster × cost basis. */
export function normalizeInferenceCosts(res: InferenceCostResponse, ctx: { start: Date; end: Date; costBasis: string }): OpencostInferenceInsert[] {
  const out: OpencostInferenceInsert[] = [];
  const n = (v: number | null | undefined) => (v == null ? null : dec(v));
  for (const [key, c] of Object.entries(res.data.inferenceCosts ?? {})) {
    const model = c.properties.modelName || key.split(':')[0] || key;
    out.push({
      window_start: ctx.start,
      window_end: ctx.end,
      model_name: model,
      model_version: c.properties.modelVersion ?? '',
      namespace: c.properties.namespace ?? '',
      cluster: c.properties.cluster ?? '',
      cost_basis: c.costBasis || ctx.costBasis,
      total_cost_list: n(c.totalCost),
      prompt_tokens: n(c.promptTokens),
      generation_tokens: n(c.generationTokens),
      total_tokens: n(c.totalTokens),
      cost_per_million_tokens: n(c.costPerMillionTokens),
      input_cost_per_million_tokens: n(c.inputCostPerMillionTokens),
      output_cost_per_million_tokens: n(c.outputCostPerMillionTokens),
      allocation_method: c.allocationMethod ?? null,
      extra: { key },
    });
  }
  return out;
}
