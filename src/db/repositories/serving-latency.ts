import { sql, type Kysely } from 'kysely';
import type { Database } from '../types.ts';

/**
 * Reads for COST-MODEL §11: one deployment's hours in [start, end) — every hour, served or not — with
 * its tokens (prompt + generated, summed over models), the requests its latency histograms observed
 * and the hourly p95s, plus the bucket deltas for exact monthly quantiles. Hours without a serving
 * row have 0 tokens; hours without a latency row have null latency.
 */
export interface DeploymentLatencyHour {
  hour: Date;
  tokens: number;
  /** Requests the e2e histogram observed (else the TTFT histogram; else the serving request counter). */
  requests: number;
  ttftP95Seconds: number | null;
  e2eP95Seconds: number | null;
  preemptions: number | null;
  ttftBuckets: Record<string, number> | null;
  e2eBuckets: Record<string, number> | null;
}

export async function deploymentLatencyHours(db: Kysely<Database>, q: { deployment: string; start: Date; end: Date }): Promise<DeploymentLatencyHour[]> {
  const { rows } = await sql<{
    hour: Date;
    tokens: string | null;
    served_requests: string | null;
    ttft_count: string | null;
    e2e_count: string | null;
    ttft_p95_seconds: number | null;
    e2e_p95_seconds: number | null;
    preemptions: string | null;
    ttft_buckets: Record<string, number> | null;
    e2e_buckets: Record<string, number> | null;
  }>`
    with hours as (
      select generate_series(${q.start}::timestamptz, ${q.end}::timestamptz - interval '1 hour', interval '1 hour') as hour
    ), served as (
      select hour, sum(prompt_tokens + generation_tokens) as tokens, sum(requests) as served_requests
        from serving_metrics
       where deployment = ${q.deployment} and hour >= ${q.start} and hour < ${q.end}
       group by hour
    )
    select h.hour, s.tokens, s.served_requests, l.ttft_count, l.e2e_count, l.ttft_p95_seconds, l.e2e_p95_seconds,
           l.preemptions, l.ttft_buckets, l.e2e_buckets
      from hours h
      left join served s on s.hour = h.hour
      left join serving_latency_hourly l on l.hour = h.hour and l.deployment = ${q.deployment}
     order by h.hour
  `.execute(db);
  const num = (v: string | null) => (v === null ? null : Number(v));
  // jsonb comes back parsed from both drivers; a string is parsed defensively.
  const json = (v: Record<string, number> | string | null) => (typeof v === 'string' ? (JSON.parse(v) as Record<string, number>) : v);
  return rows.map((r) => ({
    hour: new Date(r.hour),
    tokens: num(r.tokens) ?? 0,
    requests: num(r.e2e_count) ?? num(r.ttft_count) ?? num(r.served_requests) ?? 0,
    ttftP95Seconds: r.ttft_p95_seconds,
    e2eP95Seconds: r.e2e_p95_seconds,
    preemptions: num(r.preemptions),
    ttftBuckets: json(r.ttft_buckets),
    e2eBuckets: json(r.e2e_buckets),
  }));
}
