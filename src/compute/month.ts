import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { sql, type Insertable, type Kysely } from 'kysely';
import type { Ctx } from '../context.ts';
import { InputError } from '../errors.ts';
import type { Config } from '../config/schema.ts';
import type { Database, FeatureMonthlyResultsTable } from '../db/types.ts';
import { refreshDimensionFeatures } from '../attribution/apply.ts';
import { rebuildLoad } from '../ingest/rollups.ts';
import { loadFxTable } from '../prices/fx.ts';
import { addMonths, dayKey, hoursInMonth, monthKey } from '../time.ts';
import { apiLineUsage, apiLoad, costLines, gpuByDeployment, latencyByDeployment, poolShares, servingByHour, usageByDay, type Period } from './inputs.ts';
import { buildLedger, reconcileProvider, type Ledger, type ToReporting } from './ledger.ts';
import { UNATTRIBUTED } from '../attribution/apply.ts';
import { writeLedger } from './ledger-store.ts';
import { syncFeatures } from './features.ts';
import { D, money, ZERO, type Dec } from './money.ts';
import { computeDataMonths } from './data-months.ts';
import { reconcile } from './reconcile.ts';
import { computeDeployments, finishDeployment, type DeploymentModel } from './deployments.ts';
import { featureVolumes, hourlyLoads } from './volumes.ts';
import { modelFeature, type DeploymentProfile } from './feature-model.ts';
import { buildRetirementTable, type RetirementTable } from '../prices/lifecycle.ts';
import { readModelShutdowns } from '../db/repositories/model-shutdowns.ts';
import { allocateLargestRemainder } from '../model/allocate.ts';

export interface ComputeResult {
  month: string;
  features: Array<{ feature: string; architecture: string; actualCost: string; fullyLoadedCost: string; tokens: number; blendedRatePer1M: string | null; recommendation: string | null; recommendedSaving: string }>;
  totals: Record<string, string>;
  currency: string;
}

const architectureOf = (config: Config, feature: string): 'api' | 'self_hosted' => config.features.find((f) => f.name === feature)?.architecture ?? 'api';

/**
 * Attribution + cost model for one month, in one pass over the month's rollups, serving metrics
 * and cost lines: every cost line is allocated into the ledger (exact parts per feature and day),
 * then each feature and deployment is modelled from the ledger's money and the month's load.
 */
