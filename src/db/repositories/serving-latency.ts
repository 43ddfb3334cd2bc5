import { sql, type Kysely } from 'kysely';
import type { Database } from '../types.ts';

/**
 * Reads for COST-MODEL §11: a deployment's hours in [start, end) — every hour, served or not — with
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

/** What serving_metrics says of one deployment-hour, summed over its models. */
export interface ServedHour {
  tokens: number;
  requests: number;
}

interface LatencyRow {
  hour: Date;
  deployment: string;
  ttft_count: string | null;
  e2e_count: string | null;
  ttft_p95_seconds: number | null;
  e2e_p95_seconds: number | null;
  preemptions: string | null;
  ttft_buckets: Record<string, number> | string | null;
  e2e_buckets: Record<string, number> | string | null;
}

const HOUR_MS = 3_600_000;
const num = (v: string | null) => (v === null ? null : Number(v));
// jsonb comes back parsed from both drivers; a string is parsed defensively.
const json = (v: Record<string, number> | string | null) => (typeof v === 'string' ? (JSON.parse(v) as Record<string, number>) : v);

/** serving_latency_hourly in [start, end), one deployment or all: deployment → hour (ms) → row. */
async function latencyRows(db: Kysely<Database>, q: { deployment?: string; start: Date; end: Date }): Promise<Map<string, Map<number, LatencyRow>>> {
  const { rows } = await sql<LatencyRow>`
    select hour, deployment, ttft_count, e2e_count, ttft_p95_seconds, e2e_p95_seconds, preemptions, ttft_buckets, e2e_buckets
      from serving_latency_hourly
     where hour >= ${q.start} and hour < ${q.end} ${q.deployment === undefined ? sql`` : sql`and deployment = ${q.deployment}`}`.execute(db);
  const out = new Map<string, Map<number, LatencyRow>>();
  for (const r of rows) {
    const m = out.get(r.deployment) ?? new Map<number, LatencyRow>();
    m.set(new Date(r.hour).getTime(), r);
    out.set(r.deployment, m);
  }
  return out;
}

/** Every hour of [start, end) of one deployment from its served hours and its latency rows. */
function assemble(start: Date, end: Date, served: ReadonlyMap<number, ServedHour> | undefined, latency: ReadonlyMap<number, LatencyRow> | undefined): DeploymentLatencyHour[] {
  const out: DeploymentLatencyHour[] = [];
  for (let t = start.getTime(); t < end.getTime(); t += HOUR_MS) {
    const s = served?.get(t);
    const l = latency?.get(t);
    out.push({
      hour: new Date(t),
      tokens: s?.tokens ?? 0,
      requests: (l ? (num(l.e2e_count) ?? num(l.ttft_count)) : null) ?? s?.requests ?? 0,
      ttftP95Seconds: l?.ttft_p95_seconds ?? null,
      e2eP95Seconds: l?.e2e_p95_seconds ?? null,
      preemptions: l ? num(l.preemptions) : null,
      ttftBuckets: l ? json(l.ttft_buckets) : null,
      e2eBuckets: l ? json(l.e2e_buckets) : null,
    });
  }
  return out;
}

/** One deployment's hours, reading its serving and latency rows. */
export async function deploymentLatencyHours(db: Kysely<Database>, q: { deployment: string; start: Date; end: Date }): Promise<DeploymentLatencyHour[]> {
  const { rows } = await sql<{ hour: Date; tokens: string; requests: string }>`
    select hour, sum(prompt_tokens + generation_tokens) as tokens, sum(requests) as requests
      from serving_metrics
     where deployment = ${q.deployment} and hour >= ${q.start} and hour < ${q.end}
     group by hour`.execute(db);
  const served = new Map(rows.map((r) => [new Date(r.hour).getTime(), { tokens: Number(r.tokens), requests: Number(r.requests) }]));
  return assemble(q.start, q.end, served, (await latencyRows(db, q)).get(q.deployment));
}

/**
 * Several deployments' hours with one read of serving_latency_hourly, from served hours the caller
 * already holds (compute has the month's serving rows): deployment → hours.
 */
export async function latencyHoursOf(
  db: Kysely<Database>,
  q: { deployments: readonly string[]; start: Date; end: Date; served: ReadonlyMap<string, ReadonlyMap<number, ServedHour>> },
): Promise<Map<string, DeploymentLatencyHour[]>> {
  const latency = await latencyRows(db, q);
  return new Map(q.deployments.map((d) => [d, assemble(q.start, q.end, q.served.get(d), latency.get(d))]));
}
