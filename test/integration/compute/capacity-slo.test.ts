import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema, type Config } from '../../../src/config/schema.ts';
import { computeMonth } from '../../../src/compute/month.ts';
import { writeFacts } from '../../../src/ingest/upsert.ts';
import { renderMonthlyReport } from '../../../src/reports/render.ts';
import { createTestContext, type TestCtx } from '../../helpers/db.ts';

// COST-MODEL §11 through compute: a deployment whose e2e p95 breaks 5 s above 600 tok/s per replica,
// an API feature whose counterfactual profile that deployment runs, and an oversized second deployment.
const MONTH = new Date('2026-09-01T00:00:00Z');
const HOURS = 720;
const at = (h: number) => new Date(MONTH.getTime() + h * 3_600_000);

function configWith(chatSlo: { e2e_p95_seconds: number } | undefined): Config {
  return configSchema.parse({
    currency: 'USD',
    features: [
      { name: 'chat', architecture: 'api', rules: [{ source: 'anthropic', api_key_id: 'K1' }], counterfactual: { profile: 'p' }, ...(chatSlo ? { latency_slo: chatSlo } : {}) },
      { name: 'copilot', architecture: 'self_hosted', rules: [{ source: 'prometheus', deployment: 'dep' }], counterfactual: { api_provider: 'openai', api_model: 'gpt-4o-mini' }, latency_slo: { e2e_p95_seconds: 5 } },
      { name: 'search', architecture: 'self_hosted', rules: [{ source: 'prometheus', deployment: 'dep2' }], counterfactual: { api_provider: 'openai', api_model: 'gpt-4o-mini' } },
    ],
    deployments: [
      { name: 'dep', feature: 'copilot', profile: 'p', gpus: 1, replicas: 2 },
      { name: 'dep2', feature: 'search', profile: 'p2', gpus: 1, replicas: 2 },
    ],
    gpus: { l4: { memory_gib: 24, hourly_price: '1.00' } },
    profiles: {
      p: { model_class: '8b', gpu: 'l4', tokens_per_second: 1000, max_utilization: 0.7, min_replicas: 1, provisioning: 'autoscale' },
      p2: { model_class: '8b', gpu: 'l4', tokens_per_second: 1000, max_utilization: 0.7, min_replicas: 1, provisioning: 'static' },
    },
    overhead: { self_hosted: 0.3, api: 0 },
    ops: { monthly_cost: '1000' },
    report: { min_months_for_recommendation: 1 },
  });
}

const TIGHT = configWith({ e2e_p95_seconds: 5 });
const LOOSE = configWith({ e2e_p95_seconds: 10 });
const NO_SLO = configWith(undefined);

// dep: 48 busy hours at 300, 310, …, 770 tok/s per replica (2 replicas); e2e p95 3 s up to 600, 9 s above.
const busyTps = Array.from({ length: 48 }, (_, i) => 300 + 10 * i);
const COMPLIANT = { '1': 0, '5': 100, '10': 100, '+Inf': 100 };
const VIOLATING = { '1': 0, '5': 50, '10': 100, '+Inf': 100 };
const TTFT = { '0.5': 95, '1': 100, '+Inf': 100 };

let ctx: TestCtx;

