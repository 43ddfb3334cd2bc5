import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Migrations are .ts files loaded by Kysely's FileMigrationProvider through a dynamic import;
    // vitest must transform kysely for that import to go through its TypeScript loader.
    server: { deps: { inline: ['kysely'] } },
    // Wide: CI is a shared 2-core machine that can be several times slower than a quiet one.
    testTimeout: 180_000,
    hookTimeout: 120_000,
    pool: 'forks',
    globalSetup: ['test/global-setup.ts'],
  },
});
