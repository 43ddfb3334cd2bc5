import { loadConfig } from './config/load.ts';
import type { Config } from './config/schema.ts';
import { loadEnv, type Env } from './config/env.ts';
import { connectDb, type Db } from './db/connect.ts';
import { migrateToLatest } from './db/migrate.ts';
import { createLogger, type Logger } from './log.ts';
import { systemClock, type Clock } from './clock.ts';
import type { FetchFn } from './sources/http.ts';

/**
 * Everything a step needs, built once per process and passed in: no module-level singletons.
 */
export interface Ctx {
  db: Db;
  dbKind: 'postgres' | 'pglite';
  dbWhere: string;
  config: Config;
  configPath: string;
  env: Env;
  log: Logger;
  clock: Clock;
  fetch: FetchFn;
  /** Sleep used by retries; tests inject a fast one. */
  sleep?: (ms: number) => Promise<void>;
}

export interface OwnedCtx extends Ctx {
  close(): Promise<void>;
}

export interface ContextOptions {
  configPath?: string | undefined;
  /** Without a config file, use the shipped example (the demo company). */
  fallbackToExample?: boolean;
  env?: Env;
  config?: Config;
  clock?: Clock;
  fetch?: FetchFn;
  log?: Logger;
  migrate?: boolean;
}

export async function createContext(opts: ContextOptions = {}): Promise<OwnedCtx> {
  const env = opts.env ?? loadEnv();
  const { config, path } = opts.config
    ? { config: opts.config, path: '(in memory)' }
    : loadConfig({ path: opts.configPath ?? env.BREAKEVEN_CONFIG, fallbackToExample: opts.fallbackToExample ?? false });
  const log = opts.log ?? createLogger(env.LOG_LEVEL);
  const handle = await connectDb({ databaseUrl: env.DATABASE_URL, dataDir: env.BREAKEVEN_DATA_DIR, log });
  try {
    if (opts.migrate !== false) {
      const applied = await migrateToLatest(handle.db);
      if (applied.length) log.debug({ applied }, 'migrations applied');
    }
  } catch (err) {
    await handle.close();
    throw err;
  }
  return {
    db: handle.db,
    dbKind: handle.kind,
    dbWhere: handle.where,
    config,
    configPath: path,
    env,
    log,
    clock: opts.clock ?? systemClock,
    fetch: opts.fetch ?? globalThis.fetch,
    close: () => handle.close(),
  };
}
