import type { Command } from 'commander';
import { withGlobalOptions, runCommand } from '../output.ts';
import { BreakevenError } from '../../errors.ts';

export function registerCompute(program: Command): void {
  withGlobalOptions(program.command('compute').description('(not implemented yet)').allowUnknownOption()).action((opts) =>
    runCommand(opts, async () => {
      throw new BreakevenError('compute is not implemented yet');
    }),
  );
}
