import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { jsonError } from './output.ts';
import { packagePath } from '../package-root.ts';
import { registerDemo } from './commands/demo.ts';
import { registerMigrate } from './commands/migrate.ts';
import { registerIngest } from './commands/ingest.ts';
import { registerCompute } from './commands/compute.ts';
import { registerReport } from './commands/report.ts';
import { registerStatus } from './commands/status.ts';
import { registerCalc } from './commands/calc.ts';
import { registerBackfill } from './commands/backfill.ts';
import { registerWorker } from './commands/worker.ts';
import { registerAlerts } from './commands/alerts.ts';
import { registerSimulate } from './commands/simulate.ts';
import { registerCheck } from './commands/check.ts';

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

export function buildProgram(): Command {
  const program = new Command('breakeven')
    .description('LLM inference FinOps: real cost per 1M tokens per feature, API vs self-hosted, break-even')
    .version(packageVersion(), '-V, --version')
    .showHelpAfterError()
    .exitOverride();
  // Options every command takes (INTERFACES.md); each command re-declares them so they work after the verb too.
  for (const register of [registerDemo, registerMigrate, registerIngest, registerCompute, registerReport, registerStatus, registerCalc, registerBackfill, registerWorker, registerAlerts, registerSimulate, registerCheck]) {
    register(program);
  }
  return program;
}

try {
  await buildProgram().parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Help and version exit 0; usage errors exit 2 (commander already printed the message on
    // stderr; with --json, stdout gets it as JSON too, as for every other failure).
    process.exitCode = err.exitCode === 0 ? 0 : 2;
    if (process.exitCode === 2 && process.argv.includes('--json')) process.stdout.write(`${jsonError(err.message.replace(/^error: /, ''), 2)}\n`);
  } else {
    throw err;
  }
}
