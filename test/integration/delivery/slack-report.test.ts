import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelDeliveryFailedError, deliverReportOnChannels } from '../../../src/delivery/channels/deliver-report.ts';
import { webhookRecipient } from '../../../src/delivery/channels/slack.ts';
import { parseMonth } from '../../../src/time.ts';
import { reportFixture } from '../../factories/report-fixture.ts';
import { seedReportFixture } from '../../factories/seed-report.ts';
import { createTestContext, exampleConfig, type TestCtx } from '../../helpers/db.ts';
import { startWebhookSink } from '../../helpers/webhook-sink.ts';
import { startSmtpSink } from '../reports/smtp-sink.ts';

const OCT = parseMonth('2026-10');
let ctx: TestCtx;
let hook: Awaited<ReturnType<typeof startWebhookSink>>;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let failNext = false;

beforeAll(async () => {
  hook = await startWebhookSink(() => (failNext ? ((failNext = false), { status: 404, body: 'no_service' }) : { status: 200, body: 'ok' }));
  smtp = await startSmtpSink();
  const config = exampleConfig();
  config.report.channels = [{ type: 'email', to: ['cfo@example.com'] }, { type: 'slack', csv_url: 'https://files.example.com/breakeven/report-{month}.csv' }];
  ctx = await createTestContext({ config, env: { SMTP_URL: smtp.url, REPORT_FROM: 'breakeven@example.com', SLACK_WEBHOOK_URL: hook.url } });
  await seedReportFixture(ctx.db, reportFixture());
});
afterAll(async () => {
  await ctx?.destroy();
  await hook?.close();
  await smtp?.close();
});

type Block = { type: string; text?: { text: string }; fields?: Array<{ text: string }>; elements?: Array<{ text: string }> };

describe('report.channels: email and Slack', () => {
  it('posts one Block Kit summary to the webhook and emails the report, each once', async () => {
    const result = await deliverReportOnChannels(ctx, OCT, { force: false });
    expect(result.outcomes.map((o) => [o.channel, o.status])).toEqual([['email', 'sent'], ['slack', 'sent']]);
    expect(result.outcomes[1]!.recipient).toBe(webhookRecipient(hook.url));
    expect(result.outcomes[1]!.recipient).not.toContain('secret-token');
    expect(hook.posts).toHaveLength(1);
    expect(smtp.received).toHaveLength(1);

    const payload = hook.posts[0]!.body as { text: string; blocks: Block[] };
    expect(payload.blocks[0]).toMatchObject({ type: 'header' });
    expect(payload.blocks[0]!.text!.text).toContain('October 2026');
    const all = JSON.stringify(payload.blocks);
    // The headline, the biggest moves and the CSV link.
    expect(payload.text).toContain(':');
    expect(all).toContain('Biggest moves');
    expect(all).toContain('<https://files.example.com/breakeven/report-2026-10.csv|Download report-2026-10.csv>');
    expect(payload.blocks.length).toBeGreaterThanOrEqual(4);

    const rows = await ctx.db.selectFrom('channel_deliveries').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ subject: 'report:2026-10', channel: 'slack', status: 'sent', attempts: 1 });
    expect(rows[0]!.message_id).toMatch(/^slack:[0-9a-f]{16}$/);
  });

  it('a second --send posts nothing; --force posts again', async () => {
    const again = await deliverReportOnChannels(ctx, OCT, { force: false });
    expect(again.outcomes.map((o) => o.status)).toEqual(['skipped', 'skipped']);
    expect(hook.posts).toHaveLength(1);
    const forced = await deliverReportOnChannels(ctx, OCT, { force: true, channels: ['slack'] });
    expect(forced.outcomes.map((o) => [o.channel, o.status])).toEqual([['slack', 'sent']]);
    expect(hook.posts).toHaveLength(2);
    expect(smtp.received).toHaveLength(1);
  });

  it('a webhook error is a retryable failure that never shows the URL; the retry sends', async () => {
    failNext = true;
    const err = await deliverReportOnChannels(ctx, OCT, { force: true, channels: ['slack'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChannelDeliveryFailedError);
    expect((err as Error).message).toContain('HTTP 404: no_service');
    expect((err as Error).message).not.toContain('secret-token');
    const row = await ctx.db.selectFrom('channel_deliveries').selectAll().executeTakeFirstOrThrow();
    expect(row.status).toBe('failed');
    expect(row.error).not.toContain('secret-token');
    const retry = await deliverReportOnChannels(ctx, OCT, { force: false, channels: ['slack'] });
    expect(retry.outcomes.map((o) => o.status)).toEqual(['sent']);
  });

  it('an unreachable webhook names the variable, not its value', async () => {
    const closed = await startWebhookSink();
    const deadUrl = closed.url.replace('secret-token-xyz', 'secret-token-abc');
    await closed.close();
    const down = await createTestContext({ config: ctx.config, env: { SLACK_WEBHOOK_URL: deadUrl } });
    try {
      await seedReportFixture(down.db, reportFixture());
      const err = await deliverReportOnChannels(down, OCT, { force: false, channels: ['slack'] }).catch((e: unknown) => e);
      expect((err as Error).message).toMatch(/SLACK_WEBHOOK_URL\) could not be reached: ECONNREFUSED/);
      expect((err as Error).message).not.toContain('secret-token');
    } finally {
      await down.destroy();
    }
  });

  it('a slack channel without SLACK_WEBHOOK_URL is a configuration error before anything is sent', async () => {
    const bare = await createTestContext({ config: ctx.config });
    try {
      const err = await deliverReportOnChannels(bare, OCT, { force: false }).catch((e: unknown) => e);
      expect((err as Error).message).toContain('SLACK_WEBHOOK_URL is not set');
      expect((err as { exitCode?: number }).exitCode).toBe(2);
    } finally {
      await bare.destroy();
    }
  });
});
