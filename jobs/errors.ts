import { UnrecoverableError } from 'bullmq';
import { BreakevenError, errorMessage } from '../src/errors.ts';

/**
 * Whether retrying the same job can succeed. Our typed errors say so themselves (ConfigError,
 * SourceSchemaError, a 401/403/404 SourceHttpError: no; a 429/5xx after the fetch helper's own
 * retries, a network error: yes). A payload that fails its schema will fail the same way again.
 * Anything else (a dropped database connection, a deadlock) is worth another attempt.
 */
export function isRetryable(err: unknown): boolean {
  if (err instanceof UnrecoverableError) return false;
  if (err instanceof BreakevenError) return err.retryable;
  if (err instanceof Error && err.name === 'ZodError') return false;
  return true;
}

/** What a processor throws: non-retryable failures become UnrecoverableError (fail now, attempt 1). */
export function toJobError(err: unknown): Error {
  if (err instanceof UnrecoverableError) return err;
  if (!isRetryable(err)) {
    const name = err instanceof Error ? err.name : 'Error';
    const wrapped = new UnrecoverableError(`${name}: ${errorMessage(err)}`);
    (wrapped as Error & { cause?: unknown }).cause = err;
    return wrapped;
  }
  if (err instanceof Error) {
    // BullMQ stores the message in Redis (failedReason) and the queue page shows it: redacted first.
    err.message = errorMessage(err);
    return err;
  }
  return new Error(errorMessage(err));
}
