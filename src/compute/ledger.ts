import type { Config } from '../config/schema.ts';
import { UNATTRIBUTED } from '../attribution/apply.ts';
import { allocateLargestRemainder } from '../model/allocate.ts';
import { priceUsage } from '../prices/catalog.ts';
import { dayKey, HOUR_MS } from '../time.ts';
import { BEDROCK_PROVIDER } from '../sources/invoice-lines.ts';
import { splitPoolCost } from '../model/gpu-split.ts';
import type { CostLine, LineUsage, PoolShares, ServingHourRow } from './inputs.ts';
import { D, ZERO, type Dec } from './money.ts';

/** Converts an amount to the reporting currency on a day (exact decimal). */
export type ToReporting = (amount: string, currency: string, day: string) => string;

/** One allocated amount: a cost line's part for one feature on one day (reporting currency). */
export interface LedgerEntry {
  lineId: string;
  feature: string;
  day: string;
  idle: boolean;
  effective: string;
  billed: string;
}

export interface DeploymentBill {
  cost: Dec;
  idle: Dec;
  billedHours: Set<number>;
  idleHours: Set<number>;
  /** Cost per billed hour (the hour's share of its lines), for the utilization tax. */
  hourCost: Map<number, Dec>;
  estimated: boolean;
  source: string;
  /** GPU-hours OpenCost gave the deployment on shared node pools (null = none: a deployment billed by its own lines). */
  sharedGpuHours: Dec | null;
  /** Idle cost booked from shared node-pool lines (its hours with no tokens); own lines' idle is read off the ledger. */
  sharedIdle: Dec;
}

/** One node pool's bill over the month, as split by OpenCost shares. */
export interface PoolBill {
  cost: Dec;
  /** To deployments by their GPU-hours. */
  deployments: Dec;
  /** Cost of the pool's idle GPU-hours (its nodes' utilization tax). */
  idle: Dec;
  /** Periods in which OpenCost saw no GPU-hours on the pool: the line's rule-derived feature, else unattributed. */
  unshared: Dec;
}

export interface Ledger {
  entries: LedgerEntry[];
  deployments: Map<string, DeploymentBill>;
  /** Invoice total per reconciliation provider (reporting currency). */
  sourceTotals: Map<string, Dec>;
  /** Amount not counted because another source already billed it (COST-MODEL §10 one bill once). */
  overlapSkipped: Map<string, Dec>;
  /** Lines per source that no usage explains (cost with no usage). */
  unexplained: Map<string, Dec>;
  /** List-price amount and discount (list − effective) per provider, of the lines that report a list price. */
  listTotals: Map<string, { list: Dec; discount: Dec }>;
  /** Node pools billed by lines that OpenCost shares split (empty without OpenCost). */
  pools: Map<string, PoolBill>;
}

interface Share {
  feature: string;
  day: string;
  idle: boolean;
  weight: string;
}

/** The provider a line reconciles under: Bedrock lines on the AWS bill against the Bedrock usage. */
export const reconcileProvider = (l: CostLine): string => (l.bedrock ? BEDROCK_PROVIDER : l.source);

/**
 * Splits one line's effective and billed amounts over its shares by largest remainder (billed
 * follows the effective split), so a line's parts sum to it exactly in each column.
 */
function book(ledger: Ledger, line: CostLine, effective: string, billed: string, shares: Share[]): void {
  // Most lines have one share: the whole line, no arithmetic.
  if (shares.length === 1) {
    const s = shares[0]!;
    ledger.entries.push({ lineId: line.id, feature: s.feature, day: s.day, idle: s.idle, effective, billed });
    return;
  }
  const eff = allocateLargestRemainder(effective, shares.map((s) => s.weight));
  if (billed === effective) {
    shares.forEach((s, i) => ledger.entries.push({ lineId: line.id, feature: s.feature, day: s.day, idle: s.idle, effective: eff[i]!, billed: eff[i]! }));
    return;
  }
  const effWeights = eff.some((x) => !new D(x).isZero()) ? eff.map((x) => new D(x).abs().toFixed()) : shares.map((s) => s.weight);
  const bil = allocateLargestRemainder(billed, effWeights);
  shares.forEach((s, i) => ledger.entries.push({ lineId: line.id, feature: s.feature, day: s.day, idle: s.idle, effective: eff[i]!, billed: bil[i]! }));
}