async function seed(config: Config): Promise<void> {
  const day = (d: number) => ({ start: at(24 * d), end: at(24 * (d + 1)) });
  // chat: 2M tokens an hour in the busy hours (556 tok/s), a trickle once a day after, so every day has usage.
  const usage = [
    ...busyTps.map((_, h) => ({ h, tokens: 2_000_000 })),
    ...Array.from({ length: 28 }, (_, d) => ({ h: 24 * (d + 2) + 12, tokens: 1000 })),
  ].map(({ h, tokens }) => ({ provider: 'anthropic', bucket_start: at(h), bucket_end: at(h + 1), api_key_id: 'K1', model: 'claude-sonnet-4-20250514', uncached_input_tokens: tokens, output_tokens: 0, requests: 1 }));
  const serving = [
    ...busyTps.map((tps, h) => ({ hour: at(h), deployment: 'dep', model: 'm', prompt_tokens: tps * 3600 * 2, generation_tokens: 0, requests: 100 })),
    ...Array.from({ length: HOURS }, (_, h) => ({ hour: at(h), deployment: 'dep2', model: 'm', prompt_tokens: 100 * 3600, generation_tokens: 0, requests: 10 })),
  ];
  const latency = busyTps.map((tps, h) => ({
    hour: at(h), deployment: 'dep', engine: 'vllm',
    e2e_count: 100, e2e_p95_seconds: tps <= 600 ? 3 : 9, e2e_buckets: JSON.stringify(tps <= 600 ? COMPLIANT : VIOLATING),
    ttft_count: 100, ttft_p95_seconds: 0.5, ttft_buckets: JSON.stringify(TTFT),
  }));
  await writeFacts(ctx.db, config, { usage, serving, latency });
  const line = (key: string, start: Date, end: Date, cost: string, extra: Record<string, unknown>) => ({
    source: 'focus', line_key: key, charge_period_start: start, charge_period_end: end, provider_name: 'Google Cloud',
    billing_currency: 'USD', billed_cost: cost, effective_cost: cost, ...extra,
  });
  await ctx.db
    .insertInto('cost_line_items')
    .values([
      line('dep', MONTH, at(HOURS), '1440.00', { deployment: 'dep' }), // $1 per replica-hour
      line('dep2', MONTH, at(HOURS), '1440.00', { deployment: 'dep2' }),
    ])
    .execute();
  await ctx.db
    .insertInto('cost_line_items')
    .values({
      source: 'anthropic', line_key: 'K1|in', charge_period_start: day(0).start, charge_period_end: day(0).end, provider_name: 'Anthropic', billing_currency: 'USD',
      billed_cost: '96.00', effective_cost: '96.00', x_api_key_id: 'K1', x_model: 'claude-sonnet-4-20250514', x_token_type: 'uncached_input_tokens', service_name: 'Claude API',
    })
    .execute();
}

const feature = async (name: string) =>
  ctx.db.selectFrom('feature_monthly_results').selectAll().where('month', '=', '2026-09-01').where('feature', '=', name).executeTakeFirstOrThrow();
const deployment = async (name: string) =>
  ctx.db.selectFrom('deployment_monthly').selectAll().where('month', '=', '2026-09-01').where('deployment', '=', name).executeTakeFirstOrThrow();
const counterfactual = (row: { assumptions: unknown }) => (row.assumptions as { counterfactual: { peakReplicas: number; replicaHours: number; sizing: string } }).counterfactual;

beforeAll(async () => {
  ctx = await createTestContext({ config: TIGHT });
  await seed(TIGHT);
});
afterAll(async () => {
  await ctx?.destroy();
});

