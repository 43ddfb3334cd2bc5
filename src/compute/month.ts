import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { sql } from 'kysely';
import type { Ctx } from '../context.ts';
import { InputError } from '../errors.ts';
import type { Config, FeatureConfig, Profile } from '../config/schema.ts';
import { applyAttribution } from '../attribution/apply.ts';
import { loadFxTable } from '../prices/fx.ts';
import { addMonths, dayKey, hoursInMonth, monthKey, HOUR_MS } from '../time.ts';
import {
  apiCostLinesWithWeights,
  apiUsage,
  costLines,
  deploymentPeriodCosts,
  deploymentHourlyTokens,
  hourlyTokens,
  servingUsage,
  type Period,
} from './aggregate.ts';
import { allocateApiLines, allocateDeploymentCosts, bookDirectLines, CostBook, type ToReporting } from './allocate-costs.ts';
import { syncFeatures } from './features.ts';
import { D, money, ZERO } from './money.ts';
import { computeDataMonths } from './data-months.ts';
import { reconcile } from './reconcile.ts';
import { computeDeploymentMetrics } from './deployments.ts';
import { modelFeature, type FeatureTokens } from './feature-model.ts';
import { allocateLargestRemainder } from '../model/allocate.ts';
import type { FeatureMonthlyResultsTable } from '../db/types.ts';
import type { Insertable } from 'kysely';

export interface ComputeResult {
  month: string;
  features: Array<{ feature: string; architecture: string; actualCost: string; tokens: number; blendedRatePer1M: string | null; recommendation: string | null }>;
  totals: Record<string, string>;
  currency: string;
}

function architectureOf(config: Config, feature: string): 'api' | 'self_hosted' {
  return config.features.find((f) => f.name === feature)?.architecture ?? 'api';
}

/**
 * Attribution + cost model for one month: re-applies the rules (so rule changes need no
 * re-ingest), allocates every invoice line to features so parts sum to each line exactly, models the
 * counterfactual, break-even, hybrid and recommendation, and replaces the month's rows in one transaction.
 */
