import type { Command } from 'commander';
import { withGlobalOptions, runCommand } from '../output.ts';
import { BreakevenError } from '../../errors.ts';

export function registerIngest(program: Command): void {
  withGlobalOptions(program.command('ingest').description('(not implemented yet)').allowUnknownOption()).action((opts) =>
    runCommand(opts, async () => {
      throw new BreakevenError('ingest is not implemented yet');
    }),
  );
}
