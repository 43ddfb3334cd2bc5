import type { Command } from 'commander';
import { withGlobalOptions, runCommand } from '../output.ts';
import { BreakevenError } from '../../errors.ts';

// Placeholder: this command lands with its issue.
export function registerCalc(program: Command): void {
  withGlobalOptions(program.command('calc').description('(not implemented yet)').allowUnknownOption()).action((opts) =>
    runCommand(opts, async () => {
      throw new BreakevenError('calc is not implemented yet');
    }),
  );
}
