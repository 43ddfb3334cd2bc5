import type { Command } from 'commander';
import type cliProgress from 'cli-progress';
import { runCommand, withContext, withGlobalOptions, type CommandIO } from '../output.ts';
import type { Ctx } from '../../context.ts';
import { BreakevenError, ConfigError } from '../../errors.ts';
import { SOURCE_NAMES, type SourceName } from '../../ingest/sources.ts';
import { planRange, type PlannedStep } from '../../pipeline/planner.ts';
import { monthKey, monthRange, monthStart, parseMonth } from '../../time.ts';

interface BackfillOptions {
  from: string;
  to: string;
  sources?: string;
  send?: boolean;
  wait?: boolean;
  inline?: boolean;
  config?: string;
  json?: boolean;
}

export function registerBackfill(program: Command): void {
  withGlobalOptions(
    program
      .command('backfill')
      .description('ingest, compute and report a range of months: a BullMQ flow (needs REDIS_URL) or in-process with --inline')
      .requiredOption('--from <YYYY-MM>', 'first month')
      .requiredOption('--to <YYYY-MM>', 'last month, inclusive: --from 2026-09 --to 2026-11 is three months (unlike ingest\'s --to, a day that is excluded)')
      .option('--sources <a,b>', `sources to ingest (${SOURCE_NAMES.join(', ')}; default: those enabled in the config)`)
      .option('--send', "also email each month's report")
      .option('--wait', 'show progress until the backfill is done; exit 1 naming any failed job')
      .option('--inline', 'run in this process instead of on the queue (no Redis needed)'),
  ).action((opts: BackfillOptions) => runCommand(opts, (io) => backfill(opts, io)));
}

