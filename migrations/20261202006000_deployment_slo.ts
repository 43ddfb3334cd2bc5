import { sql, type Kysely } from 'kysely';

/**
 * COST-MODEL §11 per deployment and month (INTERFACES "Additions"): the month's p95 latencies, the
 * latency SLO the deployment was judged at, the capacity at that SLO with its source and evidence —
 * the capacity sizing, break-even, hybrid and the utilization tax used — and right-sizing.
 */
const COLUMNS: Array<[string, string, string]> = [
  ['ttft_p95_seconds', 'double precision', 'p95 time to first token over the month, seconds (hourly bucket deltas summed, then the quantile; NULL: no histogram or no requests).'],
  ['e2e_p95_seconds', 'double precision', 'p95 end-to-end request latency over the month, seconds (as ttft_p95_seconds).'],
  ['preemptions', 'bigint', 'Requests the engine preempted over the month (KV-cache pressure); NULL where not exported.'],
  ['slo_ttft_p95_seconds', 'double precision', 'The TTFT p95 limit the deployment was judged at: the tightest latency_slo.ttft_p95_seconds of the features it served (NULL: none set).'],
  ['slo_e2e_p95_seconds', 'double precision', 'The end-to-end p95 limit the deployment was judged at (tightest of its features; NULL: none set).'],
  ['slo_busy_hours', 'integer', 'Busy hours of the month (enough requests, ≥ 25 % of the peak throughput, latency measured) the capacity estimate rests on.'],
  ['slo_violation_hours', 'integer', 'Hours with requests whose p95 broke the SLO.'],
  ['capacity_tps_per_replica', 'double precision', 'Tokens/s per replica sizing, break-even, hybrid, token utilization and the utilization tax used (capacity at the SLO or the profile).'],
  ['capacity_source', 'text', "Where capacity_tps_per_replica comes from: 'measured' (a busier hour broke the SLO), 'lower_bound' (none did; used only above the profile) or 'profile'."],
  ['capacity_at_slo_tps_per_replica', 'double precision', 'The estimate itself: throughput per replica of the busiest busy hour that met the SLO (NULL: no estimate; the profile is used). A lower bound below the profile is kept here while sizing keeps the profile.'],
  ['profile_tps_per_replica', 'double precision', 'The profile tokens_per_second the estimate is set beside.'],
  ['slo_compliant_tps_per_replica', 'double precision', 'Evidence: throughput per replica (tokens/s) of the busiest busy hour that met the SLO.'],
  ['slo_violating_tps_per_replica', 'double precision', 'Evidence: throughput per replica (tokens/s) of the least busy busy hour that violated the SLO.'],
  ['capacity_reason', 'text', 'One sentence on how the capacity was decided.'],
  ['replicas', 'integer', 'Replicas configured (deployments[].replicas).'],
  ['recommended_replicas', 'integer', "Replicas the month's load needs at capacity_tps_per_replica × max_utilization (static: the peak hour's count; autoscale: the peak of the hour-by-hour counts)."],
  ['right_sizing_saving', 'numeric', '(configured replicas × hours − recommended replica-hours) × the billed cost per replica-hour (catalog price without billing); negative = under-provisioned.'],
];

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table deployment_monthly ${sql.join(COLUMNS.map(([name, type]) => sql`add column ${sql.id(name)} ${sql.raw(type)}`))}`.execute(db);
  for (const [name, , text] of COLUMNS) await sql`comment on column ${sql.id('deployment_monthly', name)} is ${sql.lit(text)}`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table deployment_monthly ${sql.join(COLUMNS.map(([name]) => sql`drop column ${sql.id(name)}`))}`.execute(db);
}
