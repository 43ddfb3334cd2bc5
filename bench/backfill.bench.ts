/**
 * Benchmark: a queued backfill of BENCH_MONTHS (3) months × every source against the simulators,
 * each vendor request delayed by BENCH_LATENCY_MS (a tiny proxy in front of each simulator: they have
 * no latency option). Printed as a ratio to the critical path computed in the same run from the
 * requests the simulators actually served: the longest chain of dependent vendor requests at the
 * default per-queue rate limits. The same backfill run inline is printed as a second reference.
 * Needs Postgres (BENCH_DATABASE_URL / TEST_DATABASE_URL / local default; it creates and drops its
 * own databases) and Redis (BENCH_REDIS_URL / TEST_REDIS_URL / local default; only its own prefix).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { queueBackfill } from '../jobs/backfill.ts';
import { startWorkers, DEFAULT_LIMITS, type RateLimit } from '../jobs/workers.ts';
import { fixedClock } from '../src/clock.ts';
import { loadConfig } from '../src/config/load.ts';
import { envSchema } from '../src/config/env.ts';
import { createContext, type OwnedCtx } from '../src/context.ts';
import { SOURCE_NAMES, type SourceName } from '../src/ingest/sources.ts';
import { silentLogger } from '../src/log.ts';
import { runInline } from '../src/pipeline/inline.ts';
import { planRange } from '../src/pipeline/planner.ts';
import { startAnthropicSimulator, SIM_API_KEY as ANTHROPIC_KEY } from '../src/simulators/anthropic.ts';
import { startCostExplorerSimulator } from '../src/simulators/aws-ce.ts';
import { startOpenAISimulator } from '../src/simulators/openai.ts';
import { startPrometheusSimulator } from '../src/simulators/prometheus.ts';
import { addMonths, lastFullMonth, monthKey, monthRange } from '../src/time.ts';
import { createBenchDatabase } from './database.ts';

const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 60);
const MONTHS = Number(process.env.BENCH_MONTHS ?? 3);
const NOW = new Date('2026-11-24T12:00:00Z');
/** Prometheus queries of one day run at most this many at once (QUERY_CONCURRENCY in src/sources/prometheus/collect.ts). */
const PROMETHEUS_QUERY_CONCURRENCY = 4;
const redisUrl = process.env.BENCH_REDIS_URL ?? process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

interface Proxy {
  url: string;
  close(): Promise<void>;
}

