import type { Ctx } from '../context.ts';
import { BreakevenError } from '../errors.ts';
import { dayKey } from '../time.ts';
import { evaluateAlerts } from './evaluate.ts';
import { notifyAlerts, type AlertNotification } from './notify.ts';
import type { AlertEvent } from './types.ts';

export class AlertSendFailedError extends BreakevenError {
  override readonly retryable = true;
}

/** The `alerts` step: evaluate one day, then send what was raised (unless `send` is false). */
export async function runAlerts(ctx: Ctx, day: Date, opts: { send: boolean }): Promise<{ day: string; alerts: AlertEvent[]; notification: AlertNotification | null }> {
  const alerts = await evaluateAlerts(ctx, day);
  if (!opts.send) return { day: dayKey(day), alerts, notification: null };
  const notification = await notifyAlerts(ctx, alerts);
  const failed = notification.outcomes.filter((o) => o.status === 'failed');
  if (failed.length) {
    throw new AlertSendFailedError(
      `alerts ${dayKey(day)}: sending failed for ${failed.map((f) => `${f.alert} on ${f.channel}`).join(', ')} (${failed.map((f) => (f.status === 'failed' ? f.error : '')).join('; ')}); the next evaluation retries them`,
    );
  }
  return { day: dayKey(day), alerts, notification };
}
