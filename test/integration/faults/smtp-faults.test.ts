import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverMonthlyReport, DeliveryFailedError } from '../../../src/delivery/deliver.ts';
import { unknownDeliveries } from '../../../src/delivery/claims.ts';
import type { Env } from '../../../src/config/env.ts';
import { parseMonth } from '../../../src/time.ts';
import { reportFixture } from '../../factories/report-fixture.ts';
import { seedReportFixture } from '../../factories/seed-report.ts';
import { createTestContext, type TestCtx } from '../../helpers/db.ts';
import { stalledSocket } from './fakes.ts';

/**
 * A real SMTP server that takes the whole message and, while `drop` is set, cuts the connection
 * instead of answering 250: the sender cannot know whether the message was delivered.
 */
async function droppingSmtp() {
  const received: Array<{ messageId: string | undefined; to: string[] }> = [];
  const state = { drop: true };
  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, cb) {
      let raw = '';
      stream.on('data', (c: Buffer) => (raw += c.toString()));
      stream.on('end', () => {
        received.push({ messageId: /^Message-ID:\s*(\S+)/im.exec(raw)?.[1], to: session.envelope.rcptTo.map((r) => r.address) });
        if (state.drop) {
          for (const c of (server as unknown as { connections: Set<{ _socket: { destroy(): void } }> }).connections) c._socket.destroy();
          return;
        }
        cb();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.server.address() as AddressInfo;
  return { url: `smtp://127.0.0.1:${port}`, received, state, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const OCT = parseMonth('2026-10');
let ctx: TestCtx;
let smtp: Awaited<ReturnType<typeof droppingSmtp>>;

beforeAll(async () => {
  smtp = await droppingSmtp();
  ctx = await createTestContext({ env: { SMTP_URL: smtp.url, REPORT_FROM: 'breakeven@example.com', BREAKEVEN_SMTP_TIMEOUT_MS: '2000' } });
  await seedReportFixture(ctx.db, reportFixture());
});
afterAll(async () => {
  await ctx?.destroy();
  await smtp?.close();
});

describe('a send whose outcome is unknown (the server drops the connection after DATA)', () => {
  it('is marked unknown with a stable Message-ID, is not resent without --force, is listed, and --force resends the same Message-ID', async () => {
    const err = await deliverMonthlyReport(ctx, OCT, { to: ['cfo@example.com'], force: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeliveryFailedError);
    const first = (err as DeliveryFailedError).result.outcomes[0]!;
    expect(first).toMatchObject({ recipient: 'cfo@example.com', status: 'unknown' });
    const messageId = (first as { messageId: string }).messageId;
    expect(messageId).toMatch(/^<breakeven\.2026-10\.[0-9a-f]{24}@example\.com>$/);
    expect((err as Error).message).toContain(`outcome unknown for cfo@example.com (Message-ID ${messageId})`);
    expect((err as Error).message).toContain('will not resend it unless --force');
    expect(smtp.received).toEqual([{ messageId, to: ['cfo@example.com'] }]);

    const row = await ctx.db.selectFrom('report_deliveries').selectAll().where('recipient', '=', 'cfo@example.com').executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'unknown', message_id: messageId });

    // A retry (the job retried, the command run again) does not send a second copy.
    smtp.state.drop = false;
    const retry = await deliverMonthlyReport(ctx, OCT, { to: ['cfo@example.com'], force: false });
    expect(retry.outcomes[0]).toMatchObject({ status: 'skipped', messageId });
    expect((retry.outcomes[0] as { reason: string }).reason).toMatch(/outcome is unknown .*use --force to send again/);
    expect(smtp.received).toHaveLength(1);
    expect(await unknownDeliveries(ctx.db)).toEqual([expect.objectContaining({ month: '2026-10', recipient: 'cfo@example.com', messageId })]);

    // --force sends again, with the same Message-ID (receivers that de-duplicate drop the copy).
    const forced = await deliverMonthlyReport(ctx, OCT, { to: ['cfo@example.com'], force: true });
    expect(forced.outcomes[0]).toMatchObject({ status: 'sent' });
    expect(smtp.received.map((r) => r.messageId)).toEqual([messageId, messageId]);
    expect(await unknownDeliveries(ctx.db)).toEqual([]);
  });

  it('a server that never greets fails within the SMTP timeout as a plain failure (nothing was sent), retryable', async () => {
    const s = await stalledSocket();
    try {
      ctx.env = { ...ctx.env, SMTP_URL: s.url.replace('http:', 'smtp:'), BREAKEVEN_SMTP_TIMEOUT_MS: 300 } as Env;
      const err = await deliverMonthlyReport(ctx, OCT, { to: ['eng@example.com'], force: false }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DeliveryFailedError);
      expect((err as DeliveryFailedError).result.outcomes[0]).toMatchObject({ status: 'failed' });
      expect((err as Error).message).toMatch(/sending failed for eng@example\.com \(SMTP smtp:\/\/127\.0\.0\.1:\d+: no answer within 300 ms \(ETIMEDOUT, nothing was sent\); check SMTP_URL or raise BREAKEVEN_SMTP_TIMEOUT_MS\)/);
      const row = await ctx.db.selectFrom('report_deliveries').selectAll().where('recipient', '=', 'eng@example.com').executeTakeFirstOrThrow();
      expect(row.status).toBe('failed');
    } finally {
      await s.close();
    }
  });
});
