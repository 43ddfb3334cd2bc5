import { pino, stdSerializers, type Logger } from 'pino';
import { redact, redactDeep, secretsFromEnv } from './redact.ts';

export type { Logger };

/** Secrets are never logged; these paths are censored should one ever be passed in by mistake. */
const REDACT = ['*.authorization', '*.Authorization', '*.headers["x-api-key"]', '*.apiKey', '*.password', 'headers.authorization', 'headers["x-api-key"]'];

/**
 * pino with the one redaction function on every line: the message, every string field (error
 * texts, URLs) and serialized errors, against the shapes of secrets and the secret values
 * configured in the environment (`secrets`, default: process.env's).
 */
export function createLogger(level: string, destination: NodeJS.WritableStream = process.stderr, secrets: readonly string[] = secretsFromEnv()): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACT, censor: '[redacted]' },
      base: undefined,
      serializers: {
        err: (e: Error) => redactDeep(stdSerializers.err(e), secrets),
      },
      formatters: { log: (obj) => redactDeep(obj, secrets) },
      hooks: {
        logMethod(args, method) {
          const [first, ...rest] = args as unknown[];
          if (typeof first === 'string') return method.apply(this, [redact(first, secrets), ...rest] as Parameters<typeof method>);
          if (typeof rest[0] === 'string') return method.apply(this, [first, redact(rest[0], secrets), ...rest.slice(1)] as Parameters<typeof method>);
          return method.apply(this, args);
        },
      },
    },
    destination as pino.DestinationStream,
  );
}

export const silentLogger: Logger = pino({ level: 'silent' });