/** Builds the month's allocation ledger from its cost lines (COST-MODEL §1 and §10). */
export function buildLedger(args: {
  config: Config;
  period: { start: Date; end: Date };
  lines: CostLine[];
  lineUsage: LineUsage[];
  serving: ServingHourRow[];
  toReporting: ToReporting;
  /** OpenCost shares of the month's node pools; lines with a `pool` are split by them. */
  pools?: PoolShares;
}): Ledger {
  const ledger: Ledger = { entries: [], deployments: new Map(), sourceTotals: new Map(), overlapSkipped: new Map(), unexplained: new Map(), listTotals: new Map(), pools: new Map() };
  const usageByLine = new Map<string, LineUsage[]>();
  for (const u of args.lineUsage) usageByLine.set(u.line_id, [...(usageByLine.get(u.line_id) ?? []), u]);
  const served = servedByHour(args.serving);
  for (const line of args.lines) {
    const effective = args.toReporting(line.effective, line.currency, line.day);
    const billed = args.toReporting(line.billed, line.currency, line.day);
    const provider = reconcileProvider(line);
    if (line.overlap) {
      ledger.overlapSkipped.set(provider, (ledger.overlapSkipped.get(provider) ?? ZERO).plus(effective));
      // Booked at zero, so the line is accounted for (cost_daily shows it once, at $0) and never counted twice.
      ledger.entries.push({ lineId: line.id, feature: line.feature ?? UNATTRIBUTED, day: line.day, idle: false, effective: '0', billed: '0' });
      continue;
    }
    ledger.sourceTotals.set(provider, (ledger.sourceTotals.get(provider) ?? ZERO).plus(effective));
    if (line.list !== null) {
      const list = args.toReporting(line.list, line.currency, line.day);
      const t = ledger.listTotals.get(provider) ?? { list: ZERO, discount: ZERO };
      ledger.listTotals.set(provider, { list: t.list.plus(list), discount: t.discount.plus(list).minus(effective) });
    }
    if (line.deployment) {
      bookDeploymentLine(ledger, args, line, effective, billed, served);
      continue;
    }
    if (line.pool) {
      bookPoolLine(ledger, args, line, effective, billed, served, args.pools ?? { deployments: new Map(), idle: new Map() });
      continue;
    }
    const own: Share[] = [{ feature: line.feature ?? UNATTRIBUTED, day: line.day, idle: false, weight: '1' }];
    if (!line.api_invoice) {
      book(ledger, line, effective, billed, own);
      continue;
    }
    const shares = apiShares(args.config, line, usageByLine.get(line.id) ?? []);
    if (shares.length === 0) ledger.unexplained.set(provider, (ledger.unexplained.get(provider) ?? ZERO).plus(effective));
    book(ledger, line, effective, billed, shares.length ? shares : own);
  }
  return ledger;
}

const CLASS_COLUMN: Record<string, (u: LineUsage) => bigint> = {
  uncached: (u) => BigInt(u.uncached),
  read: (u) => BigInt(u.cache_read),
  write: (u) => BigInt(u.cache_write),
  write_1h: (u) => BigInt(u.cache_write_1h),
  write_5m: (u) => BigInt(u.cache_write) - BigInt(u.cache_write_1h),
  output: (u) => BigInt(u.output),
};

/**
 * The usage that explains an API line, as weights per feature. A typed line (one model, one token
 * class) weighs its usage by tokens of that class, which within the line is proportional to its list
 * price; a line with no token class (credit, refund, tool charge) weighs it by the usage priced at
 * list, never by raw token counts. Usage of the line's own tier is used when there is any.
 */
