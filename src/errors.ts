import { redact } from './redact.ts';

/**
 * Typed errors. Every error a user can see names what failed, where, and (where it helps) what to do.
 * `exitCode` follows INTERFACES.md: 2 for bad usage or invalid configuration, 1 for run-time failures.
 */
export class BreakevenError extends Error {
  readonly exitCode: 1 | 2 = 1;
  /** Whether retrying the same work can succeed (queue workers turn `false` into UnrecoverableError). */
  readonly retryable: boolean = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad command-line usage or an invalid configuration file / environment. */
export class ConfigError extends BreakevenError {
  override readonly exitCode = 2 as const;
}

/** A vendor answered with something we cannot use: a non-retryable HTTP status or a failed retry budget. */
export class SourceHttpError extends BreakevenError {
  override readonly retryable: boolean;
  constructor(
    readonly source: string,
    readonly url: string,
    readonly status: number,
    detail: string,
    retryable = false,
  ) {
    super(`${source}: ${status === 0 ? 'request failed' : `HTTP ${status}`} from ${url}${detail ? `: ${detail}` : ''}`);
    this.retryable = retryable;
  }

  /** The same error with a complete message of its own (for failures better said in one sentence). */
  withMessage(message: string): this {
    this.message = message;
    return this;
  }
}

/** A response did not have the shape we expect; its raw body is archived in raw_payloads. */
export class SourceSchemaError extends BreakevenError {
  constructor(
    readonly source: string,
    readonly url: string,
    detail: string,
    readonly body: string,
  ) {
    super(`${source}: unexpected response shape from ${url}: ${detail}`);
  }
}

/** Input data (a file, a row) that cannot be imported; names the file and the row/column. */
export class InputError extends BreakevenError {}

/** The embedded database directory is held by another process. */
export class LockedError extends BreakevenError {}

/** An error's message on one line with every secret redacted: the form any message is shown or stored in. */
export function errorMessage(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return redact(text.replace(/\s*\n\s*/g, ' ').trim());
}