export async function computeMonth(ctx: Ctx, month: Date): Promise<ComputeResult> {
  const { config } = ctx;
  const period: Period = { start: month, end: addMonths(month, 1) };
  const fx = await loadFxTable(config, { readFile: (path) => readFile(path, 'utf8'), baseDir: dirname(ctx.configPath) });
  const toReporting: ToReporting = (amount, from, day) => fx.convert(amount, from, config.currency, new Date(`${day}T00:00:00Z`)).amount;
  const computedAt = ctx.clock.now();
  if (month > computedAt) throw new InputError(`cannot compute ${monthKey(month)}: the month has not started yet`);
  await assertHasData(ctx.db, period);

  // Step timings (ms) for `LOG_LEVEL=debug`: where a slow month spends its time.
  const timings: Record<string, number> = {};
  const timed = async <T>(name: string, fn: () => Promise<T> | T): Promise<T> => {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      timings[name] = Math.round(performance.now() - t0);
    }
  };
  return ctx.db.transaction().execute(async (trx) => {
    // One pass over a month's rollups: no JIT (it cost seconds for millisecond queries), room to hash.
    await sql`set local jit = off; set local work_mem = '64MB'`.execute(trx);
    await timed('features', () => syncFeatures(trx, config));
    await timed('rollups', () => refreshRollups(trx, config, period));

    const lines = await timed('cost_lines', () => costLines(trx, config, period));
    const lineUsage = await timed('line_usage', () => apiLineUsage(trx, period));
    const usage = await timed('usage', () => usageByDay(trx, period));
    const load = await timed('load', () => apiLoad(trx, period));
    const serving = await timed('serving', () => servingByHour(trx, period));
    const gpu = await timed('gpu', () => gpuByDeployment(trx, period));
    const latency = await timed('latency', () => latencyByDeployment(trx, config, period, serving));
    const pools = await timed('pool_shares', () => poolShares(trx, config, period));
    const ledger = await timed('ledger', () => buildLedger({ config, period, lines, lineUsage, serving, toReporting, pools }));
    await timed('ledger_write', () => writeLedger(trx, dayKey(month), config.currency, ledger.entries));

    const money_ = moneyByFeature(ledger, lines);
    const volumes = featureVolumes(usage, serving);
    const loads = hourlyLoads(month, load, serving);
    const dataMonths = await timed('data_months', () => computeDataMonths(trx, config, month, computedAt));
    const deployments = await timed('deployments', () => computeDeployments({ config, month, ledger, lines, serving, gpu, loads, latency }));

    const features = new Set<string>([...config.features.map((f) => f.name), ...money_.keys(), ...volumes.keys()]);
    const ops = opsShares(config, [...features], volumes);
    // Retirements: shipped < the shutdown dates a provider's API reported (as last read) < config.
    const retirements = buildRetirementTable({ config, apiShutdowns: await timed('model_shutdowns', () => readModelShutdowns(trx)) });
    const rows = await timed('model', () => modelFeatures({ config, month, features: [...features].sort(), money_, volumes, loads, dataMonths, ops, deployments, computedAt, fxRates: fx.ratesUsed(), retirements }));
    await trx.deleteFrom('feature_monthly_results').where('month', '=', dayKey(month)).execute();
    if (rows.length) await trx.insertInto('feature_monthly_results').values(rows).execute();
    finishDeployments(config, month, deployments, rows);
    await writeDeployments(trx, month, config, deployments, computedAt);
    await timed('reconcile', () => reconcile(trx, config, month, usage, ledger, unattributedBySource(ledger, lines), toReporting, computedAt));
    ctx.log.debug({ month: monthKey(month), timings }, 'compute step timings (ms)');
    for (const [pool, b] of ledger.pools) {
      ctx.log.debug({ month: monthKey(month), pool, cost: money(b.cost), deployments: money(b.deployments), idle: money(b.idle), unshared: money(b.unshared) }, 'node pool split by OpenCost GPU-hours');
    }
    ctx.log.info({ month: monthKey(month), features: rows.length, ledger: ledger.entries.length }, 'month computed');
    return summary(month, config.currency, rows);
  });
}

async function assertHasData(db: Kysely<Database>, p: Period): Promise<void> {
  const r = await sql<{ any: boolean }>`
    select (exists (select 1 from usage_rollup_daily where day >= ${p.start}::date and day < ${p.end}::date)
         or exists (select 1 from cost_line_items where charge_period_start >= ${p.start} and charge_period_start < ${p.end})
         or exists (select 1 from serving_metrics where hour >= ${p.start} and hour < ${p.end})) as any`.execute(db);
  if (!r.rows[0]!.any) {
    throw new InputError(`no data for ${monthKey(p.start)}: nothing has been ingested for that month (run breakeven ingest or backfill first)`);
  }
}

/** Re-derives the dimensions' features from the rules and rebuilds the month's load curve if they moved. */
async function refreshRollups(trx: Kysely<Database>, config: Config, p: Period): Promise<void> {
  await refreshDimensionFeatures(trx, config);
  const month = dayKey(p.start);
  const state = await trx.selectFrom('rollup_state').select('load_stale').where('month', '=', month).executeTakeFirst();
  if (state?.load_stale) {
    await rebuildLoad(trx, null, p.start, p.end);
    await trx.updateTable('rollup_state').set({ load_stale: false }).where('month', '=', month).execute();
  }
}

export interface FeatureMoney {
  actual: Dec;
  idle: Dec;
  estimated: boolean;
}

/** Actual (and idle) money per feature: the ledger summed, nothing else. */
function moneyByFeature(ledger: Ledger, lines: Array<{ id: string; estimated: boolean }>): Map<string, FeatureMoney> {
  const estimated = new Set(lines.filter((l) => l.estimated).map((l) => l.id));
  const out = new Map<string, FeatureMoney>();
  for (const e of ledger.entries) {
    const m = out.get(e.feature) ?? { actual: ZERO, idle: ZERO, estimated: false };
    m.actual = m.actual.plus(e.effective);
    if (e.idle) m.idle = m.idle.plus(e.effective);
    if (estimated.has(e.lineId)) m.estimated = true;
    out.set(e.feature, m);
  }
  return out;
}

