import { Redis } from 'ioredis';
import type { DefaultJobOptions } from 'bullmq';
import { SOURCE_NAMES, type SourceName } from '../src/ingest/sources.ts';
import type { StepName } from '../src/pipeline/steps.ts';

/**
 * Queues per concern. Ingest gets one queue PER SOURCE: BullMQ OSS has no group rate limits (that is
 * BullMQ Pro), and a worker's limiter applies to its whole queue (it is stored in Redis, so it holds
 * across every worker process). One queue per vendor gives each vendor its own limiter and keeps a
 * throttled vendor (Cost Explorer at $0.01 a request) from holding back the others.
 */
export const INGEST_QUEUES = SOURCE_NAMES.map((s) => `ingest-${s}` as const);
export type IngestQueueName = (typeof INGEST_QUEUES)[number];
export type QueueName = IngestQueueName | 'compute' | 'report';
export const QUEUE_NAMES: readonly QueueName[] = [...INGEST_QUEUES, 'compute', 'report'];

export const DEFAULT_PREFIX = 'breakeven';

export const ingestQueueOf = (source: SourceName): IngestQueueName => `ingest-${source}`;

export function sourceOfQueue(queue: string): SourceName | undefined {
  const s = queue.startsWith('ingest-') ? queue.slice('ingest-'.length) : '';
  return (SOURCE_NAMES as readonly string[]).includes(s) ? (s as SourceName) : undefined;
}

/** Where a step's jobs go: ingest by source, compute alone, report and deliver together. */
export function queueForStep(step: StepName, payload: unknown): QueueName {
  if (step === 'ingest') {
    const source = (payload as { source?: unknown } | null)?.source;
    if (typeof source !== 'string' || !(SOURCE_NAMES as readonly string[]).includes(source)) {
      throw new Error(`ingest job without a known source: ${JSON.stringify(source)}`);
    }
    return ingestQueueOf(source as SourceName);
  }
  return step === 'compute' ? 'compute' : 'report';
}

/**
 * BullMQ refuses custom ids containing ':' unless they have exactly three parts (its own
 * `repeat:key:millis` shape). The planner's ids are `step:source:window` (three parts) for ingest
 * and `step:window` for the cross-source steps; those get the source `all`.
 */
export function toJobId(plannedId: string): string {
  const parts = plannedId.split(':');
  if (parts.length === 3) return plannedId;
  if (parts.length === 2) return `${parts[0]}:all:${parts[1]}`;
  return plannedId.replaceAll(':', '.');
}

export interface RetryOptions {
  attempts: number;
  /** First backoff delay (ms); doubles each attempt, with jitter. */
  backoffMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { attempts: 5, backoffMs: 10_000 };

/**
 * Every job: bounded attempts with exponential backoff and 50 % jitter (so a fleet of retries after
 * a vendor outage does not arrive in lockstep); completed jobs kept a week (their ids make a second
 * enqueue of in-flight work a no-op and show what ran), failed jobs kept a month with their error.
 */
export function jobOptions(retry: RetryOptions = DEFAULT_RETRY): DefaultJobOptions {
  return {
    attempts: retry.attempts,
    backoff: { type: 'exponential', delay: retry.backoffMs, jitter: 0.5 },
    removeOnComplete: { age: 7 * 86_400, count: 5_000 },
    removeOnFail: { age: 30 * 86_400, count: 5_000 },
  };
}

export interface RedisConnectOptions {
  /** Names this process's connections in CLIENT LIST (BullMQ names its blocking ones `<prefix>:…`). */
  connectionName?: string;
  /**
   * Workers block on Redis and must retry forever (BullMQ requires maxRetriesPerRequest: null);
   * a producer (the CLI) should fail instead of hanging when Redis is down.
   */
  role: 'worker' | 'producer';
  /** Connect timeout (and producers' command timeout), default 10 s (BREAKEVEN_REDIS_TIMEOUT_MS). */
  timeoutMs?: number;
}

/**
 * An ioredis client for BullMQ. We construct it ourselves (rather than passing options) because
 * BullMQ's ESM build cannot `require('ioredis')`; BullMQ duplicates it for its blocking connections
 * and leaves this one for us to close.
 */
export function connectRedis(url: string, opts: RedisConnectOptions): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: opts.role === 'worker' ? null : 1,
    enableReadyCheck: true,
    // A server that accepts the connection and never answers is dropped and retried, not waited on.
    connectTimeout: opts.timeoutMs ?? 10_000,
    // Producers' commands fail after this long; workers' blocking commands (BZPOPMIN) must not time out.
    ...(opts.role === 'producer' ? { commandTimeout: opts.timeoutMs ?? 10_000 } : {}),
    ...(opts.connectionName ? { connectionName: opts.connectionName } : {}),
    // Reconnect with a capped backoff: a Redis restart or a killed connection must not end the worker.
    retryStrategy: (times: number) => Math.min(200 * 2 ** Math.min(times, 6), 5_000),
  });
}
