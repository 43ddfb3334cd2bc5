import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAlertMetrics } from '../../../jobs/alert-metrics.ts';
import { startWorkers, type WorkersHandle } from '../../../jobs/workers.ts';
import { activeAlerts, evaluateAlerts } from '../../../src/alerts/evaluate.ts';
import { runAlerts } from '../../../src/alerts/run.ts';
import { fixedClock } from '../../../src/clock.ts';
import type { Db } from '../../../src/db/connect.ts';
import { runStep } from '../../../src/pipeline/steps.ts';
import { writeFacts } from '../../../src/ingest/upsert.ts';
import { addDays, dayKey } from '../../../src/time.ts';
import { createTestContext, exampleConfig, type TestCtx } from '../../helpers/db.ts';
import { redisUrl } from '../../helpers/env.ts';
import { startWebhookSink } from '../../helpers/webhook-sink.ts';
import { adminRedis, deletePrefix, testPrefix, waitFor } from '../jobs/helpers/redis.ts';
import { startSmtpSink } from '../reports/smtp-sink.ts';

const NOV1 = new Date('2026-11-01T00:00:00Z');
const SPIKE = new Date('2026-11-23T00:00:00Z');
let ctx: TestCtx;
let hook: Awaited<ReturnType<typeof startWebhookSink>>;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;

/** One cost line and one usage bucket per feature and day, through the write path (rules give the feature). */
async function seedDay(db: Db, feature: string, day: Date, cost: string, tokens: number): Promise<void> {
  const end = addDays(day, 1);
  await writeFacts(db, ctx.config, {
    costs: [{ source: 'anthropic', line_key: `${feature}:${dayKey(day)}`, charge_period_start: day, charge_period_end: end, provider_name: 'Anthropic', billing_currency: 'USD', billed_cost: cost, effective_cost: cost, service_name: 'Claude API', x_api_key_id: feature }],
    usage: [{ provider: 'anthropic', bucket_start: day, bucket_end: end, api_key_id: feature, model: 'claude-sonnet-4-20250514', uncached_input_tokens: tokens, output_tokens: 0, requests: 10 }],
  });
}

beforeAll(async () => {
  hook = await startWebhookSink();
  smtp = await startSmtpSink();
  const config = structuredClone(exampleConfig());
  config.report.channels = [{ type: 'slack' }, { type: 'email', to: ['oncall@example.com'] }];
  // support-chat: a spike rule of its own; every other feature: a catch-all budget of $250 a month.
  // One feature per Anthropic API key, so the attribution rules put each seeded line on its feature.
  config.features = ['support-chat', 'doc-summarizer', 'code-review'].map((name) => ({ ...config.features[0]!, name, parent: undefined, rules: [{ source: 'anthropic' as const, api_key_id: name }] }));
  config.deployments = [];
  config.alerts = [{ feature: 'support-chat', daily_spike_factor: 3 }, { monthly_budget: '250' }];
  ctx = await createTestContext({ config, clock: fixedClock('2026-11-24T03:00:00Z'), env: { SLACK_WEBHOOK_URL: hook.url, SMTP_URL: smtp.url, REPORT_FROM: 'breakeven@example.com' } });
  for (let d = NOV1; d < SPIKE; d = addDays(d, 1)) {
    await seedDay(ctx.db, 'support-chat', d, '10.00', 1_000_000);
    // doc-summarizer: $5/day projects to $150, under its budget.
    await seedDay(ctx.db, 'doc-summarizer', d, '5.00', 200_000);
  }
  // The spike day: a retry storm triples support-chat's tokens and spend.
  await seedDay(ctx.db, 'support-chat', SPIKE, '35.00', 3_500_000);
  await seedDay(ctx.db, 'doc-summarizer', SPIKE, '5.00', 200_000);
});
afterAll(async () => {
  await ctx?.destroy();
  await hook?.close();
  await smtp?.close();
});

describe('alerts on a simulated spike day', () => {
  it('a normal day raises nothing', async () => {
    expect(await evaluateAlerts(ctx, new Date('2026-11-20T00:00:00Z'))).toEqual([]);
  });

  it('the spike day raises the spend and token spikes of support-chat only', async () => {
    const alerts = await evaluateAlerts(ctx, SPIKE);
    expect(alerts.map((a) => [a.key, a.observed, a.baseline, a.threshold])).toEqual([
      ['spike_spend:support-chat', '35.00', '10.00', '30.00'],
      ['spike_tokens:support-chat', '3500000', '1000000', '3000000'],
    ]);
    expect(alerts[0]!.message).toContain('3.5× its trailing 14-day median of USD 10.00');
  });

  it('a budget the month is on course to exceed raises a budget alert with the projection', async () => {
    await seedDay(ctx.db, 'code-review', addDays(SPIKE, -1), '200.00', 0);
    const alerts = await evaluateAlerts(ctx, SPIKE);
    const budget = alerts.find((a) => a.kind === 'budget')!;
    // $200 in the first 23 days of a 30-day month → 200 / 23 × 30 = 260.87, over $250.
    expect(budget).toMatchObject({ key: 'budget:code-review', observed: '260.87', threshold: '250.00', baseline: '200.00', currency: 'USD' });
    expect(budget.message).toContain('at that rate the month ends at USD 260.87, over its monthly budget of USD 250.00');
    // doc-summarizer ($115 so far → $150) stays under the same budget.
    expect(alerts.map((a) => a.key)).not.toContain('budget:doc-summarizer');
    // Back to $0 for code-review (a restated line replaces the old one).
    await seedDay(ctx.db, 'code-review', addDays(SPIKE, -1), '0', 0);
  });
});