/** The fixed monthly ops cost of self-hosting, split over self-hosted features by token share. */
function opsShares(config: Config, features: string[], volumes: ReturnType<typeof featureVolumes>): { share: Map<string, string>; total: Dec; selfTokens: number } {
  const self = features.filter((f) => architectureOf(config, f) === 'self_hosted').sort();
  const tokens = self.map((f) => volumes.get(f)?.total ?? 0);
  const total = new D(config.ops.monthly_cost);
  const share = new Map<string, string>();
  if (self.length && !total.isZero()) {
    const weights = tokens.some((x) => x > 0) ? tokens.map(String) : tokens.map(() => '1');
    allocateLargestRemainder(total.toFixed(), weights).forEach((part, i) => share.set(self[i]!, part));
  }
  return { share, total, selfTokens: tokens.reduce((a, b) => a + b, 0) };
}

function modelFeatures(a: {
  config: Config;
  month: Date;
  features: string[];
  money_: Map<string, FeatureMoney>;
  volumes: ReturnType<typeof featureVolumes>;
  loads: Map<string, number[]>;
  dataMonths: Map<string, number>;
  ops: ReturnType<typeof opsShares>;
  deployments: Map<string, DeploymentModel>;
  computedAt: Date;
  fxRates: unknown;
  retirements: RetirementTable;
}): Insertable<FeatureMonthlyResultsTable>[] {
  const { config, month } = a;
  const hours = hoursInMonth(month);
  const shared = { currency: config.currency, fx: a.fxRates, overheads: config.overhead, ops_monthly: config.ops.monthly_cost, min_months_for_recommendation: config.report.min_months_for_recommendation };
  return a.features.map((feature) => {
    const architecture = architectureOf(config, feature);
    const m = a.money_.get(feature) ?? { actual: ZERO, idle: ZERO, estimated: false };
    const t = a.volumes.get(feature) ?? { requests: 0, uncached: 0, cacheRead: 0, cacheWrite: 0, output: 0, total: 0, byModel: [] };
    const modelled = modelFeature({
      config,
      feature: config.features.find((f) => f.name === feature),
      name: feature,
      architecture,
      month,
      actualCost: m.actual,
      tokens: t,
      hourlyLoad: a.loads.get(feature) ?? new Array<number>(hours).fill(0),
      opsShare: new D(a.ops.share.get(feature) ?? '0'),
      opsTotal: a.ops.total,
      selfTokensTotal: a.ops.selfTokens,
      dataMonths: a.dataMonths.get(feature) ?? 0,
      deploymentProfile: deploymentFor(a.deployments, feature),
      profileDeployment: profileBacking(a.deployments, config.features.find((f) => f.name === feature)?.counterfactual.profile),
      retirements: a.retirements,
    });
    return {
      month: dayKey(month),
      feature,
      architecture,
      requests: t.requests,
      input_tokens: t.uncached + t.cacheRead + t.cacheWrite,
      cached_input_tokens: t.cacheRead,
      output_tokens: t.output,
      actual_cost: money(m.actual),
      currency: config.currency,
      blended_rate_per_1m: modelled.blendedRatePer1M,
      blended_rate_per_1m_output: modelled.blendedRatePer1MOutput,
      idle_cost: money(m.idle),
      overhead_cost: modelled.overheadCost,
      counterfactual_architecture: modelled.counterfactualArchitecture,
      counterfactual_cost: modelled.counterfactualCost,
      counterfactual_rate_per_1m: modelled.counterfactualRatePer1M,
      break_even_tokens_per_month: modelled.breakEvenTokens,
      break_even_binding: modelled.breakEvenBinding,
      recommendation: modelled.recommendation,
      recommendation_reason: modelled.recommendationReason,
      data_months: a.dataMonths.get(feature) ?? 0,
      assumptions: JSON.stringify({ ...shared, ...modelled.assumptions, estimated_costs: m.estimated }),
      computed_at: a.computedAt,
      hybrid_replicas: modelled.hybridReplicas,
      hybrid_cost: modelled.hybridCost,
      hybrid_local_share: modelled.hybridLocalShare,
      unpriced_tokens: modelled.unpricedTokens,
      fully_loaded_cost: modelled.fullyLoadedCost,
      recommended_saving: modelled.recommendedSaving,
      binding_factor: modelled.bindingFactor,
    };
  });
}

