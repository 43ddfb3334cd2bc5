import { requireNumber } from './num.ts';

/**
 * COST-MODEL §11: the throughput a replica sustains at the feature's latency SLO, measured from the
 * deployment's own hours. Pure: hourly rows in, an estimate with its evidence out.
 *
 * A **busy hour** is one that can say something about capacity: the engine served at least
 * MIN_BUSY_REQUESTS requests (so a p95 rests on more than a handful), its throughput per replica is
 * at least BUSY_SHARE_OF_PEAK of the month's busiest hour (night trickle says nothing about the knee,
 * and a fixed share of the month's own peak does not depend on a profile that may be wrong), and
 * every latency the SLO constrains was measured that hour. Among busy hours:
 * - capacity = the highest throughput per replica of an hour that met the SLO;
 * - **measured** when a busier hour violated it (the knee lies between the two);
 * - **lower_bound** when no busier hour violated it (the knee was never reached);
 * - **profile** when fewer than MIN_BUSY_HOURS busy hours exist, no hour met the SLO, or no SLO is set.
 * Sizing uses a measured capacity, a lower bound only when it exceeds the profile, else the profile.
 */
export const MIN_BUSY_HOURS = 24;
export const MIN_BUSY_REQUESTS = 20;
export const BUSY_SHARE_OF_PEAK = 0.25;

export type CapacitySource = 'measured' | 'lower_bound' | 'profile';

export interface LatencySlo {
  ttft_p95_seconds?: number | undefined;
  e2e_p95_seconds?: number | undefined;
}

export interface CapacityHour {
  /** Hour start. */
  hour: Date;
  /** Tokens (prompt + generated) served that hour ÷ 3600 ÷ replicas running. */
  tokensPerSecondPerReplica: number;
  /** Requests observed that hour (prefer the latency histogram's count: it is the p95's sample). */
  requests: number;
  ttftP95Seconds: number | null;
  e2eP95Seconds: number | null;
}

export interface HourEvidence {
  hour: Date;
  tokensPerSecondPerReplica: number;
  ttftP95Seconds: number | null;
  e2eP95Seconds: number | null;
}

export interface CapacityEstimate {
  /** capacity_at_slo per replica (tok/s): measured or a lower bound; null when source is 'profile'. */
  capacityTpsPerReplica: number | null;
  source: CapacitySource;
  /** What sizing, break-even, hybrid and the utilization tax use (tok/s per replica). */
  sizingTpsPerReplica: number;
  /** Where sizingTpsPerReplica comes from: a lower bound at or below the profile gives 'profile'. */
  sizingSource: CapacitySource;
  /** True when the SLO, not the profile's throughput, sets the capacity sizing uses (binding factor 'latency'). */
  latencyBinds: boolean;
  profileTpsPerReplica: number;
  slo: LatencySlo | null;
  busyHours: number;
  /** Hours with requests and measured latency whose p95 exceeded the SLO (busy or not). */
  sloViolationHours: number;
  /** Busy violating hours at or below the capacity: latency outliers the load does not explain. */
  violationsBelowCapacity: number;
  evidence: {
    busiestCompliantHour: HourEvidence | null;
    /** The least busy busy hour that violated the SLO. */
    leastBusyViolatingHour: HourEvidence | null;
  };
  /** One sentence for the report and the assumptions JSON. */
  reason: string;
}

/** The tightest of several SLOs per metric (a deployment serving features with different promises). */
export function tightestSlo(slos: ReadonlyArray<LatencySlo | null | undefined>): LatencySlo | null {
  let ttft: number | undefined;
  let e2e: number | undefined;
  for (const s of slos) {
    if (s?.ttft_p95_seconds !== undefined) ttft = Math.min(ttft ?? Infinity, s.ttft_p95_seconds);
    if (s?.e2e_p95_seconds !== undefined) e2e = Math.min(e2e ?? Infinity, s.e2e_p95_seconds);
  }
  if (ttft === undefined && e2e === undefined) return null;
  return { ...(ttft !== undefined ? { ttft_p95_seconds: ttft } : {}), ...(e2e !== undefined ? { e2e_p95_seconds: e2e } : {}) };
}

/** Whether an hour's p95s are known for every metric the SLO constrains, and if so whether they met it. */
function judge(h: CapacityHour, slo: LatencySlo): 'met' | 'violated' | 'unknown' {
  const checks: Array<[number | undefined, number | null]> = [
    [slo.ttft_p95_seconds, h.ttftP95Seconds],
    [slo.e2e_p95_seconds, h.e2eP95Seconds],
  ];
  let violated = false;
  for (const [limit, got] of checks) {
    if (limit === undefined) continue;
    if (got === null || !Number.isFinite(got)) return 'unknown';
    if (got > limit) violated = true;
  }
  return violated ? 'violated' : 'met';
}

const evidenceOf = (h: CapacityHour): HourEvidence => ({ hour: h.hour, tokensPerSecondPerReplica: h.tokensPerSecondPerReplica, ttftP95Seconds: h.ttftP95Seconds, e2eP95Seconds: h.e2eP95Seconds });
const fmt = (x: number) => (Math.round(x * 10) / 10).toString();