/** Forwards every request to `target` after `latencyMs`: a vendor's round trip, without touching the simulator. */
async function delayingProxy(target: string, latencyMs: number): Promise<Proxy> {
  const t = new URL(target);
  const server = createServer((req, res) => {
    const body: Buffer[] = [];
    req.on('data', (c: Buffer) => body.push(c));
    req.on('end', () => {
      setTimeout(() => {
        const up = httpRequest({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: { ...req.headers, host: t.host } }, (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        });
        up.on('error', (err) => {
          res.writeHead(502, { 'content-type': 'text/plain' });
          res.end(`proxy: ${err.message}`);
        });
        up.end(Buffer.concat(body));
      }, latencyMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: target.replace(t.origin, origin),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** What the simulators served, as the month (= ingest job) and day each request was for. */
interface Served {
  source: SourceName;
  month: string;
  day: string;
}

async function startVendors() {
  const now = () => NOW;
  const [openai, anthropic, ce, prom] = await Promise.all([
    startOpenAISimulator({ now }),
    startAnthropicSimulator({ now }),
    startCostExplorerSimulator({ now }),
    startPrometheusSimulator(),
  ]);
  const proxies = await Promise.all([openai.url, anthropic.url, ce.url, prom.url].map((u) => delayingProxy(u, LATENCY_MS)));
  const at = (d: Date): Omit<Served, 'source'> => ({ month: monthKey(d), day: d.toISOString().slice(0, 10) });
  const unix = (s: string | number | null | undefined) => new Date(Number(s) * 1000);
  return {
    env: {
      OPENAI_BASE_URL: proxies[0]!.url,
      OPENAI_ADMIN_KEY: 'sk-admin-bench',
      ANTHROPIC_BASE_URL: proxies[1]!.url,
      ANTHROPIC_ADMIN_KEY: ANTHROPIC_KEY,
      AWS_ENDPOINT_URL_COST_EXPLORER: proxies[2]!.url,
      AWS_ACCESS_KEY_ID: 'AKIDSIMULATOR',
      AWS_SECRET_ACCESS_KEY: 'simulator-secret',
      PROMETHEUS_URL: proxies[3]!.url,
    },
    /** Every request served so far, from the simulators' own logs. */
    served: (): Served[] => [
      ...openai.log.map((l) => ({ source: 'openai' as const, ...at(unix(new URL(l, 'http://x').searchParams.get('start_time'))) })),
      ...anthropic.requests.map((r) => ({ source: 'anthropic' as const, ...at(new Date(r.query['starting_at']?.[0] ?? NaN)) })),
      ...ce.requests.map((r) => ({ source: 'aws' as const, ...at(new Date(String((r.body['TimePeriod'] as { Start?: string } | undefined)?.Start))) })),
      ...prom.requests.map((q) => ({ source: 'prometheus' as const, ...at(unix(q.start)) })),
    ],
    counters: () => ({ openai: openai.requests, anthropic: anthropic.requests.length, aws: ce.requests.length, prometheus: prom.requests.length, opencost: 0 }),
    close: async () => {
      await Promise.allSettled(proxies.map((p) => p.close()));
      await Promise.allSettled([openai, anthropic, ce, prom].map((s) => s.close()));
    },
  };
}

interface IngestJob {
  source: SourceName;
  month: string;
  requests: number;
  /** Requests that must happen one after another (a page needs the previous page's cursor; days run in order). */
  serial: number;
}

/**
 * Serial requests per ingest job. OpenAI, Anthropic and Cost Explorer page through each day (or the
 * month) one request at a time, so all of a job's requests are in series. Prometheus runs a day's
 * first query alone and the rest PROMETHEUS_QUERY_CONCURRENCY at a time: 1 + ⌈(n−1)/c⌉ per day, a
 * lower bound (a reset check followed by its raw refetch adds a link).
 */
function ingestJobs(served: Served[]): IngestJob[] {
  const jobs = new Map<string, IngestJob>();
  const days = new Map<string, number>();
  for (const s of served) {
    const key = `${s.source}|${s.month}`;
    const job = jobs.get(key) ?? { source: s.source, month: s.month, requests: 0, serial: 0 };
    job.requests++;
    jobs.set(key, job);
    if (s.source === 'prometheus') days.set(`${key}|${s.day}`, (days.get(`${key}|${s.day}`) ?? 0) + 1);
    else job.serial++;
  }
  for (const [k, n] of days) jobs.get(k.split('|').slice(0, 2).join('|'))!.serial += 1 + Math.ceil((n - 1) / PROMETHEUS_QUERY_CONCURRENCY);
  return [...jobs.values()];
}

/**
 * The critical path of the flow with unlimited workers: a source's ingest jobs start no faster than
 * its queue's limiter allows (the k-th at ⌊k/max⌋·duration, longest first — the best order), each
 * taking its serial requests × latency; compute(M) waits for M's ingests and for report(M−1)
 * (jobs/flow-tree.ts builds that spine). Compute and report make no vendor request: 0 unless their
 * measured durations are given (`localMs`, keyed by step id).
 */
function criticalPath(jobs: IngestJob[], months: string[], limits: Record<SourceName, RateLimit>, latencyMs: number, localMs = new Map<string, number>()) {
  const finish = new Map<IngestJob, number>();
  const perSource = {} as Record<SourceName, number>;
  for (const source of SOURCE_NAMES) {
    const mine = jobs.filter((j) => j.source === source).sort((a, b) => b.serial - a.serial);
    const { max, duration } = limits[source];
    mine.forEach((j, k) => finish.set(j, Math.floor(k / max) * duration + j.serial * latencyMs));
    perSource[source] = Math.max(0, ...mine.map((j) => finish.get(j)!));
  }
  let reportDone = 0;
  for (const m of months) {
    const ingestsDone = Math.max(0, ...jobs.filter((j) => j.month === m).map((j) => finish.get(j)!));
    reportDone = Math.max(reportDone, ingestsDone) + (localMs.get(`compute:${m}`) ?? 0) + (localMs.get(`report:${m}`) ?? 0);
  }
  return { totalMs: reportDone, perSource };
}

async function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
}

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const secs = (x: number) => `${(x / 1000).toFixed(2)} s`;

/** One backfill on a fresh database and fresh vendors; returns wall time and what the vendors served. */
async function measure(
  mode: 'queued' | 'inline',
  outDir: string,
): Promise<{ wallMs: number; jobs: IngestJob[]; counters: Record<SourceName, number>; stepMs: Map<string, number> }> {
  const vendors = await startVendors();
  const db = await createBenchDatabase();
  const config = loadConfig({ path: new URL('../breakeven.config.example.yaml', import.meta.url).pathname }).config;
  const prefix = `bk-bench-${randomBytes(4).toString('hex')}`;
  let ctx: OwnedCtx | undefined;
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3, connectionName: `${prefix}-admin` });
  try {
    ctx = await createContext({
      env: envSchema.parse({ DATABASE_URL: db.url, LOG_LEVEL: 'silent', BREAKEVEN_QUEUE_PREFIX: prefix, ...vendors.env }),
      config,
      clock: fixedClock(NOW),
      log: silentLogger,
    });
    const to = lastFullMonth(NOW);
    const plan = planRange({ from: addMonths(to, 1 - MONTHS), to, sources: SOURCE_NAMES, report: true, outDir: join(outDir, mode), until: NOW });
    let wallMs: number;
    const stepMs = new Map<string, number>();
    if (mode === 'inline') {
      const t0 = process.hrtime.bigint();
      // Called before each step and once at the end: each call closes the previous step's timing.
      let current: { id: string; t0: bigint } | undefined;
      await runInline(ctx, plan, (done, total, step) => {
        if (current) stepMs.set(current.id, ms(current.t0));
        current = done < total ? { id: step.id, t0: process.hrtime.bigint() } : undefined;
      });
      wallMs = ms(t0);
    } else {
      // Default rate limits; enough concurrency that the limits, not the worker count, bind.
      const workers = await startWorkers(ctx, { redisUrl, concurrency: MONTHS, schedulers: false });
      try {
        const t0 = process.hrtime.bigint();
        const r = await queueBackfill(redisUrl, plan, { prefix, wait: true, pollMs: 50 });
        wallMs = ms(t0);
        if (!r.outcome?.ok) throw new Error(`queued backfill failed: ${JSON.stringify(r.outcome?.failed)}`);
      } finally {
        await workers.close({ graceMs: 5_000 });
      }
    }
    return { wallMs, jobs: ingestJobs(vendors.served()), counters: vendors.counters(), stepMs };
  } finally {
    await ctx?.close();
    await deletePrefix(redis, prefix).finally(() => redis.disconnect());
    await db.drop();
    await vendors.close();
  }
}

export async function benchBackfill(): Promise<void> {
  // bin/breakeven.js silences the SDK's Node-version notice the same way; bench/run.ts does not.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const outDir = await mkdtemp(join(tmpdir(), 'bk-bench-backfill-'));
  try {
    const months = monthRange(addMonths(lastFullMonth(NOW), 1 - MONTHS), lastFullMonth(NOW)).map(monthKey);
    process.stdout.write(`backfill ${months[0]}..${months.at(-1)} × ${SOURCE_NAMES.join(', ')}; ${LATENCY_MS} ms per vendor request\n`);
    const queued = await measure('queued', outDir);
    const inline = await measure('inline', outDir);
    const cp = criticalPath(queued.jobs, months, DEFAULT_LIMITS, LATENCY_MS);
    const local = new Map([...inline.stepMs].filter(([id]) => !id.startsWith('ingest:')));
    const cpLocal = criticalPath(queued.jobs, months, DEFAULT_LIMITS, LATENCY_MS, local);
    const lines = [`  inputs (requests counted by the simulators during the queued run; serial = requests in series per job):`];
    for (const s of SOURCE_NAMES) {
      const mine = queued.jobs.filter((j) => j.source === s).sort((a, b) => a.month.localeCompare(b.month));
      const { max, duration } = DEFAULT_LIMITS[s];
      lines.push(
        `    ${s.padEnd(10)} limit ${max}/${duration} ms; ${queued.counters[s]} requests (inline run: ${inline.counters[s]}); ` +
          `serial per month ${mine.map((j) => `${j.month}: ${j.serial}`).join(', ')}; path ${secs(cp.perSource[s])}`,
      );
    }
    lines.push(
      `    compute + report per month (measured in the inline run): ${months.map((m) => `${m}: ${secs((local.get(`compute:${m}`) ?? 0) + (local.get(`report:${m}`) ?? 0))}`).join(', ')}`,
      `  critical path (longest chain of dependent vendor requests at the rate limits): ${secs(cp.totalMs)}`,
      `  same, plus the month-after-month compute → report spine as measured inline:   ${secs(cpLocal.totalMs)}`,
      `  queued (in-process workers, concurrency ${MONTHS} per queue): ${secs(queued.wallMs)} = ${(queued.wallMs / cp.totalMs).toFixed(2)}× critical path (${(queued.wallMs / cpLocal.totalMs).toFixed(2)}× with the spine)`,
      `  inline (one step after another, reference):           ${secs(inline.wallMs)} = ${(inline.wallMs / cp.totalMs).toFixed(2)}× critical path (${(inline.wallMs / cpLocal.totalMs).toFixed(2)}× with the spine)`,
      '',
    );
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}
