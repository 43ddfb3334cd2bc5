import type { Command } from 'commander';
import { runCommand, withContext, withGlobalOptions } from '../output.ts';
import { formatTable } from '../table.ts';
import { errorMessage } from '../../errors.ts';

export function registerStatus(program: Command): void {
  withGlobalOptions(program.command('status').description('coverage, errors, restatable days and vendor requests per source; complete months per feature; queues')).action(
    (opts: { config?: string; json?: boolean }) =>
      runCommand(opts, (io) =>
        withContext(opts, async (ctx) => {
          const { ingestStatus } = await import('../../ingest/status.ts');
          const status = await ingestStatus(ctx);
          let queues: unknown = null;
          if (ctx.env.REDIS_URL) {
            try {
              // jobs/ is the only place that imports bullmq; load it only when Redis is configured.
              const jobs = await import('../../../jobs/status.ts');
              queues = await jobs.queueStatus(ctx.env.REDIS_URL, { prefix: ctx.env.BREAKEVEN_QUEUE_PREFIX, timeoutMs: ctx.env.BREAKEVEN_REDIS_TIMEOUT_MS });
            } catch (err) {
              queues = { error: errorMessage(err) };
            }
          }
          io.print(`database: ${status.database}`);
          io.print('');
          io.print(
            formatTable(
              ['source', 'first day', 'last day', 'days', 'months', 'estimated days', 'vendor requests', 'last success', 'last error'],
              status.sources.map((s) => [s.source, s.firstDay, s.lastDay, s.daysCovered, s.monthsCovered, s.estimatedDays, s.vendorRequests, s.lastSuccess?.slice(0, 16), s.lastError ? `${s.lastErrorAt?.slice(0, 16)} ${s.lastError}` : null]),
            ),
          );
          io.print('');
          io.print(
            formatTable(
              ['feature', 'complete months of data'],
              status.features.map((f) => [
                f.feature,
                f.completeMonths >= status.minMonthsForRecommendation
                  ? `${f.completeMonths} (enough for a recommendation)`
                  : `${f.completeMonths} (a recommendation needs ${status.minMonthsForRecommendation})`,
              ]),
            ),
          );
          const { unknownDeliveries } = await import('../../delivery/claims.ts');
          const unknown = await unknownDeliveries(ctx.db);
          if (unknown.length) {
            io.print('');
            io.print('deliveries with an unknown outcome (the SMTP server took the message but never confirmed it; check the inbox, then `report --send --force` to resend):');
            io.print(formatTable(['month', 'recipient', 'Message-ID', 'since'], unknown.map((u) => [u.month, u.recipient, u.messageId, u.since.toISOString().slice(0, 16)])));
          }
          const { activeAlerts } = await import('../../alerts/evaluate.ts');
          const alerts = await activeAlerts(ctx);
          io.print('');
          if (!alerts.evaluatedDay) io.print(ctx.config.alerts.length ? 'alerts: not evaluated yet (the worker evaluates them after each daily ingest; or `breakeven alerts --day YYYY-MM-DD`)' : 'alerts: none configured');
          else if (alerts.alerts.length === 0) io.print(`alerts: none active (last evaluated ${alerts.evaluatedDay})`);
          else {
            io.print(`active alerts (${alerts.evaluatedDay}):`);
            io.print(formatTable(['alert', 'observed', 'threshold', 'what'], alerts.alerts.map((a) => [a.key, a.observed, a.threshold, a.message])));
          }
          if (queues && 'error' in (queues as object)) {
            io.print('');
            io.print(`queues: unavailable: ${(queues as { error: string }).error}`);
          } else if (queues) {
            io.print('');
            io.print(`queues: ${JSON.stringify(queues, null, 2)}`);
          }
          return { ...status, unknownDeliveries: unknown, queues, alerts };
        }),
      ),
  );
}
