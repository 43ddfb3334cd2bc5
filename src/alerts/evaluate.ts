import { Decimal } from 'decimal.js';
import type { Ctx } from '../context.ts';
import type { AlertConfig } from '../config/delivery-schema.ts';
import { formatTokens } from '../model/format.ts';
import { addDays, addMonths, dayKey, monthStart, startOfDay } from '../time.ts';
import { loadDailySeries, valuesOn, type DailySeries } from './daily-series.ts';
import { projectMonthEnd, spike, SPIKE_WINDOW_DAYS } from './rules.ts';
import type { AlertEvent } from './types.ts';

const money = (d: Decimal, currency: string) => `${currency} ${d.toDecimalPlaces(2).toFixed(2)}`;
const dayList = (from: Date, n: number) => Array.from({ length: n }, (_, i) => dayKey(addDays(from, i)));

/** The features a rule covers: the one it names, or every feature with spend or tokens in the window. */
function featuresOf(rule: AlertConfig, series: DailySeries): string[] {
  if (rule.feature) return [rule.feature];
  return [...new Set([...series.spend.keys(), ...series.tokens.keys()])].sort();
}

function budgetAlert(rule: AlertConfig, feature: string, day: Date, series: DailySeries): AlertEvent | null {
  if (rule.monthly_budget === undefined) return null;
  const start = monthStart(day);
  const dayOfMonth = day.getUTCDate();
  const daysInMonth = Math.round((addMonths(start, 1).getTime() - start.getTime()) / 86_400_000);
  const mtd = valuesOn(series.spend.get(feature), dayList(start, dayOfMonth)).reduce((a, b) => a.plus(b), new Decimal(0));
  const projected = projectMonthEnd(mtd, dayOfMonth, daysInMonth);
  const budget = new Decimal(rule.monthly_budget);
  if (!projected.gt(budget)) return null;
  const c = series.currency;
  return {
    key: `budget:${feature}`,
    day: dayKey(day),
    kind: 'budget',
    feature,
    observed: projected.toDecimalPlaces(2).toFixed(2),
    threshold: budget.toFixed(2),
    baseline: mtd.toDecimalPlaces(2).toFixed(2),
    currency: c,
    title: `Budget: ${feature} heads for ${money(projected, c)} this month`,
    message: `${feature} has spent ${money(mtd, c)} in the first ${dayOfMonth} day(s) of ${dayKey(start).slice(0, 7)}; at that rate the month ends at ${money(projected, c)}, over its monthly budget of ${money(budget, c)} (${projected.div(budget).times(100).toFixed(0)} %).`,
  };
}

function spikeAlerts(rule: AlertConfig, feature: string, day: Date, series: DailySeries): AlertEvent[] {
  if (rule.daily_spike_factor === undefined) return [];
  const factor = rule.daily_spike_factor;
  const trailingDays = dayList(addDays(day, -SPIKE_WINDOW_DAYS), SPIKE_WINDOW_DAYS);
  const out: AlertEvent[] = [];
  for (const metric of ['spend', 'tokens'] as const) {
    const s = series[metric].get(feature);
    const today = s?.get(dayKey(day)) ?? new Decimal(0);
    const r = spike(today, valuesOn(s, trailingDays), factor);
    if (!r.spiking) continue;
    const fmt = (d: Decimal) => (metric === 'spend' ? money(d, series.currency) : `${formatTokens(d.toNumber())} tokens`);
    const times = today.div(r.baseline!).toDecimalPlaces(1).toString();
    out.push({
      key: `spike_${metric}:${feature}`,
      day: dayKey(day),
      kind: metric === 'spend' ? 'spike_spend' : 'spike_tokens',
      feature,
      observed: metric === 'spend' ? today.toDecimalPlaces(2).toFixed(2) : today.toFixed(0),
      threshold: metric === 'spend' ? r.threshold!.toDecimalPlaces(2).toFixed(2) : r.threshold!.toFixed(0),
      baseline: metric === 'spend' ? r.baseline!.toDecimalPlaces(2).toFixed(2) : r.baseline!.toFixed(0),
      currency: metric === 'spend' ? series.currency : null,
      title: `Spike: ${feature} ${metric === 'spend' ? 'spend' : 'tokens'} ${times}× the usual on ${dayKey(day)}`,
      message: `${feature} ${metric === 'spend' ? 'spent' : 'used'} ${fmt(today)} on ${dayKey(day)}, ${times}× its trailing ${SPIKE_WINDOW_DAYS}-day median of ${fmt(r.baseline!)} (alert above ${factor}×, ${fmt(r.threshold!)}). A retry storm or a context expansion looks like this.`,
    });
  }
  return out;
}