describe('the scheduler path: after a daily ingest, alerts are evaluated and sent once', () => {
  const prefix = testPrefix();
  let workers: WorkersHandle;
  let admin: Redis;

  beforeAll(async () => {
    admin = adminRedis();
    workers = await startWorkers(ctx, {
      redisUrl: redisUrl(),
      prefix,
      retry: { attempts: 1, backoffMs: 50 },
      schedulers: false,
      // The vendor pull is not what this test is about: ingest succeeds with nothing; every other step is real.
      runStep: (c, name, payload) => (name === 'ingest' ? Promise.resolve({ rows: 0, requests: 0 }) : runStep(c, name, payload)),
    });
  });
  afterAll(async () => {
    await workers?.close({ graceMs: 5_000 });
    await deletePrefix(admin, prefix);
    admin.disconnect();
  });

  it('a plan-ingest job queues the alerts step for yesterday; it posts each alert once per channel', async () => {
    const posted = hook.posts.length;
    await workers.queues.get('ingest-openai').add('plan-ingest', { source: 'openai' }, { jobId: 'plan-ingest:openai:test' });
    await waitFor('the alerts job', async () => (await workers.queues.get('report').getJob('alerts:openai:2026-11-23'))?.finishedOn, 60_000);
    const job = await workers.queues.get('report').getJob('alerts:openai:2026-11-23');
    expect(job?.failedReason).toBeUndefined();
    expect(hook.posts.length - posted).toBe(2);
    const titles = hook.posts.slice(posted).map((p) => (p.body as { text: string }).text);
    expect(titles.join('\n')).toContain('Spike: support-chat spend 3.5× the usual on 2026-11-23');
    expect(smtp.received.map((m) => m.mail.subject)).toEqual(expect.arrayContaining(['[breakeven] Spike: support-chat tokens 3.5× the usual on 2026-11-23']));

    // Evaluating the same day again (another source's ingest, a rerun) sends nothing new.
    const again = await runAlerts(ctx, SPIKE, { send: true });
    expect(again.alerts).toHaveLength(2);
    expect(again.notification!.outcomes.every((o) => o.status === 'skipped')).toBe(true);
    expect(hook.posts.length - posted).toBe(2);
    const rows = await ctx.db.selectFrom('channel_deliveries').select(['subject', 'channel', 'status']).where('subject', 'like', 'alert:%').orderBy('subject').orderBy('channel').execute();
    expect(rows).toEqual([
      { subject: 'alert:spike_spend:support-chat:2026-11-23', channel: 'email', status: 'sent' },
      { subject: 'alert:spike_spend:support-chat:2026-11-23', channel: 'slack', status: 'sent' },
      { subject: 'alert:spike_tokens:support-chat:2026-11-23', channel: 'email', status: 'sent' },
      { subject: 'alert:spike_tokens:support-chat:2026-11-23', channel: 'slack', status: 'sent' },
    ]);
  });

  it('/metrics shows the active alerts and month-to-date spend per feature; status lists them', async () => {
    const text = await workers.metrics.registry.metrics();
    expect(text).toContain('breakeven_alert_active{alert="spike_spend:support-chat",kind="spike_spend",feature="support-chat",day="2026-11-23"} 1');
    expect(text).toContain('breakeven_feature_month_to_date_spend{feature="support-chat",currency="USD"} 255');
    expect(text).toContain('breakeven_feature_month_to_date_spend{feature="doc-summarizer",currency="USD"} 115');
    expect(text).toContain('breakeven_feature_monthly_budget{feature="*",currency="USD"} 250');
    const active = await activeAlerts(ctx);
    expect(active.evaluatedDay).toBe('2026-11-23');
    expect(active.alerts.map((a) => a.key)).toEqual(['spike_spend:support-chat', 'spike_tokens:support-chat']);
    // A quiet day evaluated later clears them.
    await evaluateAlerts(ctx, addDays(SPIKE, 1));
    const registry = new Registry();
    registerAlertMetrics(ctx, registry);
    expect(await registry.metrics()).not.toContain('breakeven_alert_active{');
    expect((await activeAlerts(ctx)).alerts).toEqual([]);
  });
});
