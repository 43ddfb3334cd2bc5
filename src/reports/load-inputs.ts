import { sql } from 'kysely';
import type { Ctx } from '../context.ts';
import type { Db } from '../db/connect.ts';
import { InputError } from '../errors.ts';
import { addMonths, dayKey, monthKey, monthStart } from '../time.ts';
import type { Config } from '../config/schema.ts';
import { dec } from './format.ts';
import { unknownDeliveries } from '../delivery/claims.ts';
import type {
  DailySpend,
  DeploymentMeta,
  DeploymentRow,
  FeatureMeta,
  FeatureRow,
  HourlyLoad,
  ReconciliationRow,
  ReportInputs,
  SpendCategory,
} from './inputs.ts';

const DAY_MS = 86_400_000;

/**
 * Reads what the report needs for `month` from the compute outputs and the facts. Every list is
 * ordered so that the same database contents always give the same inputs (and digest).
 */
export async function loadReportInputs(ctx: Ctx, monthDate: Date): Promise<ReportInputs> {
  const month = monthStart(monthDate);
  const next = addMonths(month, 1);
  const prev = addMonths(month, -1);
  const key = monthKey(month);
  const db = ctx.db;

  const features = await featureRows(db, dayKey(month));
  if (features.length === 0) {
    throw new InputError(`no computed results for ${key}: run \`breakeven compute --month ${key}\` first`);
  }
  const daysInMonth = Math.round((next.getTime() - month.getTime()) / DAY_MS);
  const now = ctx.clock.now();
  const elapsedDays = Math.max(0, Math.min(daysInMonth, Math.floor((now.getTime() - month.getTime()) / DAY_MS)));

  const [previousFeatures, deployments, previousDeployments, reconciliation] = await Promise.all([
    featureRows(db, dayKey(prev)),
    deploymentRows(db, dayKey(month)),
    deploymentRows(db, dayKey(prev)),
    reconciliationRows(db, dayKey(month)),
  ]);
  const featureMeta = metaOfFeatures(ctx.config);
  const [dailySpend, hourlyLoad, coverage, estimatedDays, sync, failedWindows, spendLimits, opencostListRates] = await Promise.all([
    dailySpendRows(db, month, next, ctx.config, features),
    hourlyLoadRows(db, month, next),
    coverageRows(db, month, next),
    estimatedRows(db, month, next),
    syncRows(db),
    failedWindowRows(db, month, next),
    spendLimitRows(db, month, next),
    opencostListRateRows(db, month, next),
  ]);

  return {
    month: key,
    previousMonth: monthKey(prev),
    currency: ctx.config.currency,
    minMonths: ctx.config.report.min_months_for_recommendation,
    elapsedDays,
    daysInMonth,
    features,
    previousFeatures,
    deployments,
    previousDeployments,
    reconciliation,
    featureMeta,
    deploymentMeta: metaOfDeployments(ctx.config),
    dailySpend,
    hourlyLoad,
    coverage,
    estimatedDays,
    sync,
    failedWindows,
    fxRates: ctx.config.fx.rates.map((r) => ({ date: r.date, from: r.from, to: r.to, rate: r.rate })),
    ...(spendLimits.length ? { spendLimits } : {}),
    ...(opencostListRates.length ? { opencostListRates } : {}),
    unknownDeliveries: (await unknownDeliveries(db)).filter((u) => u.month < key).map((u) => ({ month: u.month, recipient: u.recipient, messageId: u.messageId })),
  };
}

/** One month's feature_monthly rows as the report reads them (month as 'YYYY-MM-01'). */
export const loadFeatureRows = (db: Db, month: string): Promise<FeatureRow[]> => featureRows(db, month);

async function featureRows(db: Db, month: string): Promise<FeatureRow[]> {
  const rows = await db.selectFrom('feature_monthly_results').selectAll().where('month', '=', month).orderBy('feature').execute();
  return rows.map(({ month: _m, computed_at: _c, ...r }) => ({ ...r, assumptions: r.assumptions ?? {} }));
}

async function deploymentRows(db: Db, month: string): Promise<DeploymentRow[]> {
  const rows = await db.selectFrom('deployment_monthly').selectAll().where('month', '=', month).orderBy('deployment').execute();
  return rows.map(({ month: _m, computed_at: _c, ...r }) => r);
}

async function reconciliationRows(db: Db, month: string): Promise<ReconciliationRow[]> {
  const rows = await db.selectFrom('reconciliation_monthly').selectAll().where('month', '=', month).orderBy('provider').execute();
  return rows.map(({ month: _m, computed_at: _c, list_cost, discount, ...r }) => ({ ...r, ...(list_cost !== null && discount !== null ? { list_cost, discount } : {}) }));
}

