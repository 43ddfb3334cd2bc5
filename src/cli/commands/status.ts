import type { Command } from 'commander';
import { withGlobalOptions, runCommand } from '../output.ts';
import { BreakevenError } from '../../errors.ts';

export function registerStatus(program: Command): void {
  withGlobalOptions(program.command('status').description('(not implemented yet)').allowUnknownOption()).action((opts) =>
    runCommand(opts, async () => {
      throw new BreakevenError('status is not implemented yet');
    }),
  );
}
