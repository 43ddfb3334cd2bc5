import type { Config } from '../config/schema.ts';
import { UNATTRIBUTED } from '../attribution/apply.ts';
import { allocateLargestRemainder } from '../model/allocate.ts';
import { HOUR_MS } from '../time.ts';
import type { AllocatableLine, CostLine, DeploymentPeriodCost } from './aggregate.ts';
import { D, ZERO, type Dec } from './money.ts';

/** Converts an amount to the reporting currency on a day (exact decimal). */
export type ToReporting = (amount: string, currency: string, day: string) => string;

export interface FeatureMoney {
  actual: Dec;
  idle: Dec;
  estimated: boolean;
}

export interface DeploymentMoney {
  cost: Dec;
  idle: Dec;
  idleHours: number;
  billedHours: number;
  estimated: boolean;
}

export class CostBook {
  readonly features = new Map<string, FeatureMoney>();
  readonly deployments = new Map<string, DeploymentMoney>();
  /** Source total in the reporting currency, for reconciliation to the cent. */
  readonly sourceTotals = new Map<string, Dec>();

  /** source → feature → amount, for per-provider reconciliation and unattributed spend. */
  readonly bySource = new Map<string, Map<string, Dec>>();

  add(feature: string, amount: Dec, opts: { idle?: boolean; estimated?: boolean; source?: string } = {}): void {
    if (opts.source) {
      const m = this.bySource.get(opts.source) ?? new Map<string, Dec>();
      m.set(feature, (m.get(feature) ?? ZERO).plus(amount));
      this.bySource.set(opts.source, m);
    }
    const f = this.features.get(feature) ?? { actual: ZERO, idle: ZERO, estimated: false };
    f.actual = f.actual.plus(amount);
    if (opts.idle) f.idle = f.idle.plus(amount);
    if (opts.estimated) f.estimated = true;
    this.features.set(feature, f);
  }

  addSource(source: string, amount: Dec): void {
    this.sourceTotals.set(source, (this.sourceTotals.get(source) ?? ZERO).plus(amount));
  }
}


/** API invoice lines split over the features whose usage explains them; parts sum exactly to each line. */
export function allocateApiLines(book: CostBook, lines: AllocatableLine[], toReporting: ToReporting): void {
  for (const line of lines) {
    const amount = toReporting(line.cost, line.currency, line.day);
    book.addSource(line.source, new D(amount));
    if (line.weights.length === 0) {
      // Cost with no usage: booked by the line's own attribution, and flagged in reconciliation.
      book.add(line.feature ?? UNATTRIBUTED, new D(amount), { source: line.source });
      continue;
    }
    const parts = allocateLargestRemainder(amount, line.weights.map((w) => w.weight));
    line.weights.forEach((w, i) => book.add(w.feature, new D(parts[i]!), { source: line.source }));
  }
}

/** Cloud lines not tied to a deployment (Bedrock, storage, untagged spend): booked by their own feature. */
export function bookDirectLines(book: CostBook, lines: CostLine[], toReporting: ToReporting): void {
  for (const line of lines) {
    const amount = new D(toReporting(line.cost, line.currency, line.day));
    book.addSource(line.source, amount);
    book.add(line.feature ?? UNATTRIBUTED, amount, { estimated: line.estimated, source: line.source });
  }
}

/**
 * Self-hosted capacity: each GPU bill line's cost is spread evenly over the hours of its own charge
 * period (clipped to the month: a daily line over 24 hours, an hourly line over one, a monthly
 * charge over the month), each hour's part split over the features by the tokens they were served
 * that hour; hours with no tokens are idle cost, pooled per deployment and allocated by the month's
 * token share (the "utilization tax").
 */
export function allocateDeploymentCosts(
  book: CostBook,
  config: Config,
  period: { start: Date; end: Date },
  lines: DeploymentPeriodCost[],
  hourly: Array<{ deployment: string; hour: Date; feature: string; tokens: string }>,
  toReporting: ToReporting,
): void {
  const tokensByHour = new Map<string, Array<{ feature: string; tokens: string }>>();
  const monthTokens = new Map<string, Map<string, bigint>>();
  for (const h of hourly) {
    const k = `${h.deployment}|${new Date(h.hour).getTime()}`;
    const list = tokensByHour.get(k) ?? [];
    list.push({ feature: h.feature, tokens: h.tokens });
    tokensByHour.set(k, list);
    const m = monthTokens.get(h.deployment) ?? new Map<string, bigint>();
    m.set(h.feature, (m.get(h.feature) ?? 0n) + BigInt(h.tokens));
    monthTokens.set(h.deployment, m);
  }
  const idlePool = new Map<string, Dec>();
  const billed = new Map<string, { all: Set<number>; idle: Set<number> }>();
  for (const d of lines) {
    const start = Math.max(new Date(d.start).getTime(), period.start.getTime());
    const end = Math.min(new Date(d.end).getTime(), period.end.getTime());
    const first = Math.floor(start / HOUR_MS) * HOUR_MS;
    const hours = Math.max(1, Math.ceil((end - first) / HOUR_MS));
    const amount = toReporting(d.cost, d.currency, new Date(d.start).toISOString().slice(0, 10));
    book.addSource(d.source, new D(amount));
    const dep = book.deployments.get(d.deployment) ?? { cost: ZERO, idle: ZERO, idleHours: 0, billedHours: 0, estimated: false };
    const seen = billed.get(d.deployment) ?? { all: new Set<number>(), idle: new Set<number>() };
    dep.cost = dep.cost.plus(amount);
    dep.estimated ||= d.estimated;
    const hourParts = allocateLargestRemainder(amount, Array.from({ length: hours }, () => 1));
    hourParts.forEach((part, i) => {
      const hour = first + i * HOUR_MS;
      seen.all.add(hour);
      const served = (tokensByHour.get(`${d.deployment}|${hour}`) ?? []).filter((s) => BigInt(s.tokens) > 0n);
      if (served.length === 0) {
        dep.idle = dep.idle.plus(part);
        seen.idle.add(hour);
        idlePool.set(d.deployment, (idlePool.get(d.deployment) ?? ZERO).plus(part));
        return;
      }
      const split = allocateLargestRemainder(part, served.map((s) => s.tokens));
      served.forEach((s, j) => book.add(s.feature, new D(split[j]!), { estimated: d.estimated, source: d.source }));
    });
    dep.billedHours = seen.all.size;
    dep.idleHours = seen.idle.size;
    billed.set(d.deployment, seen);
    book.deployments.set(d.deployment, dep);
  }
  const sourceOf = new Map(lines.map((l) => [l.deployment, l.source]));
  for (const [deployment, pool] of idlePool) {
    const source = sourceOf.get(deployment)!;
    const shares = [...(monthTokens.get(deployment) ?? new Map<string, bigint>()).entries()].filter(([, t]) => t > 0n);
    if (shares.length === 0) {
      const owner = config.deployments.find((x) => x.name === deployment)?.feature ?? UNATTRIBUTED;
      book.add(owner, pool, { idle: true, source });
      continue;
    }
    const parts = allocateLargestRemainder(pool.toFixed(), shares.map(([, t]) => t.toString()));
    shares.forEach(([feature], i) => book.add(feature, new D(parts[i]!), { idle: true, source }));
  }
}