function metaOfFeatures(config: Config): FeatureMeta[] {
  // Self-hosted money is the ledger's effective cost: Cost Explorer's (net) amortized cost, or FOCUS
  // EffectiveCost; only an UnblendedCost metric makes it the plain billed amount.
  const selfBasis = config.sources.aws.cost_metric === 'UnblendedCost' ? 'billed' : 'amortized';
  return config.features.map((f) => ({
    name: f.name,
    architecture: f.architecture,
    costBasis: f.architecture === 'self_hosted' ? selfBasis : 'invoiced',
    requires: [...f.requires],
    description: f.description ?? null,
    counterfactual:
      f.counterfactual.profile ??
      (f.counterfactual.api_model ? [f.counterfactual.api_provider, f.counterfactual.api_model].filter(Boolean).join(' ') : null),
  }));
}

function metaOfDeployments(config: Config): DeploymentMeta[] {
  return config.deployments.map((d) => {
    const p = config.profiles[d.profile];
    return {
      name: d.name,
      feature: d.feature ?? null,
      profile: d.profile,
      replicas: d.replicas,
      gpusPerReplica: p?.gpus_per_replica ?? d.gpus,
      tpsPerReplica: p?.tokens_per_second ?? null,
      maxUtilization: p?.max_utilization ?? null,
      gpu: p?.gpu ?? null,
      provisioning: p?.provisioning ?? null,
    };
  });
}

/**
 * Daily money by architecture, from the allocation ledger (the same amounts feature_monthly sums):
 * a part allocated to a self-hosted feature is self-hosted spend, to 'unattributed' unattributed, and
 * everything else API spend. Amounts are already in the reporting currency.
 */
async function dailySpendRows(db: Db, start: Date, _end: Date, config: Config, features: FeatureRow[]): Promise<DailySpend[]> {
  const { rows } = await sql<{ day: string; feature: string; currency: string; amount: string }>`
    select day::text as day, feature, currency, sum(effective_cost)::text as amount
      from allocation_ledger where month = ${dayKey(start)}::date
     group by 1, 2, 3 order by 1, 2, 3`.execute(db);
  const arch = new Map<string, string>();
  for (const f of features) arch.set(f.feature, f.architecture);
  for (const f of config.features) arch.set(f.name, f.architecture);
  const root = (name: string) => name.split('.')[0]!;
  const out = new Map<string, DailySpend>();
  for (const r of rows) {
    let category: SpendCategory;
    if (r.feature === 'unattributed') category = 'unattributed';
    else category = (arch.get(r.feature) ?? arch.get(root(r.feature))) === 'self_hosted' ? 'self_hosted' : 'api';
    const k = `${r.day}|${category}|${r.currency}`;
    const prev = out.get(k);
    out.set(k, { day: r.day, category, currency: r.currency, amount: prev ? dec(prev.amount).plus(r.amount).toString() : r.amount });
  }
  return [...out.values()];
}

async function hourlyLoadRows(db: Db, start: Date, end: Date): Promise<HourlyLoad[]> {
  const { rows } = await sql<{ deployment: string; hour: Date; tokens: string; gpus: number | null }>`
    select s.deployment, s.hour, s.tokens::text as tokens, g.gpus
      from (select deployment, hour, sum(prompt_tokens + generation_tokens) as tokens
              from serving_metrics where hour >= ${start} and hour < ${end} group by 1, 2) s
      left join (select deployment, hour, count(distinct (hostname, gpu))::integer as gpus
                   from gpu_metrics where hour >= ${start} and hour < ${end} and deployment is not null group by 1, 2) g
        on g.deployment = s.deployment and g.hour = s.hour
     order by 1, 2`.execute(db);
  return rows.map((r) => ({ deployment: r.deployment, hour: new Date(r.hour).toISOString(), tokens: r.tokens, gpus: r.gpus }));
}

