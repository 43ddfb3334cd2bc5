import { Redis } from 'ioredis';
import { BreakevenError, errorMessage } from '../src/errors.ts';
import { redactUrl } from '../src/db/connect.ts';

/** Redis cannot be used: unreachable, silent, or rejecting the credentials. One line, naming REDIS_URL. */
export class RedisUnavailableError extends BreakevenError {
  override readonly retryable = true;
}

export const DEFAULT_REDIS_TIMEOUT_MS = 10_000;

/** Describes why a connection attempt failed, without the password (the URL is redacted too). */
export function describeRedisFailure(url: string, err: unknown, timeoutMs: number): string {
  const where = `Redis at ${redactUrl(url)}`;
  const text = errorMessage(err);
  if (/WRONGPASS|NOAUTH|invalid password|AUTH failed|NOPERM/i.test(text)) {
    return `${where} rejected the credentials (${text.split(' ')[0]}); check the password in REDIS_URL`;
  }
  const code = (err as { code?: string } | null)?.code ?? /\b(E[A-Z]{4,})\b/.exec(text)?.[1];
  if (code === 'ETIMEDOUT' || /timed? ?out/i.test(text)) return `${where} did not answer within ${timeoutMs} ms; check REDIS_URL or raise BREAKEVEN_REDIS_TIMEOUT_MS`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `${where}: host not found (${code}); check REDIS_URL`;
  return `${where} is unreachable (${code ?? text}); check REDIS_URL and that Redis is running`;
}

export interface OpenRedisOptions {
  connectionName?: string;
  timeoutMs?: number;
  /**
   * After the first successful connection: keep reconnecting forever (the default: a Redis restart
   * must not end a `--wait` or a worker), or give up (`false`).
   */
  reconnect?: boolean;
}

/**
 * A Redis connection for a command that must fail fast: the first connection is tried at most
 * twice, each within `timeoutMs`, and a refused connection, a silent server or a rejected password
 * fail with one RedisUnavailableError line (no stack traces, no password). Once connected, a
 * dropped connection is re-established with a capped backoff, while each command waits at most for
 * one retry (maxRetriesPerRequest: 1) and `timeoutMs` (commandTimeout), so callers see an error
 * rather than a hang and decide themselves whether to go on waiting.
 */
export async function openRedis(url: string, opts: OpenRedisOptions = {}): Promise<Redis> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_REDIS_TIMEOUT_MS;
  let ready = false;
  let lastError: unknown;
  const connection = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 1,
    enableReadyCheck: true,
    ...(opts.connectionName ? { connectionName: opts.connectionName } : {}),
    retryStrategy: (times: number) => {
      if (!ready) return times > 1 ? null : 200;
      if (opts.reconnect === false) return null;
      return Math.min(200 * 2 ** Math.min(times, 5), 5_000);
    },
  });
  // Errors surface through the failing command; the listener keeps ioredis from printing them.
  connection.on('error', (err: unknown) => (lastError = err));
  connection.on('ready', () => (ready = true));
  try {
    await connection.connect();
    await connection.ping();
  } catch (err) {
    connection.disconnect();
    throw new RedisUnavailableError(describeRedisFailure(url, lastError ?? err, timeoutMs));
  }
  return connection;
}
