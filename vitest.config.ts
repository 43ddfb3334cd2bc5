import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Migrations are .ts files loaded by Kysely's FileMigrationProvider through a dynamic import;
    // vitest must transform kysely for that import to go through its TypeScript loader.
    server: { deps: { inline: ['kysely'] } },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    globalSetup: ['test/global-setup.ts'],
  },
});
