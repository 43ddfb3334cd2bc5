import type { Command } from 'commander';
import { errorMessage } from '../../errors.ts';
import { runCommand, withGlobalOptions } from '../output.ts';

/** The longest any one check waits (a request, a connection), whatever the configured timeouts. */
export const CHECK_TIMEOUT_MS = 5_000;

export interface CheckLine {
  /** A source's name, or config, database, redis, smtp. */
  what: string;
  status: 'ok' | 'failed' | 'skipped';
  /** What answered, what failed (naming the variable to fix), or why it was not tried. */
  detail: string;
}

/**
 * `breakeven check [--json]`: tries each enabled source, the database, Redis and SMTP once, each
 * with a short timeout and a single attempt, and prints one line each. Writes nothing anywhere.
 * Exit 1 when anything failed.
 */
export function registerCheck(program: Command): void {
  withGlobalOptions(
    program
      .command('check')
      .description(`try each enabled source, the database, Redis and SMTP once (at most ${CHECK_TIMEOUT_MS / 1000} s each) and print one line each: ok, or what failed and which variable to fix; exit 1 if anything failed`),
  ).action((opts: { config?: string; json?: boolean }) =>
    runCommand(opts, async (io) => {
      const lines = await runChecks(opts.config);
      const width = Math.max(...lines.map((l) => l.what.length));
      for (const l of lines) io.print(`${l.status === 'failed' ? 'FAILED ' : l.status === 'ok' ? 'ok     ' : 'skipped'}  ${l.what.padEnd(width)}  ${l.detail}`);
      const failed = lines.filter((l) => l.status === 'failed');
      if (failed.length) process.exitCode = 1;
      return { ok: failed.length === 0, checks: lines };
    }),
  );
}

export async function runChecks(configPath: string | undefined): Promise<CheckLine[]> {
  const [{ loadEnv, parseLogLevel }, { loadConfig }, { createLogger }, { systemClock }, { SOURCES }, { httpLimitsFromEnv }] = await Promise.all([
    import('../../config/env.ts'),
    import('../../config/load.ts'),
    import('../../log.ts'),
    import('../../clock.ts'),
    import('../../sources/registry.ts'),
    import('../../sources/http.ts'),
  ]);
  const loaded = loadEnv();
  // The check's own limits: short, one attempt.
  const env = { ...loaded, BREAKEVEN_HTTP_TIMEOUT_MS: Math.min(loaded.BREAKEVEN_HTTP_TIMEOUT_MS, CHECK_TIMEOUT_MS), BREAKEVEN_SMTP_TIMEOUT_MS: Math.min(loaded.BREAKEVEN_SMTP_TIMEOUT_MS, CHECK_TIMEOUT_MS), BREAKEVEN_REDIS_TIMEOUT_MS: Math.min(loaded.BREAKEVEN_REDIS_TIMEOUT_MS, CHECK_TIMEOUT_MS) };
  const log = createLogger(parseLogLevel(process.env.LOG_LEVEL || 'warn'));
  const lines: Array<Promise<CheckLine>> = [];
  let config;
  try {
    const c = loadConfig({ path: configPath ?? env.BREAKEVEN_CONFIG });
    config = c.config;
    lines.push(Promise.resolve({ what: 'config', status: 'ok', detail: c.path }));
  } catch (err) {
    lines.push(Promise.resolve({ what: 'config', status: 'failed', detail: `${errorMessage(err)}; the sources were not tried` }));
  }
  if (config) {
    const ctx = { config, env, log, clock: systemClock, fetch: globalThis.fetch };
    const http = { fetch: globalThis.fetch, now: () => systemClock.now(), limits: httpLimitsFromEnv(env), attempts: 1 };
    for (const source of Object.values(SOURCES)) {
      lines.push(
        (async (): Promise<CheckLine> => {
          const what = source.name;
          if (!config.sources[source.name].enabled) return { what, status: 'skipped', detail: `disabled in the config (sources.${source.name}.enabled: false)` };
          const ready = source.connector.configured(ctx);
          if (!ready.ok) return { what, status: 'failed', detail: `${ready.why}${/[A-Z_]{4,}/.test(ready.why) ? '' : `; check ${[source.env.endpoint, ...source.env.credentials].join(', ')}`}` };
          try {
            return { what, status: 'ok', detail: await source.connector.probe(ctx, http) };
          } catch (err) {
            return { what, status: 'failed', detail: withFix(errorMessage(err), err, source.env) };
          }
        })(),
      );
    }
  }
  lines.push(checkDatabase(env), checkRedis(env), checkSmtp(env));
  return Promise.all(lines);
}

