import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import type { Db } from '../../../../src/db/connect.ts';
import { redisUrl } from '../../../helpers/env.ts';

/** A queue prefix of our own per test file: files run in parallel against one shared Redis. */
export const testPrefix = () => `bk-test-${randomBytes(4).toString('hex')}`;

export function adminRedis(): Redis {
  return new Redis(redisUrl(), { maxRetriesPerRequest: 3, connectionName: 'bk-test-admin' });
}

/** Deletes this prefix's keys, and nothing else (never FLUSHALL a shared Redis). */
export async function deletePrefix(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let n = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    cursor = next;
    if (keys.length) n += await redis.del(...keys);
  } while (cursor !== '0');
  return n;
}

/** Kills the Redis connections that belong to this prefix (their names start with it). */
export async function killConnections(redis: Redis, prefix: string): Promise<number> {
  const list = (await redis.call('CLIENT', 'LIST', 'TYPE', 'normal')) as string;
  let killed = 0;
  for (const line of list.split('\n')) {
    const id = /\bid=(\d+)/.exec(line)?.[1];
    const name = /\bname=(\S*)/.exec(line)?.[1] ?? '';
    if (id && name.startsWith(prefix)) killed += Number(await redis.call('CLIENT', 'KILL', 'ID', id));
  }
  return killed;
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 20_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

const VOLATILE = ['id', 'ingested_at', 'computed_at', 'created_at', 'updated_at', 'run_id'];

/** Surrogate dimension ids depend on the order rows first arrived in; a snapshot names the dimension row instead. */
const DIMS: Record<string, string> = { usage_facts: 'usage_dims', usage_rollup_daily: 'usage_dims' };

/** A table's rows without ids and timestamps of when they were written, sorted: for parity checks. */
export async function snapshot(db: Db, table: string): Promise<string[]> {
  const drop = sql.raw(`array[${[...VOLATILE, 'dim_id'].map((c) => `'${c}'`).join(',')}]::text[]`);
  const dims = DIMS[table];
  const { rows } = dims
    ? await sql<{ j: string }>`select (to_jsonb(t) - ${drop} || jsonb_build_object('dim', to_jsonb(d) - ${drop}))::text as j
        from ${sql.table(table)} t join ${sql.table(dims)} d on d.dim_id = t.dim_id`.execute(db)
    : await sql<{ j: string }>`select (to_jsonb(t) - ${drop})::text as j from ${sql.table(table)} t`.execute(db);
  return rows.map((r) => r.j).sort();
}
