import type { Command } from 'commander';
import { runCommand, withContext, withGlobalOptions } from '../output.ts';

export function registerMigrate(program: Command): void {
  withGlobalOptions(program.command('migrate').description('apply database migrations (every command that needs the database does this too)')).action((opts) =>
    runCommand(opts, (io) =>
      withContext(opts, async (ctx) => {
        const { migrateToLatest } = await import('../../db/migrate.ts');
        const applied = await migrateToLatest(ctx.db);
        io.print(applied.length ? `applied ${applied.length} migration(s) on ${ctx.dbWhere}: ${applied.join(', ')}` : `database ${ctx.dbWhere} is up to date`);
        return { database: ctx.dbWhere, applied };
      }, { migrate: false, fallbackToExample: true }),
    ),
  );
}