function apiShares(config: Config, line: CostLine, usage: LineUsage[]): Share[] {
  const hasTier = usage.some((u) => u.tier_match);
  const rows = hasTier ? usage.filter((u) => u.tier_match) : usage;
  const weights = new Map<string, Dec>();
  for (const u of rows) {
    let w: Dec;
    const column = CLASS_COLUMN[line.klass];
    if (column) {
      w = new D(column(u).toString());
    } else {
      const priced = u.model
        ? priceUsage(
            {
              provider: u.provider,
              model: u.model,
              at: new Date(`${line.day}T12:00:00Z`),
              uncachedInputTokens: u.uncached,
              cacheReadTokens: u.cache_read,
              cacheWriteTokens: (BigInt(u.cache_write) - BigInt(u.cache_write_1h)).toString(),
              cacheWrite1hTokens: u.cache_write_1h,
              outputTokens: u.output,
              batch: u.batch,
            },
            config,
          )
        : null;
      // Usage the catalog cannot price still explains the line, at its token count (never at $0).
      w = priced && priced.priced ? new D(priced.cost) : new D((BigInt(u.uncached) + BigInt(u.cache_read) + BigInt(u.cache_write) + BigInt(u.output)).toString());
    }
    if (w.gt(0)) weights.set(u.feature, (weights.get(u.feature) ?? ZERO).plus(w));
  }
  return [...weights.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([feature, w]) => ({ feature, day: line.day, idle: false, weight: w.toFixed() }));
}

function servedByHour(rows: ServingHourRow[]): { byHour: Map<string, Array<{ feature: string; tokens: string }>>; month: Map<string, Map<string, bigint>> } {
  const byHour = new Map<string, Array<{ feature: string; tokens: string }>>();
  const month = new Map<string, Map<string, bigint>>();
  for (const r of rows) {
    if (BigInt(r.tokens) <= 0n) continue;
    const k = `${r.deployment}|${new Date(r.hour).getTime()}`;
    byHour.set(k, [...(byHour.get(k) ?? []), { feature: r.feature, tokens: r.tokens }]);
    const m = month.get(r.deployment) ?? new Map<string, bigint>();
    m.set(r.feature, (m.get(r.feature) ?? 0n) + BigInt(r.tokens));
    month.set(r.deployment, m);
  }
  return { byHour, month };
}

const emptyBill = (source: string): DeploymentBill => ({ cost: ZERO, idle: ZERO, billedHours: new Set(), idleHours: new Set(), hourCost: new Map(), estimated: false, source, sharedGpuHours: null, sharedIdle: ZERO });

/**
 * Who a deployment's hour of capacity is for: the features it served that hour by their tokens, or
 * when it served nothing (idle) the month's token share of the deployment, else its owner. Weights
 * sum to 1.
 */
function hourFeatures(
  served: ReturnType<typeof servedByHour>,
  name: string,
  hour: number,
  owner: string,
): { idle: boolean; weights: Array<[string, Dec]> } {
  const s = served.byHour.get(`${name}|${hour}`) ?? [];
  if (s.length === 0) {
    const monthShare = [...(served.month.get(name) ?? new Map<string, bigint>()).entries()];
    const total = monthShare.reduce((a, [, t]) => a + t, 0n);
    if (total === 0n) return { idle: true, weights: [[owner, new D(1)]] };
    return { idle: true, weights: monthShare.map(([feature, t]) => [feature, new D(t.toString()).dividedBy(total.toString())]) };
  }
  const total = s.reduce((a, x) => a + BigInt(x.tokens), 0n);
  return { idle: false, weights: s.map((x) => [x.feature, new D(x.tokens).dividedBy(total.toString())]) };
}