function parseRange(opts: BackfillOptions): { from: Date; to: Date; sources: SourceName[] | undefined } {
  let from: Date;
  let to: Date;
  try {
    from = parseMonth(opts.from, '--from');
    to = parseMonth(opts.to, '--to');
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  if (to < from) throw new ConfigError(`--to (${opts.to}) is before --from (${opts.from})`);
  let sources: SourceName[] | undefined;
  if (opts.sources !== undefined) {
    sources = opts.sources.split(',').map((s) => s.trim()).filter(Boolean) as SourceName[];
    const bad = sources.filter((s) => !(SOURCE_NAMES as readonly string[]).includes(s));
    if (bad.length || sources.length === 0) throw new ConfigError(`--sources: unknown source ${bad.length ? `"${bad.join('", "')}"` : '(empty list)'}; expected some of ${SOURCE_NAMES.join(', ')}`);
  }
  return { from, to, sources };
}

async function backfill(opts: BackfillOptions, io: CommandIO): Promise<unknown> {
  const { from, to, sources: asked } = parseRange(opts);
  const { loadEnv } = await import('../../config/env.ts');
  const env = loadEnv();
  if (!opts.inline && !env.REDIS_URL) {
    throw new ConfigError('backfill needs REDIS_URL (e.g. redis://127.0.0.1:6379) to enqueue its jobs for `breakeven worker`; or add --inline to run it in this process');
  }
  return withContext(opts, async (ctx) => {
    const now = ctx.clock.now();
    if (to > monthStart(now)) throw new ConfigError(`--to (${opts.to}) is in the future; the last month with data is ${monthKey(now)}`);
    const sources = await chooseSources(ctx, asked, Boolean(opts.inline), io);
    const plan = planRange({ from, to, sources, report: true, send: Boolean(opts.send), until: now });
    await warnIfFewMonths(ctx, from, to, io);
    const range = `${opts.from}..${opts.to}`;
    if (opts.inline) {
      const bar = await progressBar();
      const { runInline } = await import('../../pipeline/inline.ts');
      bar?.start(plan.length, 0, { current: '' });
      try {
        await runInline(ctx, plan, (done, _total, step) => bar?.update(done, { current: step.id }));
      } finally {
        bar?.stop();
      }
      io.print(`backfill ${range}: ${plan.length} steps run inline (${sources.join(', ') || 'no sources'})`);
      return { mode: 'inline', from: opts.from, to: opts.to, sources, steps: plan.map((s) => s.id) };
    }
    return queued(env.REDIS_URL!, env.BREAKEVEN_QUEUE_PREFIX, plan, opts, io, range, sources);
  });
}

/** Default: the sources enabled in the config; inline, also only those this process can reach. */
async function chooseSources(ctx: Ctx, asked: SourceName[] | undefined, inline: boolean, io: CommandIO): Promise<SourceName[]> {
  if (asked) return asked;
  const enabled = SOURCE_NAMES.filter((s) => ctx.config.sources[s].enabled);
  if (!inline) return enabled;
  const { connectorFor } = await import('../../ingest/registry.ts');
  return enabled.filter((s) => {
    const ready = connectorFor(s).configured(ctx);
    if (!ready.ok) io.note(`skipping ${s}: ${ready.why}`);
    return ready.ok;
  });
}

/** Recommendations need min_months_for_recommendation months of data: say so before the work, don't refuse it. */
async function warnIfFewMonths(ctx: Ctx, from: Date, to: Date, io: CommandIO): Promise<void> {
  const { sql } = await import('kysely');
  const { rows } = await sql<{ month: string }>`
    select distinct to_char(date_trunc('month', t), 'YYYY-MM') as month from (
      select bucket_start as t from usage_facts
      union all select charge_period_start from cost_line_items
      union all select hour from serving_metrics
    ) facts`.execute(ctx.db);
  const months = new Set([...rows.map((r) => r.month), ...monthRange(from, to).map(monthKey)]);
  const min = ctx.config.report.min_months_for_recommendation;
  if (months.size < min) {
    io.note(`warning: only ${months.size} month(s) of data will exist after this backfill; recommendations need ${min} (reports will say "insufficient data")`);
  }
}

/** On stderr, and only on a terminal: a redirected log gets one line per finished job instead (queued --wait). */
async function progressBar(): Promise<cliProgress.SingleBar | undefined> {
  if (!process.stderr.isTTY) return undefined;
  const { default: cliProgress } = await import('cli-progress');
  return new cliProgress.SingleBar(
    { stream: process.stderr, format: 'backfill |{bar}| {value}/{total} {current}', hideCursor: true, clearOnComplete: false },
    cliProgress.Presets.shades_classic,
  );
}

async function queued(redisUrl: string, prefix: string, plan: PlannedStep[], opts: BackfillOptions, io: CommandIO, range: string, sources: SourceName[]): Promise<unknown> {
  // Loaded on demand: only jobs/ imports bullmq, and other commands should not pay for loading it.
  const { queueBackfill } = await import('../../../jobs/backfill.ts');
  const bar = opts.wait ? await progressBar() : undefined;
  let started = false;
  let lastDone = -1;
  const { loadEnv } = await import('../../config/env.ts');
  const env = loadEnv();
  const result = await queueBackfill(redisUrl, plan, {
    prefix,
    wait: Boolean(opts.wait),
    redisTimeoutMs: env.BREAKEVEN_REDIS_TIMEOUT_MS,
    idleMs: env.BREAKEVEN_WAIT_IDLE_MS,
    onNotice: (line) => {
      bar?.stop();
      io.note(`backfill ${range}: ${line}`);
    },
    onProgress: (p) => {
      if (!bar) {
        // Not a terminal (a CI log, a pipe): one stderr line whenever a job finishes, not a redrawn bar.
        if (p.done !== lastDone) io.note(`backfill ${range}: ${p.done}/${p.total} jobs done${p.active.length ? `; running ${p.active.join(', ')}` : ''}`);
        lastDone = p.done;
        return;
      }
      if (!started) bar.start(p.total, p.done, { current: '' });
      started = true;
      bar.update(p.done, { current: p.active.join(', ') });
    },
  }).finally(() => bar?.stop());
  if (result.status === 'running') io.print(`backfill ${range} is already queued or running (flow ${result.rootJobId}); nothing added`);
  else io.print(`backfill ${range}: queued ${result.jobIds.length} jobs as flow ${result.rootJobId} (${sources.join(', ') || 'no sources'})${result.replaced ? `, replacing ${result.replaced} finished job(s) of an earlier run` : ''}`);
  if (result.outcome && !result.outcome.ok) {
    const failed = result.outcome.failed.map((f) => `${f.jobId} (${f.reason})`).join('; ');
    throw new BreakevenError(`backfill ${range} failed: ${failed}. Fix the cause, then run the same backfill again (failed jobs are kept; \`breakeven status\` lists them)`);
  }
  if (result.outcome) io.print(`backfill ${range}: done`);
  return { mode: 'queued', from: opts.from, to: opts.to, sources, ...result };
}
