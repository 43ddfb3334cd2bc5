#!/usr/bin/env node
// The package's entry point: the sources are TypeScript run through tsx's loader, so a fresh clone
// needs no build step before `npm start`.
import { register } from 'tsx/esm/api';

// The AWS SDK warns on every start that it will need Node 22 from 2027; engines says >=20.11 today.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
await import('../src/cli/main.ts');
