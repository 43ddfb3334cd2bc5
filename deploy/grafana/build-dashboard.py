#!/usr/bin/env python3
"""Writes deploy/grafana/dashboards/breakeven.json. Edit the panels here, run it, commit both:
the test suite runs every panel's SQL as a role granted breakeven_analyst (test/integration/deploy)."""
import json, pathlib

DS = {"type": "grafana-postgresql-datasource", "uid": "breakeven-postgres"}
panels = []

def panel(title, kind, sql, fmt, w, h, x, y, description, unit=None, columns=None):
    p = {
        "id": len(panels) + 1, "title": title, "type": kind, "datasource": DS, "description": description,
        "gridPos": {"h": h, "w": w, "x": x, "y": y},
        "targets": [{"refId": "A", "datasource": DS, "editorMode": "code", "format": fmt, "rawQuery": True, "rawSql": sql.strip()}],
        "fieldConfig": {"defaults": ({"unit": unit} if unit else {}), "overrides": []},
        "options": {},
        # The columns the panel reads; the test checks the query returns exactly these.
        "breakevenExpectedColumns": columns,
    }
    panels.append(p)

panel("Spend by feature and architecture (monthly)", "barchart", """
select to_char(month, 'YYYY-MM') as month, feature || ' (' || architecture || ')' as feature,
       sum(actual_cost) as actual_cost, sum(fully_loaded_cost) as fully_loaded_cost
  from feature_monthly
 where $__timeFilter(month)
 group by 1, 2
 order by 1, 3 desc
""", "table", 12, 9, 0, 0, "Spend per feature and month in the reporting currency: the allocated bill (actual_cost) and with overhead and ops share (fully_loaded_cost, the basis of every comparison).", "currencyUSD", ["month", "feature", "actual_cost", "fully_loaded_cost"])

panel("Daily spend by feature", "timeseries", """
select day::timestamptz as time, feature, sum(effective_cost) as effective_cost
  from cost_daily
 where $__timeFilter(day)
 group by 1, 2
 order by 1
""", "time_series", 12, 9, 12, 0, "Effective cost per day and feature from cost_daily (billing currency; estimated while restatable).", "currencyUSD", ["time", "feature", "effective_cost"])

panel("Blended rate vs counterfactual (per 1M tokens)", "table", """
select to_char(month, 'YYYY-MM') as month, feature, architecture,
       blended_rate_per_1m, counterfactual_architecture, counterfactual_rate_per_1m,
       counterfactual_cost - actual_cost as counterfactual_minus_actual, currency
  from feature_monthly
 where $__timeFilter(month)
 order by month desc, actual_cost desc
""", "table", 12, 9, 0, 9, "What a feature really paid per 1M tokens against what the other architecture would have cost.", None,
 ["month", "feature", "architecture", "blended_rate_per_1m", "counterfactual_architecture", "counterfactual_rate_per_1m", "counterfactual_minus_actual", "currency"])

panel("Break-even distance (latest month)", "table", """
select feature, architecture, input_tokens + cached_input_tokens + output_tokens as tokens_this_month,
       break_even_tokens_per_month,
       break_even_tokens_per_month - (input_tokens + cached_input_tokens + output_tokens) as tokens_to_break_even,
       round(100.0 * (input_tokens + cached_input_tokens + output_tokens) / nullif(break_even_tokens_per_month, 0), 1) as pct_of_break_even,
       break_even_binding, recommendation, binding_factor, recommended_saving
  from feature_monthly
 where month = (select max(month) from feature_monthly where $__timeFilter(month))
 order by pct_of_break_even desc nulls last
""", "table", 12, 9, 12, 9, "How far each feature's volume is from the break-even volume (empty break-even = never cheaper), the recommendation with its binding factor, and what following it saves per month.", None,
 ["feature", "architecture", "tokens_this_month", "break_even_tokens_per_month", "tokens_to_break_even", "pct_of_break_even", "break_even_binding", "recommendation", "binding_factor", "recommended_saving"])

