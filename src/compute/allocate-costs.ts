import type { Config } from '../config/schema.ts';
import { allocateLargestRemainder } from '../model/allocate.ts';
import { addHours, HOUR_MS } from '../time.ts';
import type { AllocatableLine, CostLine, DeploymentDayCost } from './aggregate.ts';
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

const UNATTRIBUTED = 'unattributed';

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
 * Self-hosted capacity: each deployment-day's cost is spread evenly over its hours, each hour's part
 * split over the features by the tokens they were served that hour; hours with no tokens are idle
 * cost, pooled per deployment and allocated by the month's token share (the "utilization tax").
 */
export function allocateDeploymentCosts(
  book: CostBook,
  config: Config,
  days: DeploymentDayCost[],
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
  for (const d of days) {
    const amount = toReporting(d.cost, d.currency, d.day);
    book.addSource('self_hosted', new D(amount));
    const dep = book.deployments.get(d.deployment) ?? { cost: ZERO, idle: ZERO, idleHours: 0, billedHours: 0, estimated: false };
    dep.cost = dep.cost.plus(amount);
    dep.estimated ||= d.estimated;
    const dayStart = new Date(`${d.day}T00:00:00Z`);
    const hourParts = allocateLargestRemainder(amount, Array.from({ length: 24 }, () => 1));
    hourParts.forEach((part, i) => {
      dep.billedHours += 1;
      const hour = addHours(dayStart, i);
      const served = (tokensByHour.get(`${d.deployment}|${hour.getTime()}`) ?? []).filter((s) => BigInt(s.tokens) > 0n);
      if (served.length === 0) {
        dep.idle = dep.idle.plus(part);
        dep.idleHours += 1;
        idlePool.set(d.deployment, (idlePool.get(d.deployment) ?? ZERO).plus(part));
        return;
      }
      const split = allocateLargestRemainder(part, served.map((s) => s.tokens));
      served.forEach((s, j) => book.add(s.feature, new D(split[j]!), { estimated: d.estimated, source: 'self_hosted' }));
    });
    book.deployments.set(d.deployment, dep);
  }
  for (const [deployment, pool] of idlePool) {
    const shares = [...(monthTokens.get(deployment) ?? new Map<string, bigint>()).entries()].filter(([, t]) => t > 0n);
    if (shares.length === 0) {
      const owner = config.deployments.find((x) => x.name === deployment)?.feature ?? UNATTRIBUTED;
      book.add(owner, pool, { idle: true, source: 'self_hosted' });
      continue;
    }
    const parts = allocateLargestRemainder(pool.toFixed(), shares.map(([, t]) => t.toString()));
    shares.forEach(([feature], i) => book.add(feature, new D(parts[i]!), { idle: true, source: 'self_hosted' }));
  }
}

export const hoursBetween = (start: Date, end: Date) => Math.round((end.getTime() - start.getTime()) / HOUR_MS);