export async function computeMonth(ctx: Ctx, month: Date): Promise<ComputeResult> {
  const { config } = ctx;
  const period: Period = { start: month, end: addMonths(month, 1) };
  const currency = config.currency;
  const fx = await loadFxTable(config, { readFile: (path) => readFile(path, 'utf8'), baseDir: dirname(ctx.configPath) });
  const toReporting: ToReporting = (amount, from, day) => fx.convert(amount, from, currency, new Date(`${day}T00:00:00Z`)).amount;
  const computedAt = ctx.clock.now();
  if (month > computedAt) throw new InputError(`cannot compute ${monthKey(month)}: the month has not started yet`);
  const facts = await sql<{ n: number }>`
    select ((select count(*) from usage_facts where bucket_start >= ${period.start} and bucket_start < ${period.end})
          + (select count(*) from cost_line_items where charge_period_start >= ${period.start} and charge_period_start < ${period.end})
          + (select count(*) from serving_metrics where hour >= ${period.start} and hour < ${period.end}))::int as n`.execute(ctx.db);
  if (facts.rows[0]!.n === 0) {
    throw new InputError(`no data for ${monthKey(month)}: nothing has been ingested for that month (run breakeven ingest or backfill first)`);
  }

  return ctx.db.transaction().execute(async (trx) => {
    await syncFeatures(trx, config);
    await applyAttribution(trx, config, period);

    // 1. Money of record, allocated.
    const book = new CostBook();
    allocateApiLines(book, await apiCostLinesWithWeights(trx, period), toReporting);
    const lines = await costLines(trx, period);
    bookDirectLines(
      book,
      lines.filter((l) => l.source !== 'openai' && l.source !== 'anthropic' && l.deployment === null),
      toReporting,
    );
    allocateDeploymentCosts(book, config, period, await deploymentPeriodCosts(trx, period), await deploymentHourlyTokens(trx, period), toReporting);

    // 2. Volumes per feature.
    const tokens = new Map<string, FeatureTokens>();
    const get = (f: string) => {
      let t = tokens.get(f);
      if (!t) {
        t = { requests: 0, uncached: 0, cacheRead: 0, cacheWrite: 0, output: 0, byModel: [] };
        tokens.set(f, t);
      }
      return t;
    };
    for (const u of await apiUsage(trx, period)) {
      const t = get(u.feature);
      t.requests += Number(u.requests);
      t.uncached += Number(u.uncached_input_tokens);
      t.cacheRead += Number(u.cache_read_tokens);
      t.cacheWrite += Number(u.cache_write_tokens);
      t.output += Number(u.output_tokens);
      t.byModel.push(u);
    }
    for (const s of await servingUsage(trx, period)) {
      const t = get(s.feature);
      const hits = Number(s.prefix_cache_hits);
      t.requests += Number(s.requests);
      t.uncached += Number(s.prompt_tokens) - hits;
      t.cacheRead += hits;
      t.output += Number(s.generation_tokens);
    }
    const hourly = await hourlyTokens(trx, period);
    const dataMonths = await computeDataMonths(trx, month, ctx.clock.now());

    // 3. Ops cost: the fixed monthly engineering cost of self-hosting, by self-hosted token share.
    const features = new Set<string>([...config.features.map((f) => f.name), ...book.features.keys(), ...tokens.keys()]);
    const selfHosted = [...features].filter((f) => architectureOf(config, f) === 'self_hosted');
    const selfTokens = selfHosted.map((f) => {
      const t = tokens.get(f);
      return t ? t.uncached + t.cacheRead + t.cacheWrite + t.output : 0;
    });
    const opsTotal = new D(config.ops.monthly_cost);
    const opsShare = new Map<string, string>();
    if (selfHosted.length && !opsTotal.isZero()) {
      const weights = selfTokens.some((x) => x > 0) ? selfTokens.map(String) : selfTokens.map(() => '1');
      allocateLargestRemainder(opsTotal.toFixed(), weights).forEach((part, i) => opsShare.set(selfHosted[i]!, part));
    }
    const selfTokensTotal = selfTokens.reduce((a, b) => a + b, 0);

    // 4. Model each feature and write its row.
    await trx.deleteFrom('feature_monthly_results').where('month', '=', dayKey(month)).execute();
    const rows: Insertable<FeatureMonthlyResultsTable>[] = [];
    const assumptionsShared = { currency, fx: fx.ratesUsed(), overheads: config.overhead, ops_monthly: config.ops.monthly_cost, min_months_for_recommendation: config.report.min_months_for_recommendation };
    for (const feature of [...features].sort()) {
      const fc: FeatureConfig | undefined = config.features.find((f) => f.name === feature);
      const architecture = architectureOf(config, feature);
      const money_ = book.features.get(feature) ?? { actual: ZERO, idle: ZERO, estimated: false };
      const t = tokens.get(feature) ?? { requests: 0, uncached: 0, cacheRead: 0, cacheWrite: 0, output: 0, byModel: [] };
      const hours = hoursInMonth(month);
      const load = Array.from({ length: hours }, (_, i) => hourly.get(feature)?.get(month.getTime() + i * HOUR_MS) ?? 0);
      const modelled = modelFeature({
        config,
        feature: fc,
        name: feature,
        architecture,
        month,
        actualCost: money_.actual,
        tokens: t,
        hourlyLoad: load,
        opsShare: new D(opsShare.get(feature) ?? '0'),
        opsTotal,
        selfTokensTotal,
        dataMonths: dataMonths.get(feature) ?? 0,
        deploymentProfile: deploymentProfileFor(config, feature),
      });
      rows.push({
        month: dayKey(month),
        feature,
        architecture,
        requests: t.requests,
        input_tokens: t.uncached + t.cacheRead + t.cacheWrite,
        cached_input_tokens: t.cacheRead,
        output_tokens: t.output,
        actual_cost: money(money_.actual),
        currency,
        blended_rate_per_1m: modelled.blendedRatePer1M,
        blended_rate_per_1m_output: modelled.blendedRatePer1MOutput,
        idle_cost: money(money_.idle),
        overhead_cost: modelled.overheadCost,
        counterfactual_architecture: modelled.counterfactualArchitecture,
        counterfactual_cost: modelled.counterfactualCost,
        counterfactual_rate_per_1m: modelled.counterfactualRatePer1M,
        break_even_tokens_per_month: modelled.breakEvenTokens,
        break_even_binding: modelled.breakEvenBinding,
        recommendation: modelled.recommendation,
        recommendation_reason: modelled.recommendationReason,
        data_months: dataMonths.get(feature) ?? 0,
        assumptions: JSON.stringify({ ...assumptionsShared, ...modelled.assumptions, estimated_costs: money_.estimated }),
        computed_at: computedAt,
        hybrid_replicas: modelled.hybridReplicas,
        hybrid_cost: modelled.hybridCost,
        hybrid_local_share: modelled.hybridLocalShare,
        unpriced_tokens: modelled.unpricedTokens,
      });
    }
    if (rows.length) await trx.insertInto('feature_monthly_results').values(rows).execute();
    await computeDeploymentMetrics(trx, config, month, book, computedAt);
    await reconcile(trx, config, month, book, toReporting, computedAt);

    const totals: Record<string, string> = {};
    for (const r of rows) totals[r.architecture] = new D(totals[r.architecture] ?? 0).plus(String(r.actual_cost)).toFixed();
    ctx.log.info({ month: monthKey(month), features: rows.length }, 'month computed');
    return {
      month: monthKey(month),
      currency,
      totals,
      features: rows.map((r) => ({
        feature: r.feature,
        architecture: r.architecture,
        actualCost: String(r.actual_cost),
        tokens: Number(r.input_tokens) + Number(r.output_tokens),
        blendedRatePer1M: r.blended_rate_per_1m === null || r.blended_rate_per_1m === undefined ? null : String(r.blended_rate_per_1m),
        recommendation: r.recommendation ?? null,
      })),
    };
  });
}

/** The profile of the deployment serving a self-hosted feature (its capacity model). */
function deploymentProfileFor(config: Config, feature: string): { profile: Profile; profileName: string; replicas: number; gpus: number; name: string } | null {
  const d = config.deployments.find((x) => x.feature === feature);
  if (!d) return null;
  const profile = config.profiles[d.profile];
  return profile ? { profile, profileName: d.profile, replicas: d.replicas, gpus: d.gpus, name: d.name } : null;
}

