import { sql } from 'kysely';
import type { AddressObject } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverMonthlyReport, DeliveryFailedError } from '../../../src/delivery/deliver.ts';
import { parseMonth } from '../../../src/time.ts';
import { featureRow, reportFixture } from '../../factories/report-fixture.ts';
import { seedReportFixture } from '../../factories/seed-report.ts';
import { createTestContext, type TestCtx } from '../../helpers/db.ts';
import { startSmtpSink } from './smtp-sink.ts';

const XSS = '<img src=x onerror=alert(1)>';
const OCT = parseMonth('2026-10');
let ctx: TestCtx;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;

beforeAll(async () => {
  smtp = await startSmtpSink();
  ctx = await createTestContext({ env: { SMTP_URL: smtp.url, REPORT_FROM: 'breakeven@example.com' } });
  await seedReportFixture(
    ctx.db,
    reportFixture({ extraFeatures: [featureRow({ feature: XSS, actual_cost: '12.34', recommendation_reason: 'tag value from AWS' })] }),
  );
});
afterAll(async () => {
  await ctx?.destroy();
  await smtp?.close();
});

const deliveries = () => ctx.db.selectFrom('report_deliveries').selectAll().orderBy('recipient').execute();
const toText = (a: AddressObject | AddressObject[] | undefined) => (Array.isArray(a) ? a.map((x) => x.text).join(', ') : (a?.text ?? ''));

