import type { Command } from 'commander';
import { runCommand, withContext, withGlobalOptions } from '../output.ts';
import { formatTable } from '../table.ts';
import { errorMessage } from '../../errors.ts';
import type { QueueStatus } from '../../../jobs/status.ts';

/** Counts in this order, the ones that are not zero; "idle" when all are. */
const COUNT_ORDER = ['active', 'waiting', 'prioritized', 'waiting-children', 'delayed', 'completed', 'failed'];

/**
 * The queues in a few lines: one per queue with its non-zero counts and next scheduled run, then
 * the failed jobs (newest first) by step and window with their reason, on one line each.
 */
export function queueLines(status: QueueStatus): string[] {
  const width = Math.max(...status.queues.map((q) => q.name.length));
  const out = [`queues (prefix ${status.prefix}):`];
  for (const q of status.queues) {
    const counts = COUNT_ORDER.filter((k) => (q.counts[k] ?? 0) > 0).map((k) => `${q.counts[k]} ${k}`);
    const next = q.schedulers
      .filter((s) => s.next)
      .sort((a, b) => a.next!.localeCompare(b.next!))
      .slice(0, 1)
      .map((s) => `; next ${s.jobName} ${s.next!.slice(0, 16).replace('T', ' ')} UTC`);
    out.push(`  ${q.name.padEnd(width)}  ${counts.join(', ') || 'idle'}${next.join('')}`);
  }
  const failed = status.queues.flatMap((q) => q.failed).sort((a, b) => (b.failedAt ?? '').localeCompare(a.failedAt ?? ''));
  const total = status.queues.reduce((n, q) => n + (q.counts.failed ?? 0), 0);
  if (failed.length) {
    out.push(`failed jobs (${total}${total > failed.length ? `, newest ${failed.length} shown` : ''}; fix the cause and run the same backfill again):`);
    for (const f of failed) {
      // A parent failed because a job it waits on did: name that job, not BullMQ's Redis key.
      const child = /^child \S+?:[a-z-]+:(\S+) failed$/.exec(f.reason.trim());
      const reason = child ? `not run: ${child[1]} failed` : f.reason.replace(/\s+/g, ' ').trim();
      out.push(`  ${f.name} ${f.window ?? f.id}: ${reason.length > 200 ? `${reason.slice(0, 197)}...` : reason} (${f.attemptsMade} attempt${f.attemptsMade === 1 ? '' : 's'}${f.failedAt ? `, ${f.failedAt.slice(0, 16).replace('T', ' ')} UTC` : ''})`);
    }
  }
  return out;
}

export function registerStatus(program: Command): void {
  withGlobalOptions(program.command('status').description('coverage, errors, restatable days and vendor requests per source; FOCUS imports per account and file; complete months per feature; one line per queue and the failed jobs')).action(
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
              // One row per source and account: the account is named where a source has more than the default one.
              status.sources.map((s) => [s.account === 'default' ? s.source : `${s.source} (${s.account})`, s.firstDay, s.lastDay, s.daysCovered, s.monthsCovered, s.estimatedDays, s.vendorRequests, s.lastSuccess?.slice(0, 16), s.lastError ? `${s.lastErrorAt?.slice(0, 16)} ${s.lastError}` : null]),
            ),
          );
          if (status.focus.accounts.length || status.focus.lastFailure) {
            io.print('');
            io.print(`FOCUS imports (\`ingest focus\`): ${status.focus.imports} file import(s), ${status.focus.accounts.length} billing account(s)`);
            if (status.focus.accounts.length) {
              io.print(
                formatTable(
                  ['account', 'provider', 'first day', 'last day', 'months', 'rows', 'last import'],
                  status.focus.accounts.map((a) => [a.account, a.providers.join(', '), a.firstDay, a.lastDay, a.months, a.rows, a.lastImport?.slice(0, 16)]),
                ),
              );
            }
            if (status.focus.files.length) {
              io.print('');
              io.print(
                formatTable(
                  ['file', 'last import', 'result', 'rows', 'first day', 'last day', 'imports'],
                  status.focus.files.map((f) => [f.file, f.at.slice(0, 16), f.status === 'succeeded' ? 'ok' : 'failed', f.rows, f.firstDay, f.lastDay, f.imports]),
                ),
              );
              for (const f of status.focus.files) if (f.error) io.print(`  ${f.file}: ${f.error}`);
            }
            // A failure of a run that names no file (recorded before files were) is said on its own.
            if (status.focus.lastFailure && !status.focus.files.some((f) => f.status === 'failed')) io.print(`last FOCUS import failed ${status.focus.lastFailure.at.slice(0, 16)}: ${status.focus.lastFailure.error}`);
          }
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
            for (const line of queueLines(queues as QueueStatus)) io.print(line);
          }
          return { ...status, unknownDeliveries: unknown, queues, alerts };
        }),
      ),
  );
}
