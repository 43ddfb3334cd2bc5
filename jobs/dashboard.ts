import type { QueueStatus } from './status.ts';

/** Every value on the page came from Redis (job names, error messages): escape all of it. */
export function escapeHtml(s: unknown): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const STATES = ['waiting', 'active', 'delayed', 'waiting-children', 'prioritized', 'completed', 'failed'];

/**
 * A minimal read-only queue page (Bull Board would need an express/hono adapter we do not ship):
 * counts per queue, next scheduled runs, and the latest failed jobs with their reasons.
 */
export function renderDashboard(status: QueueStatus, now: Date): string {
  const e = escapeHtml;
  const countRows = status.queues
    .map((q) => `<tr><th>${e(q.name)}</th>${STATES.map((s) => `<td class="n${s === 'failed' && q.counts[s] ? ' bad' : ''}">${e(q.counts[s] ?? 0)}</td>`).join('')}</tr>`)
    .join('\n');
  const schedulers = status.queues.flatMap((q) => q.schedulers.map((s) => ({ queue: q.name, ...s })));
  const schedulerRows = schedulers
    .map((s) => `<tr><td>${e(s.id)}</td><td>${e(s.queue)}</td><td><code>${e(s.pattern ?? `every ${s.every} ms`)}</code></td><td>${e(s.tz ?? '')}</td><td>${e(s.next ?? '')}</td></tr>`)
    .join('\n');
  const failed = status.queues.flatMap((q) => q.failed.map((f) => ({ queue: q.name, ...f })));
  const failedRows = failed
    .map((f) => `<tr><td>${e(f.queue)}</td><td><code>${e(f.id)}</code></td><td>${e(f.name)}</td><td class="n">${e(f.attemptsMade)}</td><td>${e(f.failedAt ?? '')}</td><td>${e(f.reason)}</td></tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="10">
<title>breakeven queues</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin-bottom:2em}
th,td{border-bottom:1px solid #ddd;padding:.3em .8em;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.bad{color:#b00020;font-weight:600}
</style></head><body>
<h1>breakeven queues</h1>
<p>Redis prefix <code>${e(status.prefix)}</code> · ${e(now.toISOString())} · refreshes every 10 s · <a href="/metrics">/metrics</a></p>
<h2>Jobs</h2>
<table><tr><th>queue</th>${STATES.map((s) => `<th>${e(s)}</th>`).join('')}</tr>
${countRows}
</table>
<h2>Schedulers</h2>
${schedulers.length ? `<table><tr><th>id</th><th>queue</th><th>pattern</th><th>tz</th><th>next run</th></tr>\n${schedulerRows}\n</table>` : '<p>none registered</p>'}
<h2>Failed jobs</h2>
${failed.length ? `<table><tr><th>queue</th><th>job</th><th>step</th><th>attempts</th><th>failed at</th><th>reason</th></tr>\n${failedRows}\n</table>` : '<p>none</p>'}
</body></html>
`;
}