/**
 * Evaluates every `alerts:` rule for one UTC day (normally yesterday, after the daily ingest) and
 * records the result: alert_events gets one row per alert raised (re-evaluating the day updates
 * them), alert_evaluations the day. Pure reads of cost_daily and usage_daily.
 */
export async function evaluateAlerts(ctx: Ctx, day: Date): Promise<AlertEvent[]> {
  const d = startOfDay(day);
  const rules = ctx.config.alerts;
  const from = addDays(d, -SPIKE_WINDOW_DAYS) < monthStart(d) ? addDays(d, -SPIKE_WINDOW_DAYS) : monthStart(d);
  const series = await loadDailySeries(ctx, from, d);
  const events = new Map<string, AlertEvent>();
  for (const rule of rules) {
    for (const feature of featuresOf(rule, series)) {
      // A feature named by a rule of its own is judged by that rule, not by a catch-all one.
      if (!rule.feature && rules.some((r) => r.feature === feature)) continue;
      for (const e of [budgetAlert(rule, feature, d, series), ...spikeAlerts(rule, feature, d, series)]) if (e && !events.has(e.key)) events.set(e.key, e);
    }
  }
  const raised = [...events.values()];
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('alert_events').where('day', '=', dayKey(d)).execute();
    if (raised.length) {
      await trx
        .insertInto('alert_events')
        .values(raised.map((e) => ({ alert_key: e.key, day: e.day, kind: e.kind, feature: e.feature, observed: e.observed, threshold: e.threshold, baseline: e.baseline, currency: e.currency, message: e.message, raised_at: now })))
        .execute();
    }
    await trx
      .insertInto('alert_evaluations')
      .values({ day: dayKey(d), evaluated_at: now, alerts: raised.length })
      .onConflict((oc) => oc.column('day').doUpdateSet({ evaluated_at: now, alerts: raised.length }))
      .execute();
  });
  ctx.log.info({ day: dayKey(d), rules: rules.length, alerts: raised.map((e) => e.key) }, 'alerts evaluated');
  return raised;
}

export interface ActiveAlert {
  key: string;
  day: string;
  kind: AlertEvent['kind'];
  feature: string;
  observed: string;
  threshold: string;
  currency: string | null;
  message: string;
}

/** Alerts raised on the latest evaluated day (what `status` lists and /metrics exports). */
export async function activeAlerts(ctx: Pick<Ctx, 'db'>): Promise<{ evaluatedDay: string | null; alerts: ActiveAlert[] }> {
  const last = await ctx.db.selectFrom('alert_evaluations').select('day').orderBy('day', 'desc').limit(1).executeTakeFirst();
  if (!last) return { evaluatedDay: null, alerts: [] };
  const day = typeof last.day === 'string' ? last.day.slice(0, 10) : dayKey(new Date(last.day as unknown as Date));
  const rows = await ctx.db
    .selectFrom('alert_events')
    .select(['alert_key', 'kind', 'feature', 'observed', 'threshold', 'currency', 'message'])
    .where('day', '=', day)
    .orderBy('alert_key')
    .execute();
  return { evaluatedDay: day, alerts: rows.map((r) => ({ key: r.alert_key, day, kind: r.kind, feature: r.feature, observed: String(r.observed), threshold: String(r.threshold), currency: r.currency, message: r.message })) };
}
