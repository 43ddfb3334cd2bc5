import type { Command } from 'commander';
import { withGlobalOptions, runCommand } from '../output.ts';
import { BreakevenError } from '../../errors.ts';

// Placeholder: this command lands with its issue.
export function registerBackfill(program: Command): void {
  withGlobalOptions(program.command('backfill').description('(not implemented yet)').allowUnknownOption()).action((opts) =>
    runCommand(opts, async () => {
      throw new BreakevenError('backfill is not implemented yet');
    }),
  );
}
