import type { Ctx } from '../../context.ts';
import { ConfigError } from '../../errors.ts';
import { sha256 } from '../../reports/digest.ts';
import { alertBlocks, reportBlocks, type SlackPayload } from './slack-blocks.ts';
import type { ChannelMessage, DeliveryChannel } from './types.ts';

const DEFAULT_TIMEOUT_MS = 15_000;

/** The claim key of a webhook: stable, and never the URL itself (which is a secret). */
export const webhookRecipient = (url: string): string => `webhook:${sha256(url).slice(0, 12)}`;

/**
 * Slack through an incoming webhook (SLACK_WEBHOOK_URL; any Slack-compatible endpoint). The URL is
 * a credential: it never reaches a log or an error message.
 */
export function slackChannel(ctx: Ctx, opts: { csvUrl?: string | undefined } = {}): DeliveryChannel {
  const url = ctx.env.SLACK_WEBHOOK_URL;
  if (!url) throw new ConfigError('report.channels has a slack channel but SLACK_WEBHOOK_URL is not set: set it to the incoming webhook URL');
  const timeoutMs = Number((ctx.env as { BREAKEVEN_HTTP_TIMEOUT_MS?: number }).BREAKEVEN_HTTP_TIMEOUT_MS) || DEFAULT_TIMEOUT_MS;
  const redact = (s: string) => s.split(url).join('[SLACK_WEBHOOK_URL]');

  const post = async (payload: SlackPayload): Promise<{ messageId: string }> => {
    const body = JSON.stringify(payload);
    let res: Response;
    try {
      res = await ctx.fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = (err as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (cause?.code ?? cause?.message ?? (err as Error).message);
      throw new Error(`Slack webhook (SLACK_WEBHOOK_URL) could not be reached: ${redact(String(why))}`);
    }
    const answer = redact((await res.text().catch(() => '')).slice(0, 200).trim());
    // Slack answers 200 "ok"; errors are 4xx with a short code (invalid_payload, no_service, …).
    if (!res.ok) throw new Error(`Slack webhook (SLACK_WEBHOOK_URL) answered HTTP ${res.status}${answer ? `: ${answer}` : ''}`);
    return { messageId: `slack:${sha256(body).slice(0, 16)}` };
  };

  return {
    type: 'slack',
    recipients: [webhookRecipient(url)],
    send: (message: ChannelMessage) =>
      post(message.kind === 'report' ? reportBlocks(message.report, { csvUrl: opts.csvUrl?.replaceAll('{month}', message.report.month), csvFile: message.csvFile }) : alertBlocks(message.alert)),
    close: () => {},
  };
}
