import type { Command } from 'commander';
import { withGlobalOptions, runCommand } from '../output.ts';
import { BreakevenError } from '../../errors.ts';

export function registerDemo(program: Command): void {
  withGlobalOptions(program.command('demo').description('(not implemented yet)').allowUnknownOption()).action((opts) =>
    runCommand(opts, async () => {
      throw new BreakevenError('demo is not implemented yet');
    }),
  );
}
