import type { Command } from 'commander';
import { BreakevenError, errorMessage } from '../errors.ts';
import type { ContextOptions, OwnedCtx } from '../context.ts';

/** Options every command takes. */
export interface GlobalOptions {
  config?: string;
  json?: boolean;
}

export interface CommandIO {
  /** Human output (stdout) — suppressed with --json. */
  print(line?: string): void;
  /** Progress and notices (stderr), never mixed into --json output. */
  note(line: string): void;
  json: boolean;
}

export function makeIO(json: boolean): CommandIO {
  return {
    json,
    print: (line = '') => {
      if (!json) process.stdout.write(`${line}\n`);
    },
    note: (line) => process.stderr.write(`${line}\n`),
  };
}

/**
 * Runs a command body with exit codes per INTERFACES.md: 0 success, 1 run-time failure (one clear
 * line on stderr), 2 bad usage or invalid configuration. No stack trace unless LOG_LEVEL=debug.
 * With --json the body's return value is printed as JSON on stdout.
 */
export async function runCommand<T>(opts: GlobalOptions, body: (io: CommandIO) => Promise<T>): Promise<void> {
  const io = makeIO(Boolean(opts.json));
  try {
    const result = await body(io);
    if (io.json && result !== undefined) process.stdout.write(`${JSON.stringify(result, jsonReplacer, 2)}\n`);
    process.exitCode = process.exitCode ?? 0;
  } catch (err) {
    const code = err instanceof BreakevenError ? err.exitCode : isZodError(err) ? 2 : 1;
    const message = errorMessage(err);
    // With --json, stdout always holds one JSON document: the result, or the error.
    if (io.json) process.stdout.write(`${jsonError(message, code)}\n`);
    process.stderr.write(`breakeven: ${message}\n`);
    if (process.env.LOG_LEVEL === 'debug' && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    process.exitCode = code;
  }
}

/** The --json form of a failure: `{"error": "...", "exit_code": N}`. */
export function jsonError(message: string, exitCode: number): string {
  return JSON.stringify({ error: message, exit_code: exitCode });
}

function isZodError(err: unknown): boolean {
  return err instanceof Error && err.name === 'ZodError';
}

export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** Builds the context for a command and always closes it (releasing the embedded DB lock). */
export async function withContext<T>(
  opts: GlobalOptions,
  body: (ctx: OwnedCtx) => Promise<T>,
  extra: Omit<ContextOptions, 'configPath' | 'config'> & { defaultLogLevel?: string } = {},
): Promise<T> {
  const { defaultLogLevel, ...rest } = extra;
  // One-shot commands print their own summary; their structured logs stay quiet (warn) unless
  // LOG_LEVEL asks for more. Long-running commands (worker) pass 'info'.
  // Loaded here, not at the top: `--version`, `--help` and the calculators never load the database
  // drivers, the SDKs or pino (every command module imports this file).
  const [{ createContext }, { createLogger }, { parseLogLevel }] = await Promise.all([import('../context.ts'), import('../log.ts'), import('../config/env.ts')]);
  const level = parseLogLevel(process.env.LOG_LEVEL || defaultLogLevel || 'warn');
  const ctx = await createContext({ log: createLogger(level), ...rest, configPath: opts.config });
  try {
    return await body(ctx);
  } finally {
    await ctx.close();
  }
}

/** Adds the options every command takes (INTERFACES.md): --config and --json. */
export function withGlobalOptions(cmd: Command): Command {
  return cmd
    .option('--config <path>', 'config file (default ./breakeven.config.yaml or $BREAKEVEN_CONFIG)')
    .option('--json', 'machine-readable output on stdout');
}
