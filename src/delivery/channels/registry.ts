import type { Ctx } from '../../context.ts';
import type { ChannelConfig } from '../../config/delivery-schema.ts';
import { ConfigError } from '../../errors.ts';
import type { Mailer } from '../transport.ts';
import { emailChannel } from './email.ts';
import { slackChannel } from './slack.ts';
import type { ChannelType, DeliveryChannel } from './types.ts';

export const CHANNEL_TYPES: readonly ChannelType[] = ['email', 'slack'];

/** The configured channels; without `report.channels`, email to the report recipients (the old behaviour). */
export function configuredChannels(ctx: Ctx): ChannelConfig[] {
  return ctx.config.report.channels ?? [{ type: 'email' }];
}

/** Parses `--channels email,slack`; a name not in the config is bad usage. */
export function selectChannels(ctx: Ctx, only: readonly string[] | undefined): ChannelConfig[] {
  const all = configuredChannels(ctx);
  if (!only) return all;
  const bad = only.filter((t) => !(CHANNEL_TYPES as readonly string[]).includes(t));
  if (bad.length) throw new ConfigError(`--channels: unknown channel "${bad.join('", "')}"; expected some of ${CHANNEL_TYPES.join(', ')}`);
  const missing = only.filter((t) => !all.some((c) => c.type === t));
  if (missing.length) throw new ConfigError(`--channels: ${missing.join(', ')} is not in report.channels (configured: ${all.map((c) => c.type).join(', ')})`);
  return all.filter((c) => only.includes(c.type));
}

/** Builds a channel; errors (missing SLACK_WEBHOOK_URL, no recipients) are ConfigErrors naming what to set. */
export function buildChannel(ctx: Ctx, cfg: ChannelConfig, opts: { to?: readonly string[] | undefined; mailer?: Mailer } = {}): DeliveryChannel {
  switch (cfg.type) {
    case 'email':
      return emailChannel(ctx, { to: opts.to && opts.to.length ? opts.to : cfg.to, ...(opts.mailer ? { mailer: opts.mailer } : {}) });
    case 'slack':
      return slackChannel(ctx, { csvUrl: cfg.csv_url });
  }
}
