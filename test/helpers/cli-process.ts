import { spawn, type ChildProcess } from 'node:child_process';

/** The compiled CLI (the tests' global setup rebuilds a stale dist/). */
export const BIN = new URL('../../bin/breakeven.js', import.meta.url).pathname;

// Variables of the developer's shell that would point the commands elsewhere.
const SCRUB = /^(REDIS_URL|DATABASE_URL|BREAKEVEN_|OPENAI_|ANTHROPIC_|AWS_|PROMETHEUS_|OPENCOST_|SMTP_URL|REPORT_|SLACK_)/;

/** This process's environment without the variables that would point a spawned command elsewhere. */
export function scrubbedEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !SCRUB.test(e[0])));
}

/** A running `breakeven` process with what it has written so far. */
export interface CliProcess {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `breakeven <args>` in `cwd` with exactly `env` (LOG_LEVEL warn unless it says otherwise). */
export function startCli(args: string[], opts: { env: Record<string, string>; cwd: string }): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd, env: { LOG_LEVEL: 'warn', ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return { child, stdout: () => out, stderr: () => err, exit };
}

/** Runs `breakeven <args>` to its end. */
export async function runCli(args: string[], opts: { env: Record<string, string>; cwd: string }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = startCli(args, opts);
  const { code } = await p.exit;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}
