import { sql, type Kysely } from 'kysely';

// Latency per deployment and hour (COST-MODEL §11), written by the prometheus source, and the
// deployment-level p95s appended to serving_hourly (INTERFACES "Additions"). serving_hourly is one row
// per hour × deployment × model while latency is measured per deployment (histograms summed over its
// replicas and models before the quantile), so every model row of a deployment-hour carries the same
// deployment-level value. The base definition is 20261202000100's (feature from serving_dims).
const SERVING_HOURLY_BASE = sql`
    select s.hour, s.deployment, s.model,
           g.gpu_count, g.gpu_utilization,
           s.prompt_tokens, s.generation_tokens, s.requests,
           case when s.prefix_cache_queries > 0 then s.prefix_cache_hits::double precision / s.prefix_cache_queries end
             as prefix_cache_hit_rate,
           s.kv_cache_usage_avg as kv_cache_usage,
           s.requests_running_avg as requests_running,
           s.requests_waiting_avg as requests_waiting,
           coalesce(sd.feature, 'unattributed') as feature`;

const SERVING_HOURLY_FROM = sql`
      from serving_metrics s
      left join serving_dims sd on sd.deployment = s.deployment and sd.model = s.model
      left join lateral (
        select count(*)::integer as gpu_count, avg(gm.gpu_util_avg) as gpu_utilization
          from gpu_metrics gm
         where gm.hour = s.hour and gm.deployment = s.deployment
      ) g on true`;

const TABLE_COMMENTS: Record<string, string> = {
  hour: 'Hour start (UTC); an observation counts for the hour its histogram sample closes (H, H+1h].',
  deployment: 'Deployment (config deployments[].name, from the configured Prometheus label).',
  engine: 'vllm, sglang or tgi (the engine whose histograms were read).',
  ttft_count: 'Requests observed by the time-to-first-token histogram that hour (NULL: the engine exports none, e.g. TGI).',
  ttft_p50_seconds: 'Median time to first token, seconds (histogram_quantile over the summed bucket deltas; NULL without requests).',
  ttft_p95_seconds: 'p95 time to first token, seconds.',
  ttft_buckets: 'Summed TTFT bucket deltas of the hour, {"le": cumulative count}; sum them over hours for an exact monthly quantile.',
  e2e_count: 'Requests observed by the end-to-end latency histogram that hour.',
  e2e_p50_seconds: 'Median end-to-end request latency, seconds.',
  e2e_p95_seconds: 'p95 end-to-end request latency, seconds.',
  e2e_buckets: 'Summed end-to-end latency bucket deltas of the hour, {"le": cumulative count}.',
  queue_count: 'Requests observed by the queue-time histogram that hour.',
  queue_p50_seconds: 'Median time spent waiting in the engine queue, seconds.',
  queue_p95_seconds: 'p95 time spent waiting in the engine queue, seconds.',
  queue_buckets: 'Summed queue-time bucket deltas of the hour, {"le": cumulative count}.',
  preemptions: 'Requests preempted that hour (vllm:num_preemptions_total), KV-cache pressure evidence; NULL where not exported.',
  ingested_at: 'When the row was last written.',
};

const VIEW_COMMENTS: Record<string, string> = {
  ttft_p95_seconds:
    'p95 time to first token of the DEPLOYMENT that hour, seconds (all its replicas and models together; the same value on each model row — take it once per hour and deployment). NULL: no requests, or the engine exports no such histogram.',
  e2e_p95_seconds: 'p95 end-to-end request latency of the DEPLOYMENT that hour, seconds (deployment-level as ttft_p95_seconds).',
  ttft_p50_seconds: 'Median time to first token of the deployment that hour, seconds (deployment-level).',
  e2e_p50_seconds: 'Median end-to-end latency of the deployment that hour, seconds (deployment-level).',
  preemptions: 'Requests the deployment preempted that hour (deployment-level: do not sum over its model rows).',
};

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table serving_latency_hourly (
      hour timestamptz not null,
      deployment text not null,
      engine text,
      ttft_count bigint,
      ttft_p50_seconds double precision,
      ttft_p95_seconds double precision,
      ttft_buckets jsonb,
      e2e_count bigint,
      e2e_p50_seconds double precision,
      e2e_p95_seconds double precision,
      e2e_buckets jsonb,
      queue_count bigint,
      queue_p50_seconds double precision,
      queue_p95_seconds double precision,
      queue_buckets jsonb,
      preemptions bigint,
      ingested_at timestamptz not null default now(),
      primary key (hour, deployment)
    )
  `.execute(db);
  await sql`
    create or replace view serving_hourly as ${SERVING_HOURLY_BASE},
           l.ttft_p95_seconds, l.e2e_p95_seconds, l.ttft_p50_seconds, l.e2e_p50_seconds, l.preemptions
    ${SERVING_HOURLY_FROM}
      left join serving_latency_hourly l on l.hour = s.hour and l.deployment = s.deployment
  `.execute(db);
  await sql`comment on table serving_latency_hourly is ${sql.lit('Latency per deployment and hour from the engines\u2019 histograms (vLLM, SGLang, TGI), summed over replicas and models before the quantile.')}`.execute(db);
  for (const [column, text] of Object.entries(TABLE_COMMENTS)) {
    await sql`comment on column ${sql.id('serving_latency_hourly', column)} is ${sql.lit(text)}`.execute(db);
  }
  for (const [column, text] of Object.entries(VIEW_COMMENTS)) {
    await sql`comment on column ${sql.id('serving_hourly', column)} is ${sql.lit(text)}`.execute(db);
  }
  await sql`grant select on serving_latency_hourly to breakeven_analyst`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  // A view cannot lose columns through CREATE OR REPLACE: recreate it as before with its grant (the column
  // comments of 20261124000400 go with the dropped view; re-run that migration's up to restore them).
  await sql`drop view serving_hourly`.execute(db);
  await sql`create view serving_hourly as ${SERVING_HOURLY_BASE} ${SERVING_HOURLY_FROM}`.execute(db);
  await sql`grant select on serving_hourly to breakeven_analyst`.execute(db);
  await sql`drop table serving_latency_hourly`.execute(db);
}
