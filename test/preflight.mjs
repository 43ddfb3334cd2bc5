// Runs before the suite: the integration tests need a real Postgres and Redis on 127.0.0.1.
// Fails with one clear line when either is missing, instead of a wall of connection errors.
import net from 'node:net';

const pgUrl = new URL(process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
const redisUrl = new URL(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');

function reachable(host, port) {
  return new Promise((resolve) => {
    const s = net.connect({ host, port: Number(port), timeout: 2000 });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('timeout', () => { s.destroy(); resolve(false); });
    s.once('error', () => resolve(false));
  });
}

const missing = [];
if (!(await reachable(pgUrl.hostname, pgUrl.port || 5432))) missing.push(`Postgres at ${pgUrl.hostname}:${pgUrl.port || 5432}`);
if (!(await reachable(redisUrl.hostname, redisUrl.port || 6379))) missing.push(`Redis at ${redisUrl.hostname}:${redisUrl.port || 6379}`);
if (missing.length) {
  console.error(`npm test needs ${missing.join(' and ')}: start the local services or run \`docker compose up -d postgres redis\` (see README "Running the tests").`);
  process.exit(1);
}