describe('capacity at the latency SLO through compute', () => {
  it('stores the deployment’s measured capacity, its source, the SLO, the evidence and the month’s p95s', { timeout: 180_000 }, async () => {
    await computeMonth(ctx, MONTH);
    const d = await deployment('dep');
    expect(d.slo_e2e_p95_seconds).toBe(5);
    expect(d.slo_ttft_p95_seconds).toBeNull();
    expect(d.capacity_source).toBe('measured');
    expect(d.capacity_tps_per_replica).toBeCloseTo(600, 9);
    expect(d.capacity_at_slo_tps_per_replica).toBeCloseTo(600, 9);
    expect(d.profile_tps_per_replica).toBe(1000);
    expect(d.slo_compliant_tps_per_replica).toBeCloseTo(600, 9);
    expect(d.slo_violating_tps_per_replica).toBeCloseTo(610, 9);
    expect(d.slo_busy_hours).toBe(48);
    expect(d.slo_violation_hours).toBe(busyTps.filter((t) => t > 600).length);
    // Month p95 from the summed buckets: ≤5 s holds 31×100 + 17×50 = 3950 of 4800; rank 4560 lies in (5, 10].
    expect(d.e2e_p95_seconds).toBeCloseTo(5 + (5 * (0.95 * 4800 - 3950)) / (4800 - 3950), 9);
    expect(d.ttft_p95_seconds).toBeCloseTo(0.5, 9);
    // Utilization tax at 600 tok/s per replica, $2 an hour: idle hours in full, busy hours the unused share.
    const tax = (HOURS - 48) * 2 + busyTps.reduce((s, t) => s + 2 * (1 - Math.min(1, t / 600)), 0);
    expect(Number(d.utilization_tax)).toBeCloseTo(tax, 2);
    expect(d.token_utilization).toBeCloseTo(busyTps.reduce((s, t) => s + t * 7200, 0) / (2 * 600 * 3600 * HOURS), 9);
  });

  it('right-sizes each deployment at its capacity: autoscale hour by hour, static at the peak', { timeout: 180_000 }, async () => {
    const d = await deployment('dep');
    const perHour = Array.from({ length: HOURS }, (_, h) => (h < 48 ? Math.max(1, Math.ceil((2 * busyTps[h]!) / (600 * 0.7))) : 1));
    expect(d.replicas).toBe(2);
    expect(d.recommended_replicas).toBe(Math.max(...perHour));
    expect(Number(d.right_sizing_saving)).toBeCloseTo(2 * HOURS - perHour.reduce((a, b) => a + b, 0), 2);
    // dep2: 100 tok/s on 2 replicas of 1,000 → 1 replica (static), $1 per replica-hour → 720 replica-hours saved.
    const d2 = await deployment('dep2');
    expect(d2.capacity_source).toBe('profile');
    expect(d2.recommended_replicas).toBe(1);
    expect(d2.right_sizing_saving).toBe('720');
  });

  it('renders the capacity at the SLO and the right-sizing lines in the deployment section', { timeout: 180_000 }, async () => {
    const report = await renderMonthlyReport(ctx, MONTH, { png: false });
    const d = await deployment('dep');
    expect(report.text).toContain('measured at your SLO: 600 tok/s per replica (profile: 1,000)');
    expect(report.text).toContain(`2 × L4 run at 6%: autoscaling up to ${d.recommended_replicas} replicas meet the SLO, saving $${Number(d.right_sizing_saving).toFixed(2)}/month`);
    expect(report.text).toContain("2 × L4 run at 5%: 1 replica carries the load at the profile's 1,000 tok/s, saving $720.00/month");
    expect(report.html).toContain('saving $720.00/month');
  });

  it('a tighter SLO needs more replicas, raises the break-even and names latency as the binding factor', { timeout: 180_000 }, async () => {
    const tight = await feature('chat');
    await computeMonth({ ...ctx, config: LOOSE }, MONTH);
    const loose = await feature('chat');
    await computeMonth(ctx, MONTH);

    // 556 tok/s in the busy hours: 2 replicas at 600 × 0.7, 1 at the profile's 1,000 × 0.7 (the 10 s SLO
    // never broke, so its 770 tok/s is a lower bound below the profile and the profile stands).
    expect(counterfactual(tight).peakReplicas).toBe(2);
    expect(counterfactual(loose).peakReplicas).toBe(1);
    expect(counterfactual(tight).replicaHours).toBe(HOURS + 48);
    expect(counterfactual(loose).replicaHours).toBe(HOURS);
    expect(Number(tight.counterfactual_cost)).toBeGreaterThan(Number(loose.counterfactual_cost));
    expect(Number(tight.break_even_tokens_per_month)).toBeGreaterThan(Number(loose.break_even_tokens_per_month));
    expect(counterfactual(tight).sizing).toContain('measured at your SLO: 600 tok/s per replica (profile: 1,000)');
    expect(counterfactual(tight).sizing).toContain('the latency SLO decides the count');
    expect(tight.recommendation).toBe('api');
    expect(tight.binding_factor).toBe('latency');
    expect(tight.recommendation_reason).toContain('binding factor: latency');
    expect(loose.binding_factor).not.toBe('latency');
    expect(loose.binding_factor).not.toBeNull();
    const cap = (tight.assumptions as { capacity_at_slo: { source: string; deployment: string } }).capacity_at_slo;
    expect(cap).toMatchObject({ source: 'measured', deployment: 'dep' });
  });

  it('an API feature that promises no latency keeps the profile throughput (not the deployment’s SLO capacity)', { timeout: 180_000 }, async () => {
    await computeMonth({ ...ctx, config: NO_SLO }, MONTH);
    const none = await feature('chat');
    await computeMonth(ctx, MONTH);
    expect(counterfactual(none).peakReplicas).toBe(1);
    expect(counterfactual(none).replicaHours).toBe(HOURS);
    expect(counterfactual(none).sizing).not.toContain('measured at your SLO');
    expect((none.assumptions as { capacity_at_slo?: unknown }).capacity_at_slo).toBeUndefined();
    expect(none.binding_factor).not.toBe('latency');
  });
});
