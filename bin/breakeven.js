#!/usr/bin/env node
// The package's entry point: the compiled CLI in dist/ (`npm run build`; `npm ci` builds it via
// `prepare`). A source checkout that was never built falls back to the TypeScript sources through
// tsx, a development dependency, and says so.
import { existsSync } from 'node:fs';

// The AWS SDK warns on every start that it will need Node 22 from 2027; engines says >=20.11 today.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const compiled = new URL('../dist/src/cli/main.js', import.meta.url);
if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    process.stderr.write('breakeven: dist/ is missing and tsx is not installed: run `npm ci` (which builds) or `npm run build`\n');
    process.exit(1);
  }
  process.stderr.write('breakeven: dist/ is missing, running the TypeScript sources (slower start); `npm run build` compiles them\n');
  register();
  await import('../src/cli/main.ts');
}