describe('deliverMonthlyReport over real SMTP', () => {
  it('sends one complete message per recipient: HTML, text, inline PNG charts by cid, CSV', async () => {
    const result = await deliverMonthlyReport(ctx, OCT, { to: ['cfo@example.com', 'eng@example.com'], force: false });
    expect(result.outcomes.map((o) => [o.recipient, o.status])).toEqual([
      ['cfo@example.com', 'sent'],
      ['eng@example.com', 'sent'],
    ]);
    expect(smtp.received).toHaveLength(2);
    const { mail, to } = smtp.received.find((r) => r.to[0] === 'cfo@example.com')!;
    expect(to).toEqual(['cfo@example.com']);
    expect(toText(mail.to)).toBe('cfo@example.com');
    expect(mail.from?.text).toBe('breakeven@example.com');
    expect(mail.subject).toMatch(/^LLM break-even report, October 2026: \$71,331\.68 spend/);

    const html = String(mail.html);
    const text = String(mail.text);
    // Inline charts: each cid in the HTML is an attached PNG with that content id, and vice versa.
    const cids = [...html.matchAll(/src="cid:([^"]+)"/g)].map((m) => m[1]!);
    const pngs = mail.attachments.filter((a) => a.contentType === 'image/png');
    expect(cids.length).toBeGreaterThanOrEqual(9);
    expect(pngs.map((p) => p.cid).sort()).toEqual([...cids].sort());
    for (const p of pngs) {
      expect(p.content.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
      expect(p.contentDisposition).toBe('inline');
    }
    // The CSV matches feature_monthly row for row.
    const csv = mail.attachments.find((a) => a.filename === 'report-2026-10.csv')!;
    expect(csv.contentType).toBe('text/csv');
    const csvText = csv.content.toString('utf8');
    const { rows } = await sql<{ feature: string; actual_cost: string }>`select feature, actual_cost from feature_monthly where month = '2026-10-01'`.execute(ctx.db);
    expect(csvText.trimEnd().split('\r\n')).toHaveLength(rows.length + 1);
    for (const r of rows) expect(csvText).toMatch(new RegExp(`,${r.actual_cost.replace('.', '\\.')},USD,`));

    // Same figures in HTML and text.
    for (const s of ['$52,518.27', '$5,143.97', '$182.35', 'insufficient data: 2 of 3 months', '2.33B tokens/month']) {
      expect(html).toContain(s);
      expect(text).toContain(s);
    }
    // A hostile feature name: escaped in HTML, intact in text.
    expect(html).not.toContain(XSS);
    expect(html).toContain('&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;');
    expect(text).toContain(XSS);

    const rowsAfter = await deliveries();
    expect(rowsAfter.map((d) => [d.recipient, d.status, d.attempts])).toEqual([
      ['cfo@example.com', 'sent', 1],
      ['eng@example.com', 'sent', 1],
    ]);
    expect(rowsAfter[0]!.message_id).toBe(result.outcomes[0]!.status === 'sent' ? result.outcomes[0]!.messageId : '');
    expect(rowsAfter[0]!.report_id).toBe(result.reportId);
  });

  it('refuses a second send without force and re-sends with force', async () => {
    const before = smtp.received.length;
    const again = await deliverMonthlyReport(ctx, OCT, { to: ['cfo@example.com', 'eng@example.com'], force: false });
    expect(again.outcomes.map((o) => o.status)).toEqual(['skipped', 'skipped']);
    expect(again.outcomes[0]).toMatchObject({ reason: expect.stringContaining('already sent on 2026-11-24') });
    expect(smtp.received.length).toBe(before);

    const forced = await deliverMonthlyReport(ctx, OCT, { to: ['cfo@example.com'], force: true });
    expect(forced.outcomes).toEqual([expect.objectContaining({ recipient: 'cfo@example.com', status: 'sent', attempt: 2 })]);
    expect(smtp.received.length).toBe(before + 1);
    expect((await deliveries()).find((d) => d.recipient === 'cfo@example.com')).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('concurrent runs never send twice to the same recipient', async () => {
    const before = smtp.received.length;
    const runs = await Promise.all(
      Array.from({ length: 4 }, () => deliverMonthlyReport(ctx, OCT, { to: ['race@example.com'], force: false })),
    );
    const statuses = runs.map((r) => r.outcomes[0]!.status).sort();
    expect(statuses).toEqual(['sent', 'skipped', 'skipped', 'skipped']);
    expect(smtp.received.slice(before).filter((r) => r.to.includes('race@example.com'))).toHaveLength(1);
  });

  it('records a failed send, reports it, and retries only that recipient next time', async () => {
    smtp.reject.add('bounce@example.com');
    const before = smtp.received.length;
    const err = await deliverMonthlyReport(ctx, OCT, { to: ['bounce@example.com', 'ok@example.com'], force: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeliveryFailedError);
    const failed = (err as DeliveryFailedError).result.outcomes;
    expect(failed.map((o) => [o.recipient, o.status])).toEqual([
      ['bounce@example.com', 'failed'],
      ['ok@example.com', 'sent'],
    ]);
    expect((err as DeliveryFailedError).retryable).toBe(true);
    expect((await deliveries()).find((d) => d.recipient === 'bounce@example.com')).toMatchObject({ status: 'failed', attempts: 1, sent_at: null });
    expect(smtp.received.length).toBe(before + 1);

    smtp.reject.clear();
    const retry = await deliverMonthlyReport(ctx, OCT, { to: ['bounce@example.com', 'ok@example.com'], force: false });
    expect(retry.outcomes.map((o) => [o.recipient, o.status])).toEqual([
      ['bounce@example.com', 'sent'],
      ['ok@example.com', 'skipped'],
    ]);
    expect((await deliveries()).find((d) => d.recipient === 'bounce@example.com')).toMatchObject({ status: 'sent', attempts: 2, error: null });
    expect(smtp.received.length).toBe(before + 2);
  });

  it('uses REPORT_TO / config recipients when --to is not given, and names what is missing', async () => {
    const before = smtp.received.length;
    const r = await deliverMonthlyReport(ctx, OCT, { force: false });
    expect(r.outcomes.map((o) => o.recipient)).toEqual(['finops@example.com']); // config report.recipients
    expect(smtp.received.length).toBe(before + 1);
    const noSmtp = { ...ctx, env: { ...ctx.env, SMTP_URL: undefined } };
    await expect(deliverMonthlyReport(noSmtp, OCT, { force: false })).rejects.toThrow(/SMTP_URL is not set/);
  });
});
