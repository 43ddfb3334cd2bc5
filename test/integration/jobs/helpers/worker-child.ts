// A worker in its own process, so a test can SIGKILL it mid-job. Configured by BK_CHILD (JSON).
import { startWorkers } from '../../../../jobs/workers.ts';
import { fixedClock } from '../../../../src/clock.ts';
import { envSchema } from '../../../../src/config/env.ts';
import { createContext } from '../../../../src/context.ts';
import { silentLogger } from '../../../../src/log.ts';
import { exampleConfig } from '../../../helpers/db.ts';

const o = JSON.parse(process.env.BK_CHILD!) as { databaseUrl: string; redisUrl: string; prefix: string; openaiUrl: string; now: string; delayMs: number };
const slowFetch: typeof fetch = async (input, init) => {
  await new Promise((r) => setTimeout(r, o.delayMs));
  return fetch(input, init);
};
const ctx = await createContext({
  env: envSchema.parse({ DATABASE_URL: o.databaseUrl, LOG_LEVEL: 'silent', OPENAI_ADMIN_KEY: 'sk-admin-test', OPENAI_BASE_URL: o.openaiUrl }),
  config: exampleConfig(),
  clock: fixedClock(o.now),
  log: silentLogger,
  fetch: slowFetch,
  migrate: false,
});
await startWorkers(ctx, {
  redisUrl: o.redisUrl,
  prefix: o.prefix,
  schedulers: false,
  queues: ['ingest-openai'],
  limiter: { openai: { max: 100, duration: 1000 } },
  stall: { lockDuration: 1_000, stalledInterval: 500 },
});
process.stdout.write('ready\n');