async function coverageRows(db: Db, start: Date, end: Date): Promise<Array<{ dataset: string; days: string[] }>> {
  const { rows } = await sql<{ dataset: string; day: string }>`
    select distinct provider || ' usage' as dataset, (bucket_start at time zone 'UTC')::date::text as day
      from usage_facts where bucket_start >= ${start} and bucket_start < ${end}
    union
    select distinct source || ' costs', (charge_period_start at time zone 'UTC')::date::text
      from cost_line_items where charge_period_start >= ${start} and charge_period_start < ${end}
    union
    select distinct 'prometheus serving', (hour at time zone 'UTC')::date::text
      from serving_metrics where hour >= ${start} and hour < ${end}
    union
    select distinct 'prometheus gpu', (hour at time zone 'UTC')::date::text
      from gpu_metrics where hour >= ${start} and hour < ${end}
     order by 1, 2`.execute(db);
  const by = new Map<string, string[]>();
  for (const r of rows) by.set(r.dataset, [...(by.get(r.dataset) ?? []), r.day]);
  return [...by.entries()].map(([dataset, days]) => ({ dataset, days }));
}

async function estimatedRows(db: Db, start: Date, end: Date): Promise<Array<{ source: string; day: string }>> {
  const { rows } = await sql<{ source: string; day: string }>`
    select distinct source, (charge_period_start at time zone 'UTC')::date::text as day
      from cost_line_items
     where estimated and charge_period_start >= ${start} and charge_period_start < ${end}
     order by 1, 2`.execute(db);
  return rows;
}

async function syncRows(db: Db): Promise<ReportInputs['sync']> {
  const rows = await db
    .selectFrom('sync_state')
    .select(['source', 'account', 'watermark', 'last_success_at', 'last_error', 'last_error_at'])
    .orderBy('source')
    .orderBy('account')
    .execute();
  const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
  return rows.map((r) => ({
    source: r.source,
    account: r.account,
    watermark: iso(r.watermark),
    open_error: r.last_error && r.last_error_at && (!r.last_success_at || r.last_error_at > r.last_success_at) ? r.last_error : null,
  }));
}

/** Failed ingestion windows overlapping the month that no later run of the same window repaired. */
async function failedWindowRows(db: Db, start: Date, end: Date): Promise<ReportInputs['failedWindows']> {
  const { rows } = await sql<{ source: string; window_start: Date; window_end: Date; error: string | null }>`
    select distinct on (f.source, f.window_start, f.window_end) f.source, f.window_start, f.window_end, f.error
      from ingestion_runs f
     where f.status = 'failed' and f.window_start < ${end} and f.window_end > ${start}
       and not exists (select 1 from ingestion_runs s
                        where s.status = 'succeeded' and s.source = f.source and s.account = f.account
                          and s.window_start <= f.window_start and s.window_end >= f.window_end and s.started_at >= f.started_at)
     order by f.source, f.window_start, f.window_end, f.started_at desc`.execute(db);
  return rows.map((r) => ({
    source: r.source,
    window_start: new Date(r.window_start).toISOString(),
    window_end: new Date(r.window_end).toISOString(),
    error: r.error,
  }));
}

/** Stored spend limits beside the month's spend in the same scope and currency (the cost lines'). */
async function spendLimitRows(db: Db, start: Date, end: Date): Promise<NonNullable<ReportInputs['spendLimits']>> {
  const { rows } = await sql<{ source: string; scope: string; scope_id: string; limit: string; currency: string; interval: string | null; spent: string }>`
    select s.source, s.scope, s.scope_id, s.threshold_amount::text as limit, s.currency, s."interval",
           coalesce((select sum(c.effective_cost) from cost_line_items c
                      where c.source = s.source and upper(c.billing_currency) = upper(s.currency)
                        and c.charge_period_start >= ${start} and c.charge_period_start < ${end}
                        and (s.scope <> 'project' or c.x_project_id = s.scope_id)), 0)::text as spent
      from spend_limits s
     order by 1, 2, 3`.execute(db);
  return rows.map((r) => ({ source: r.source, scope: r.scope, scopeId: r.scope_id, limit: r.limit, currency: r.currency, interval: r.interval, spent: r.spent }));
}

/** OpenCost's list $/1M of the models each deployment served (serving_dims joins model → deployment). */
async function opencostListRateRows(db: Db, start: Date, end: Date): Promise<NonNullable<ReportInputs['opencostListRates']>> {
  const { rows } = await sql<{ deployment: string; per1m: string }>`
    with i as (
      select model_name, sum(total_cost_list) as cost, sum(total_tokens) as tokens from opencost_inference_costs
       where window_start >= ${start} and window_start < ${end} and total_cost_list is not null and total_tokens > 0
       group by 1
    )
    select d.deployment, (sum(i.cost) / sum(i.tokens) * 1000000)::text as per1m
      from i join (select distinct deployment, model from serving_dims) d on d.model = i.model_name
     group by 1 order by 1`.execute(db);
  return rows.map((r) => ({ deployment: r.deployment, listPer1M: r.per1m }));
}