/** A failure's message, plus the variables to look at unless it already names one. */
function withFix(message: string, err: unknown, vars: { endpoint: string; credentials: readonly string[] }): string {
  if (/\bcheck [A-Z_]{4,}/.test(message)) return message;
  const status = (err as { status?: number }).status;
  const which = status === 401 || status === 403 ? vars.credentials : [vars.endpoint, ...vars.credentials];
  return `${message}; check ${which.join(', ')}`;
}

type CheckEnv = Awaited<ReturnType<typeof import('../../config/env.ts').loadEnv>>;

async function checkDatabase(env: CheckEnv): Promise<CheckLine> {
  const what = 'database';
  if (!env.DATABASE_URL) return { what, status: 'ok', detail: `DATABASE_URL not set: embedded PGlite in ${env.BREAKEVEN_DATA_DIR} (one process at a time; set DATABASE_URL for the worker and the analysts)` };
  const [{ default: pg }, { redactUrl }] = await Promise.all([import('pg'), import('../../db/connect.ts')]);
  const where = redactUrl(env.DATABASE_URL);
  const client = new pg.Client({ connectionString: env.DATABASE_URL, connectionTimeoutMillis: CHECK_TIMEOUT_MS, query_timeout: CHECK_TIMEOUT_MS });
  try {
    await client.connect();
    const { rows } = await client.query<{ version: string; migrated: string | null }>(`select current_setting('server_version') as version, to_regclass('kysely_migration')::text as migrated`);
    const r = rows[0]!;
    return { what, status: 'ok', detail: `${where} (PostgreSQL ${r.version}${r.migrated ? '' : '; not migrated yet: `breakeven migrate`'})` };
  } catch (err) {
    return { what, status: 'failed', detail: `${where}: ${errorMessage(err)}; check DATABASE_URL and that Postgres is running` };
  } finally {
    await client.end().catch(() => {});
  }
}

async function checkRedis(env: CheckEnv): Promise<CheckLine> {
  const what = 'redis';
  if (!env.REDIS_URL) return { what, status: 'skipped', detail: 'REDIS_URL not set: `worker` and queued `backfill` need it (the inline commands do not)' };
  const { openRedis } = await import('../../../jobs/redis.ts');
  const { redactUrl } = await import('../../db/connect.ts');
  try {
    const redis = await openRedis(env.REDIS_URL, { connectionName: `${env.BREAKEVEN_QUEUE_PREFIX}-check`, reconnect: false, timeoutMs: env.BREAKEVEN_REDIS_TIMEOUT_MS });
    try {
      await redis.ping();
      return { what, status: 'ok', detail: `${redactUrl(env.REDIS_URL)} (queue prefix ${env.BREAKEVEN_QUEUE_PREFIX})` };
    } finally {
      redis.disconnect();
    }
  } catch (err) {
    const m = errorMessage(err);
    return { what, status: 'failed', detail: /REDIS_URL/.test(m) ? m : `${m}; check REDIS_URL` };
  }
}

async function checkSmtp(env: CheckEnv): Promise<CheckLine> {
  const what = 'smtp';
  if (!env.SMTP_URL) return { what, status: 'skipped', detail: 'SMTP_URL not set: reports are written, not emailed' };
  const [{ smtpMailer }, { redactUrl }] = await Promise.all([import('../../delivery/transport.ts'), import('../../db/connect.ts')]);
  try {
    const mailer = smtpMailer({ env });
    try {
      await mailer.verify!();
    } finally {
      mailer.close();
    }
    return { what, status: 'ok', detail: `${redactUrl(env.SMTP_URL)} accepted the connection${new URL(env.SMTP_URL).username ? ' and the login' : ''}` };
  } catch (err) {
    const m = errorMessage(err);
    return { what, status: 'failed', detail: /SMTP_URL/.test(m) ? m : `${m}; check SMTP_URL` };
  }
}
