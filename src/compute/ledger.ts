import type { Config } from '../config/schema.ts';
import { UNATTRIBUTED } from '../attribution/apply.ts';
import { allocateLargestRemainder } from '../model/allocate.ts';
import { priceUsage } from '../prices/catalog.ts';
import { dayKey, HOUR_MS } from '../time.ts';
import { BEDROCK_PROVIDER } from '../sources/invoice-lines.ts';
import type { CostLine, LineUsage, ServingHourRow } from './inputs.ts';
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
}): Ledger {
  const ledger: Ledger = { entries: [], deployments: new Map(), sourceTotals: new Map(), overlapSkipped: new Map(), unexplained: new Map() };
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
    if (line.deployment) {
      bookDeploymentLine(ledger, args, line, effective, billed, served);
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
  const dep = ledger.deployments.get(name) ?? { cost: ZERO, idle: ZERO, billedHours: new Set(), idleHours: new Set(), hourCost: new Map(), estimated: false, source: line.source };
  dep.cost = dep.cost.plus(effective);
  dep.estimated ||= line.estimated;
  ledger.deployments.set(name, dep);
  const monthShare = [...(served.month.get(name) ?? new Map<string, bigint>()).entries()];
  const owner = args.config.deployments.find((d) => d.name === name)?.feature ?? line.feature ?? UNATTRIBUTED;
  // Weights at the line's hour granularity: hour part (1/hours) × the feature's share of that hour.
  const shares = new Map<string, { share: Share; weight: Dec }>();
  const add = (feature: string, day: string, idle: boolean, weight: Dec) => {
    const k = `${feature}|${day}|${idle}`;
    const s = shares.get(k) ?? { share: { feature, day, idle, weight: '0' }, weight: ZERO };
    s.weight = s.weight.plus(weight);
    shares.set(k, s);
  };
  const perHour = new D(effective).dividedBy(hours);
  for (let i = 0; i < hours; i++) {
    const hour = first + i * HOUR_MS;
    const day = dayKey(new Date(hour));
    dep.billedHours.add(hour);
    dep.hourCost.set(hour, (dep.hourCost.get(hour) ?? ZERO).plus(perHour));
    const s = served.byHour.get(`${name}|${hour}`) ?? [];
    if (s.length === 0) {
      dep.idleHours.add(hour);
      dep.idle = dep.idle.plus(perHour);
      const total = monthShare.reduce((a, [, t]) => a + t, 0n);
      if (total === 0n) add(owner, day, true, new D(1));
      else for (const [feature, t] of monthShare) add(feature, day, true, new D(t.toString()).dividedBy(total.toString()));
      continue;
    }
    const total = s.reduce((a, x) => a + BigInt(x.tokens), 0n);
    for (const x of s) add(x.feature, day, false, new D(x.tokens).dividedBy(total.toString()));
  }
  const list = [...shares.values()].sort((a, b) => (a.share.day + a.share.feature < b.share.day + b.share.feature ? -1 : 1));
  // Weights as exact-enough decimals: 30 significant digits decide the remainder order only.
  book(ledger, line, effective, billed, list.map((x) => ({ ...x.share, weight: x.weight.toSignificantDigits(30).toFixed() })));
}