export function estimateCapacityAtSlo(hours: readonly CapacityHour[], slo: LatencySlo | null | undefined, profileTpsPerReplica: number): CapacityEstimate {
  const profile = requireNumber('profileTpsPerReplica', profileTpsPerReplica, { gt: 0 });
  hours.forEach((h, i) => {
    requireNumber(`hours[${i}].tokensPerSecondPerReplica`, h.tokensPerSecondPerReplica, { min: 0 });
    requireNumber(`hours[${i}].requests`, h.requests, { min: 0 });
  });
  const base = { profileTpsPerReplica: profile, slo: slo ?? null, violationsBelowCapacity: 0 };
  const fallback = (busyHours: number, sloViolationHours: number, reason: string, evidence: CapacityEstimate['evidence'] = { busiestCompliantHour: null, leastBusyViolatingHour: null }): CapacityEstimate => ({
    ...base,
    capacityTpsPerReplica: null,
    source: 'profile',
    sizingTpsPerReplica: profile,
    sizingSource: 'profile',
    latencyBinds: false,
    busyHours,
    sloViolationHours,
    evidence,
    reason,
  });
  if (!slo || (slo.ttft_p95_seconds === undefined && slo.e2e_p95_seconds === undefined)) return fallback(0, 0, 'no latency SLO set: the profile throughput is used');

  const judged = hours.filter((h) => h.requests > 0).map((h) => ({ h, verdict: judge(h, slo) }));
  const sloViolationHours = judged.filter((j) => j.verdict === 'violated').length;
  const peak = Math.max(0, ...judged.map((j) => j.h.tokensPerSecondPerReplica));
  const busy = judged.filter((j) => j.verdict !== 'unknown' && j.h.requests >= MIN_BUSY_REQUESTS && j.h.tokensPerSecondPerReplica > 0 && j.h.tokensPerSecondPerReplica >= BUSY_SHARE_OF_PEAK * peak);
  const compliant = busy.filter((j) => j.verdict === 'met').map((j) => j.h);
  const violating = busy.filter((j) => j.verdict === 'violated').map((j) => j.h);
  const busiest = compliant.reduce<CapacityHour | null>((m, h) => (m === null || h.tokensPerSecondPerReplica > m.tokensPerSecondPerReplica ? h : m), null);
  const leastViolating = violating.reduce<CapacityHour | null>((m, h) => (m === null || h.tokensPerSecondPerReplica < m.tokensPerSecondPerReplica ? h : m), null);
  const evidence = { busiestCompliantHour: busiest && evidenceOf(busiest), leastBusyViolatingHour: leastViolating && evidenceOf(leastViolating) };

  if (busy.length < MIN_BUSY_HOURS) {
    return fallback(busy.length, sloViolationHours, `only ${busy.length} busy hours with measured latency (at least ${MIN_BUSY_HOURS} needed): the profile throughput is used`, evidence);
  }
  if (!busiest) {
    return fallback(busy.length, sloViolationHours, `no busy hour met the SLO (${violating.length} violated it): capacity at the SLO is below every observed load; the profile throughput is used`, evidence);
  }
  const capacity = busiest.tokensPerSecondPerReplica;
  const above = violating.filter((h) => h.tokensPerSecondPerReplica > capacity).length;
  const measured = above > 0;
  const source: CapacitySource = measured ? 'measured' : 'lower_bound';
  const useIt = measured || capacity > profile;
  const sizingTps = useIt ? capacity : profile;
  return {
    ...base,
    capacityTpsPerReplica: capacity,
    source,
    sizingTpsPerReplica: sizingTps,
    sizingSource: useIt ? source : 'profile',
    latencyBinds: measured && capacity < profile,
    busyHours: busy.length,
    sloViolationHours,
    violationsBelowCapacity: violating.length - above,
    evidence,
    reason: measured
      ? `measured at the SLO: ${fmt(capacity)} tok/s per replica (profile: ${fmt(profile)}); ${above} busier hour(s) violated it`
      : `the SLO held in every busier hour: at least ${fmt(capacity)} tok/s per replica (profile: ${fmt(profile)})${useIt ? '' : '; the lower bound does not exceed the profile, so the profile is used'}`,
  };
}

/**
 * Builds the estimator's hours from per-hour totals of a deployment: tokens per second per replica =
 * tokens ÷ 3600 ÷ replicas. Hours without a latency row keep null p95s (they are never busy).
 */
export function capacityHours(
  rows: ReadonlyArray<{ hour: Date; tokens: number; requests: number; ttftP95Seconds?: number | null; e2eP95Seconds?: number | null }>,
  replicas: number,
): CapacityHour[] {
  requireNumber('replicas', replicas, { gt: 0 });
  return rows.map((r) => ({
    hour: r.hour,
    tokensPerSecondPerReplica: r.tokens / 3600 / replicas,
    requests: r.requests,
    ttftP95Seconds: r.ttftP95Seconds ?? null,
    e2eP95Seconds: r.e2eP95Seconds ?? null,
  }));
}
