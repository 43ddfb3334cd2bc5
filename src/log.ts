import { pino, type Logger } from 'pino';

export type { Logger };

/** Secrets are never logged; these paths are censored should one ever be passed in by mistake. */
const REDACT = ['*.authorization', '*.Authorization', '*.headers["x-api-key"]', '*.apiKey', '*.password', 'headers.authorization', 'headers["x-api-key"]'];

export function createLogger(level: string, destination: NodeJS.WritableStream = process.stderr): Logger {
  return pino({ level, redact: { paths: REDACT, censor: '[redacted]' }, base: undefined }, destination as pino.DestinationStream);
}

export const silentLogger: Logger = pino({ level: 'silent' });