/** The deployment that served most of a self-hosted feature's tokens: every feature on a shared deployment is modelled on it. */
function deploymentFor(deployments: Map<string, DeploymentModel>, feature: string): DeploymentProfile | null {
  let best: DeploymentModel | null = null;
  for (const d of deployments.values()) {
    const mine = d.featureTokens.get(feature) ?? 0;
    if (mine > 0 && (!best || mine > (best.featureTokens.get(feature) ?? 0))) best = d;
  }
  if (!best) best = [...deployments.values()].find((d) => d.owner === feature) ?? null;
  return best?.profile ?? null;
}

/**
 * The deployment running a profile (the one that served the most tokens this month when several do):
 * its capacity at the SLO calibrates the profile for every feature that targets it (COST-MODEL §11).
 */
function profileBacking(deployments: Map<string, DeploymentModel>, profileName: string | undefined): DeploymentProfile | null {
  if (!profileName) return null;
  let best: DeploymentModel | null = null;
  const served = (d: DeploymentModel) => d.load.reduce((a, t) => a + t, 0);
  for (const d of deployments.values()) {
    if (d.profile?.profileName !== profileName || !d.profile.capacity) continue;
    if (!best || served(d) > served(best)) best = d;
  }
  return best?.profile ?? null;
}

/** Spend no rule claimed, per reconciliation provider. */
function unattributedBySource(ledger: Ledger, lines: Parameters<typeof reconcileProvider>[0][]): Map<string, Dec> {
  const provider = new Map(lines.map((l) => [l.id, reconcileProvider(l)]));
  const out = new Map<string, Dec>();
  for (const e of ledger.entries) {
    if (e.feature !== UNATTRIBUTED) continue;
    const p = provider.get(e.lineId)!;
    out.set(p, (out.get(p) ?? ZERO).plus(e.effective));
  }
  return out;
}

/** Each deployment as a whole, against the API cost its features' own counterfactuals imply for their share of it. */
function finishDeployments(config: Config, month: Date, deployments: Map<string, DeploymentModel>, rows: Insertable<FeatureMonthlyResultsTable>[]): void {
  for (const d of deployments.values()) {
    let apiCost = 0;
    let tokens = 0;
    for (const [feature, served] of d.featureTokens) {
      const r = rows.find((x) => x.feature === feature);
      const all = r ? Number(r.input_tokens) + Number(r.output_tokens) : 0;
      if (!r || r.counterfactual_architecture !== 'api' || r.counterfactual_cost === null || r.counterfactual_cost === undefined || all === 0) continue;
      apiCost += (Number(r.counterfactual_cost) * served) / all;
      tokens += served;
    }
    finishDeployment(config, month, d, apiCost, tokens);
  }
}

async function writeDeployments(trx: Kysely<Database>, month: Date, config: Config, deployments: Map<string, DeploymentModel>, computedAt: Date): Promise<void> {
  await trx.deleteFrom('deployment_monthly').where('month', '=', dayKey(month)).execute();
  const rows = [...deployments.values()].filter((d) => d.row).map((d) => ({ ...d.row!, month: dayKey(month), currency: config.currency, computed_at: computedAt }));
  if (rows.length) await trx.insertInto('deployment_monthly').values(rows).execute();
}

function summary(month: Date, currency: string, rows: Insertable<FeatureMonthlyResultsTable>[]): ComputeResult {
  const totals: Record<string, string> = {};
  for (const r of rows) totals[r.architecture] = new D(totals[r.architecture] ?? 0).plus(String(r.actual_cost)).toFixed();
  return {
    month: monthKey(month),
    currency,
    totals,
    features: rows.map((r) => ({
      feature: r.feature,
      architecture: r.architecture,
      actualCost: String(r.actual_cost),
      fullyLoadedCost: String(r.fully_loaded_cost),
      tokens: Number(r.input_tokens) + Number(r.output_tokens),
      blendedRatePer1M: r.blended_rate_per_1m === null || r.blended_rate_per_1m === undefined ? null : String(r.blended_rate_per_1m),
      recommendation: r.recommendation ?? null,
      recommendedSaving: String(r.recommended_saving ?? '0'),
    })),
  };
}

