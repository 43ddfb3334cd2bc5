import { z } from 'zod';
import { ConfigError } from '../errors.ts';

const url = z.string().url();

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
  SMTP_URL: z.string().min(1).optional(),
  REPORT_FROM: z.string().min(1).optional(),
  REPORT_TO: z.string().min(1).optional(),
  // A Slack (or compatible) incoming webhook for report.channels' `slack` channel. A secret: never logged.
  SLACK_WEBHOOK_URL: url.refine((u) => /^https?:\/\//.test(u), 'expected an http(s) URL').optional(),
  BREAKEVEN_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  // Redis key prefix of every queue, so several installations or test runs can share one Redis.
  // Letters, digits, `_ . -` only (no `:`, which separates BullMQ's key parts, no glob characters
  // or spaces); `{name}` is allowed too, a hash tag that keeps a queue's keys on one Redis Cluster slot.
  BREAKEVEN_QUEUE_PREFIX: z
    .string()
    .regex(/^(?:[A-Za-z0-9][A-Za-z0-9_.-]{0,63}|\{[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\})$/, 'use 1–64 letters, digits, "_", "." or "-" (optionally wrapped in {} as a Redis Cluster hash tag)')
    .default('breakeven'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Env = z.infer<typeof envSchema>;

export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  // Empty strings mean "unset" (a common shell and compose habit).
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    // Never echo the value: it may be a secret.
    throw new ConfigError(`environment variable ${String(issue.path[0])} is invalid: ${issue.message}`);
  }
  return parsed.data;
}
