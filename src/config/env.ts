import { z } from 'zod';
import { ConfigError } from '../errors.ts';

const url = z.string().url();

/** pino's levels, the values LOG_LEVEL takes. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A LOG_LEVEL value (not a secret, so it is echoed) or a usage error listing the valid ones. */
export function parseLogLevel(value: string): LogLevel {
  if ((LOG_LEVELS as readonly string[]).includes(value)) return value as LogLevel;
  throw new ConfigError(`LOG_LEVEL "${value}" is not a log level; use one of ${LOG_LEVELS.join(', ')}`);
}

/** Environment variables exactly as INTERFACES.md names them. Secrets live here and nowhere else. */
export const envSchema = z.object({
  DATABASE_URL: url.optional(),
  BREAKEVEN_DATA_DIR: z.string().min(1).default('./.breakeven/pgdata'),
  REDIS_URL: url.optional(),
  BREAKEVEN_CONFIG: z.string().min(1).optional(),
  OPENAI_ADMIN_KEY: z.string().min(1).optional(),
  OPENAI_BASE_URL: url.default('https://api.openai.com/v1'),
  ANTHROPIC_ADMIN_KEY: z.string().min(1).optional(),
  ANTHROPIC_BASE_URL: url.default('https://api.anthropic.com'),
  AWS_ENDPOINT_URL_COST_EXPLORER: url.optional(),
  // Static AWS credentials when given; otherwise the SDK's standard chain (AWS_PROFILE, SSO, instance role).
  AWS_ACCESS_KEY_ID: z.string().min(1).optional(),
  AWS_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  AWS_SESSION_TOKEN: z.string().min(1).optional(),
  PROMETHEUS_URL: url.optional(),
  PROMETHEUS_BEARER_TOKEN: z.string().min(1).optional(),
  /** OpenCost API (cost-model port 9003, e.g. http://opencost.opencost:9003); may carry user:pass@ for a proxy. */
  OPENCOST_URL: url.optional(),
  OPENCOST_BEARER_TOKEN: z.string().min(1).optional(),
  SMTP_URL: z.string().min(1).optional(),
  REPORT_FROM: z.string().min(1).optional(),
  REPORT_TO: z.string().min(1).optional(),
  // A Slack (or compatible) incoming webhook for report.channels' `slack` channel. A secret: never logged.
  SLACK_WEBHOOK_URL: url.refine((u) => /^https?:\/\//.test(u), 'expected an http(s) URL').optional(),
  BREAKEVEN_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  // Where the worker's HTTP server listens: loopback unless an operator opens it up (it has no auth).
  BREAKEVEN_HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  // Vendor calls: one request's timeout (whole body included), the largest response accepted, the
  // most pages one paginated query may take.
  BREAKEVEN_HTTP_TIMEOUT_MS: z.coerce.number().int().min(1).max(3_600_000).default(30_000),
  BREAKEVEN_HTTP_MAX_RESPONSE_BYTES: z.coerce.number().int().min(1024).default(64 * 1024 * 1024),
  BREAKEVEN_HTTP_MAX_PAGES: z.coerce.number().int().min(1).default(1_000),
  // SMTP connection, greeting and socket inactivity timeout.
  BREAKEVEN_SMTP_TIMEOUT_MS: z.coerce.number().int().min(1).max(3_600_000).default(30_000),
  // Redis connect and per-command timeout.
  BREAKEVEN_REDIS_TIMEOUT_MS: z.coerce.number().int().min(1).max(3_600_000).default(10_000),
  // `backfill --wait` gives up after this long without a worker consuming (or without Redis).
  BREAKEVEN_WAIT_IDLE_MS: z.coerce.number().int().min(1).default(120_000),
  // An ingestion run still `running` after this long is marked `abandoned` by the next run of its source.
  BREAKEVEN_RUN_STALE_MS: z.coerce.number().int().min(1).default(30 * 60_000),
  // Redis key prefix of every queue, so several installations or test runs can share one Redis.
  // Letters, digits, `_ . -` only (no `:`, which separates BullMQ's key parts, no glob characters
  // or spaces); `{name}` is allowed too, a hash tag that keeps a queue's keys on one Redis Cluster slot.
  BREAKEVEN_QUEUE_PREFIX: z
    .string()
    .regex(/^(?:[A-Za-z0-9][A-Za-z0-9_.-]{0,63}|\{[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\})$/, 'use 1–64 letters, digits, "_", "." or "-" (optionally wrapped in {} as a Redis Cluster hash tag)')
    .default('breakeven'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
});

export type Env = z.infer<typeof envSchema>;

export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  // Empty strings mean "unset" (a common shell and compose habit).
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  if (cleaned.LOG_LEVEL !== undefined) parseLogLevel(cleaned.LOG_LEVEL);
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    // Never echo the value: it may be a secret.
    throw new ConfigError(`environment variable ${String(issue.path[0])} is invalid: ${issue.message}`);
  }
  return parsed.data;
}