panel("Recommended saving (headline)", "stat", """
select to_char(month, 'YYYY-MM') as month, sum(recommended_saving) as recommended_saving
  from feature_monthly
 where $__timeFilter(month)
 group by 1
 order by 1
""", "table", 12, 4, 0, 34, "Per month, the sum of feature_monthly.recommended_saving: exactly the report's headline saving.", "currencyUSD", ["month", "recommended_saving"])

panel("Utilization tax per deployment", "table", """
select to_char(month, 'YYYY-MM') as month, deployment, gpu_cost, utilization_tax,
       round(100 * utilization_tax / nullif(gpu_cost, 0), 1) as utilization_tax_pct,
       idle_hours, idle_cost, currency
  from deployment_monthly
 where $__timeFilter(month)
 order by month desc, utilization_tax desc
""", "table", 12, 8, 0, 18, "Cost of provisioned capacity that served nothing, hour by hour (COST-MODEL §10: cost × (1 − tokens ÷ capacity)); idle hours are its zero-token extreme (deployment_monthly).", None,
 ["month", "deployment", "gpu_cost", "utilization_tax", "utilization_tax_pct", "idle_hours", "idle_cost", "currency"])

panel("GPU and token utilization per deployment", "timeseries", """
select date_trunc('day', hour) as time, deployment,
       avg(gpu_utilization) as gpu_utilization,
       sum(prompt_tokens + generation_tokens) as tokens
  from serving_hourly
 where $__timeFilter(hour)
 group by 1, 2
 order by 1
""", "time_series", 12, 8, 12, 18, "Daily average GPU utilization (DCGM, 0–1) and tokens served per deployment (serving_hourly).", None,
 ["time", "deployment", "gpu_utilization", "tokens"])

panel("Monthly GPU and token utilization", "table", """
select to_char(month, 'YYYY-MM') as month, deployment,
       round(gpu_utilization::numeric, 3) as gpu_utilization,
       round(token_utilization::numeric, 3) as token_utilization,
       round(prefix_cache_hit_rate::numeric, 3) as prefix_cache_hit_rate
  from deployment_monthly
 where $__timeFilter(month)
 order by month desc, deployment
""", "table", 12, 8, 0, 26, "Per deployment and month: measured GPU utilization, tokens served against capacity, prefix-cache hit rate.", None,
 ["month", "deployment", "gpu_utilization", "token_utilization", "prefix_cache_hit_rate"])

panel("Data coverage", "table", """
select 'cost' as dataset, provider as source, min(day) as first_day, max(day) as last_day,
       count(distinct day) as days, bool_or(estimated) as has_estimates
  from cost_daily where $__timeFilter(day) group by provider
union all
select 'usage', provider, min(day), max(day), count(distinct day), false
  from usage_daily where $__timeFilter(day) group by provider
union all
select 'serving', deployment, min(hour)::date, max(hour)::date, count(distinct hour::date), false
  from serving_hourly where $__timeFilter(hour) group by deployment
order by 1, 2
""", "table", 12, 8, 12, 26, "Which days each source has data for in the range, and whether cost still contains estimates.", None,
 ["dataset", "source", "first_day", "last_day", "days", "has_estimates"])

dashboard = {
    "uid": "breakeven-overview", "title": "breakeven: LLM inference cost", "tags": ["breakeven", "finops"],
    "timezone": "utc", "schemaVersion": 39, "version": 1, "editable": False, "refresh": "1h",
    "time": {"from": "now-6M", "to": "now"},
    "description": "Over the analyst views (docs/analysts.md): spend, blended rate vs counterfactual, break-even distance, utilization tax, utilization, data coverage.",
    "panels": panels, "templating": {"list": []}, "annotations": {"list": []},
}
out = pathlib.Path(__file__).parent / "dashboards" / "breakeven.json"
out.write_text(json.dumps(dashboard, indent=2) + "\n")
print(f"wrote {out} ({len(panels)} panels)")
