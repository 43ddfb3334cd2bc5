// `node --import ./test/helpers/module-trace.mjs …`: writes every module URL the process resolves
// to stderr as `LOADED <url>`, so a test can assert what a command does (not) load.
import { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(
      'export async function resolve(s, c, next) { const r = await next(s, c); process.stderr.write("LOADED " + r.url + "\\n"); return r; }',
    ),
);