/** Accumulates share weights per (feature, day, idle), sorted for a deterministic remainder order. */
class ShareSet {
  private readonly m = new Map<string, { share: Share; weight: Dec }>();
  add(feature: string, day: string, idle: boolean, weight: Dec): void {
    const k = `${feature}|${day}|${idle}`;
    const s = this.m.get(k) ?? { share: { feature, day, idle, weight: '0' }, weight: ZERO };
    s.weight = s.weight.plus(weight);
    this.m.set(k, s);
  }
  get size(): number {
    return this.m.size;
  }
  /** Weights as exact-enough decimals: 30 significant digits decide the remainder order only. */
  list(): Share[] {
    return [...this.m.values()]
      .sort((a, b) => (a.share.day + a.share.feature < b.share.day + b.share.feature ? -1 : 1))
      .map((x) => ({ ...x.share, weight: x.weight.toSignificantDigits(30).toFixed() }));
  }
}

/**
 * A GPU bill line is spread evenly over the hours of its own charge period (clipped to the month),
 * each hour's part split over the features by the tokens they were served that hour. Hours with no
 * tokens are idle cost, still allocated, by the month's token share of the deployment.
 */
function bookDeploymentLine(
  ledger: Ledger,
  args: { config: Config; period: { start: Date; end: Date } },
  line: CostLine,
  effective: string,
  billed: string,
  served: ReturnType<typeof servedByHour>,
): void {
  const name = line.deployment!;
  const start = Math.max(new Date(line.start).getTime(), args.period.start.getTime());
  const end = Math.min(new Date(line.end).getTime(), args.period.end.getTime());
  const first = Math.floor(start / HOUR_MS) * HOUR_MS;
  const hours = Math.max(1, Math.ceil((end - first) / HOUR_MS));
  const dep = ledger.deployments.get(name) ?? emptyBill(line.source);
  dep.cost = dep.cost.plus(effective);
  dep.estimated ||= line.estimated;
  ledger.deployments.set(name, dep);
  const owner = args.config.deployments.find((d) => d.name === name)?.feature ?? line.feature ?? UNATTRIBUTED;
  // Weights at the line's hour granularity: hour part (1/hours) × the feature's share of that hour.
  const shares = new ShareSet();
  const perHour = new D(effective).dividedBy(hours);
  for (let i = 0; i < hours; i++) {
    const hour = first + i * HOUR_MS;
    const day = dayKey(new Date(hour));
    dep.billedHours.add(hour);
    dep.hourCost.set(hour, (dep.hourCost.get(hour) ?? ZERO).plus(perHour));
    const f = hourFeatures(served, name, hour, owner);
    if (f.idle) {
      dep.idleHours.add(hour);
      dep.idle = dep.idle.plus(perHour);
    }
    for (const [feature, w] of f.weights) shares.add(feature, day, f.idle, w);
  }
  book(ledger, line, effective, billed, shares.list());
}

type PoolHour = { deployments: Array<{ hour: number; deployment: string; gpuHours: string }>; idle: Array<{ hour: number; node: string; gpuHours: string | null }> };
const poolIndexes = new WeakMap<PoolShares, Map<string, Map<number, PoolHour>>>();

/** A pool's cells by hour, built once per compute (a pool has many lines: one per day or per node-hour). */
function poolIndex(shares: PoolShares, pool: string): Map<number, PoolHour> {
  let all = poolIndexes.get(shares);
  if (!all) poolIndexes.set(shares, (all = new Map()));
  let idx = all.get(pool);
  if (!idx) {
    idx = new Map();
    const at = (h: number) => {
      let x = idx!.get(h);
      if (!x) idx!.set(h, (x = { deployments: [], idle: [] }));
      return x;
    };
    for (const c of shares.deployments.get(pool) ?? []) at(c.hour).deployments.push(c);
    for (const c of shares.idle.get(pool) ?? []) at(c.hour).idle.push(c);
    all.set(pool, idx);
  }
  return idx;
}

