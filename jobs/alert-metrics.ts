import { sql } from 'kysely';
import { Gauge, type Registry } from 'prom-client';
import type { Ctx } from '../src/context.ts';
import { activeAlerts } from '../src/alerts/evaluate.ts';
import { dayKey, monthStart } from '../src/time.ts';

/**
 * Scrape-time gauges over the shared database (every worker reports the same values):
 * month-to-date spend per feature from `cost_daily`, the configured budgets, and one series per
 * active alert (raised on the latest evaluated day), value 1.
 */
export function registerAlertMetrics(ctx: Ctx, registry: Registry): void {
  new Gauge({
    name: 'breakeven_feature_month_to_date_spend',
    help: 'Effective cost so far this month (UTC) per feature, from cost_daily, in its billing currency',
    labelNames: ['feature', 'currency'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const { rows } = await sql<{ feature: string; currency: string; spend: string }>`
        select feature, currency, sum(effective_cost)::text as spend from cost_daily
         where day >= ${dayKey(monthStart(ctx.clock.now()))}::date group by 1, 2`.execute(ctx.db);
      // Gauges are floats by nature; the exact figure stays in the database.
      for (const r of rows) this.set({ feature: r.feature, currency: r.currency }, Number(r.spend));
    },
  });

  new Gauge({
    name: 'breakeven_feature_monthly_budget',
    help: 'Monthly budget per feature from the alerts config, in the reporting currency',
    labelNames: ['feature', 'currency'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const a of ctx.config.alerts) if (a.monthly_budget !== undefined) this.set({ feature: a.feature ?? '*', currency: ctx.config.currency }, Number(a.monthly_budget));
    },
  });

  new Gauge({
    name: 'breakeven_alert_active',
    help: 'Alerts raised on the latest evaluated day (1 per alert), by kind and feature',
    labelNames: ['alert', 'kind', 'feature', 'day'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const a of (await activeAlerts(ctx)).alerts) this.set({ alert: a.key, kind: a.kind, feature: a.feature, day: a.day }, 1);
    },
  });
}
