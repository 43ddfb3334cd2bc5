import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package's root folder (package.json, templates/, the example config), found from this module
 * whether it runs as `src/package-root.ts` (tsx, vitest) or as `dist/src/package-root.js` (the
 * compiled CLI): the nearest folder above that holds a package.json. dist/ has none of its own.
 */
function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`breakeven: no package.json above ${from}`);
  }
}

export const PACKAGE_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

/** A path inside the package root (`packagePath('templates')`). */
export const packagePath = (...parts: string[]): string => join(PACKAGE_ROOT, ...parts);