/** Decimals of the fine split of a pool line over its cells (aggregated, then rounded once per part). */
const CELL_SCALE = 10;

/**
 * A node pool's bill line (COST-MODEL §1, shared GPU nodes): the money is the line's, the shares
 * OpenCost's. `splitPoolCost` divides the line over every (deployment, hour) and (idle node, hour)
 * cell of its charge period by GPU-hours, exactly, at a fine scale; the cells are summed per
 * deployment (and idle, and unshared) and those sums rounded to the line's cents in one
 * largest-remainder pass, so no per-hour rounding accumulates. Each deployment's part then goes to
 * the features it served hour by hour by tokens, as a deployment's own line does. The pool's idle
 * nodes are its utilization tax, allocated (idle) by the month's token share of the pool's features;
 * a period in which OpenCost saw no GPU-hours on the pool goes to the line's rule-derived feature, else
 * stays unattributed. Every part is exact,
 * so the line's entries sum to it to the cent.
 */
function bookPoolLine(
  ledger: Ledger,
  args: { config: Config; period: { start: Date; end: Date } },
  line: CostLine,
  effective: string,
  billed: string,
  served: ReturnType<typeof servedByHour>,
  shares: PoolShares,
): void {
  const pool = line.pool!;
  const start = Math.max(new Date(line.start).getTime(), args.period.start.getTime());
  const end = Math.max(start + 1, Math.min(new Date(line.end).getTime(), args.period.end.getTime()));
  const first = Math.floor(start / HOUR_MS) * HOUR_MS;
  const cells: PoolHour['deployments'] = [];
  const idleCells: PoolHour['idle'] = [];
  const byHour = poolIndex(shares, pool);
  for (let h = first; h < end; h += HOUR_MS) {
    const at = byHour.get(h);
    if (!at) continue;
    cells.push(...at.deployments);
    idleCells.push(...at.idle);
  }
  const decimals = (x: string) => x.split('.')[1]?.length ?? 0;
  const fine = splitPoolCost({
    cost: effective,
    deployments: cells.map((c) => ({ deployment: c.deployment, hour: String(c.hour), gpuHours: c.gpuHours })),
    idle: idleCells.map((c) => ({ node: c.node, hour: String(c.hour), gpuHours: c.gpuHours })),
    scale: Math.max(CELL_SCALE, decimals(new D(effective).toFixed())),
  });

  // The line's parts: each deployment, the pool's idle, the unshared rest — rounded once, exactly.
  const parts = [...fine.byDeployment.map((d) => d.cost), fine.idleCost, fine.unsharedCost];
  const hoursOf = [...fine.byDeployment.map((d) => d.gpuHours), fine.idle.reduce((a, c) => a.plus(c.gpuHours ?? 0), ZERO).toFixed(), new D(fine.unsharedCost).isZero() ? '0' : '1'];
  const byCost = parts.map((x) => new D(x).abs().toFixed());
  const weights = byCost.some((x) => !new D(x).isZero()) ? byCost : hoursOf;
  const eff = allocateLargestRemainder(effective, weights);
  const bil = billed === effective ? eff : allocateLargestRemainder(billed, weights);
  const n = fine.byDeployment.length;

  const local: Ledger = { ...ledger, entries: [] };
  const owners = new Map(args.config.deployments.map((d) => [d.name, d.feature ?? UNATTRIBUTED]));
  const cellsOf = new Map<string, typeof fine.deployments>();
  for (const c of fine.deployments) {
    const list = cellsOf.get(c.deployment) ?? [];
    list.push(c);
    cellsOf.set(c.deployment, list);
  }
  fine.byDeployment.forEach((d, i) => {
    const dep = ledger.deployments.get(d.deployment) ?? emptyBill(line.source);
    dep.cost = dep.cost.plus(eff[i]!);
    dep.sharedGpuHours = (dep.sharedGpuHours ?? ZERO).plus(d.gpuHours);
    dep.estimated ||= line.estimated;
    ledger.deployments.set(d.deployment, dep);
    const byCostSet = new ShareSet();
    const byHoursSet = new ShareSet();
    for (const c of cellsOf.get(d.deployment) ?? []) {
      const hour = Number(c.hour);
      const day = dayKey(new Date(hour));
      dep.billedHours.add(hour);
      dep.hourCost.set(hour, (dep.hourCost.get(hour) ?? ZERO).plus(c.cost));
      const f = hourFeatures(served, d.deployment, hour, owners.get(d.deployment) ?? UNATTRIBUTED);
      if (f.idle) {
        dep.idleHours.add(hour);
        dep.idle = dep.idle.plus(c.cost);
      }
      for (const [feature, w] of f.weights) {
        byCostSet.add(feature, day, f.idle, w.times(new D(c.cost).abs()));
        byHoursSet.add(feature, day, f.idle, w.times(c.gpuHours));
      }
    }
    if (byCostSet.size === 0) return;
    const before = local.entries.length;
    // A part too small to weigh by money still names whom it is for, by GPU-hours.
    book(local, line, eff[i]!, bil[i]!, new D(d.cost).isZero() ? byHoursSet.list() : byCostSet.list());
    dep.sharedIdle = dep.sharedIdle.plus(local.entries.slice(before).filter((e) => e.idle).reduce((a, e) => a.plus(e.effective), ZERO));
  });

  if (fine.idle.length && !(new D(eff[n]!).isZero() && new D(bil[n]!).isZero())) {
    const poolFeatures = new Map<string, bigint>();
    for (const name of new Set((shares.deployments.get(pool) ?? []).map((c) => c.deployment))) {
      for (const [feature, t] of served.month.get(name) ?? new Map<string, bigint>()) poolFeatures.set(feature, (poolFeatures.get(feature) ?? 0n) + t);
    }
    const poolTokens = [...poolFeatures.values()].reduce((a, b) => a + b, 0n);
    const set = new ShareSet();
    fine.idle.forEach((c) => {
      const day = dayKey(new Date(Number(c.hour)));
      const w = new D(c.cost).isZero() ? new D(c.gpuHours ?? 0) : new D(c.cost).abs();
      if (poolTokens === 0n) set.add(UNATTRIBUTED, day, true, w);
      else for (const [feature, t] of poolFeatures) set.add(feature, day, true, w.times(t.toString()).dividedBy(poolTokens.toString()));
    });
    book(local, line, eff[n]!, bil[n]!, set.list());
  }
  if (!new D(eff[n + 1]!).isZero() || !new D(bil[n + 1]!).isZero()) {
    // Periods OpenCost saw nothing of the pool: the line's own rule-derived feature, else unattributed.
    book(local, line, eff[n + 1]!, bil[n + 1]!, [{ feature: line.feature ?? UNATTRIBUTED, day: line.day, idle: false, weight: '1' }]);
  }

  // One entry per (feature, day, idle) of the line: parts of several deployments are summed.
  const merged = new Map<string, LedgerEntry>();
  for (const e of local.entries) {
    const k = `${e.feature}|${e.day}|${e.idle}`;
    const m = merged.get(k);
    if (m) merged.set(k, { ...m, effective: new D(m.effective).plus(e.effective).toFixed(), billed: new D(m.billed).plus(e.billed).toFixed() });
    else merged.set(k, e);
  }
  ledger.entries.push(...merged.values());
  const pb = ledger.pools.get(pool) ?? { cost: ZERO, deployments: ZERO, idle: ZERO, unshared: ZERO };
  pb.cost = pb.cost.plus(effective);
  pb.deployments = pb.deployments.plus(eff.slice(0, n).reduce((a, x) => a.plus(x), ZERO));
  pb.idle = pb.idle.plus(eff[n]!);
  pb.unshared = pb.unshared.plus(eff[n + 1]!);
  ledger.pools.set(pool, pb);
}
