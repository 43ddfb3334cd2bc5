import type { Command } from 'commander';
import { withGlobalOptions, runCommand } from '../output.ts';
import { BreakevenError } from '../../errors.ts';

export function registerMigrate(program: Command): void {
  withGlobalOptions(program.command('migrate').description('(not implemented yet)').allowUnknownOption()).action((opts) =>
    runCommand(opts, async () => {
      throw new BreakevenError('migrate is not implemented yet');
    }),
  );
}
