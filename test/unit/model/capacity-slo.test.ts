import { describe, expect, it } from 'vitest';
import { capacityHours, estimateCapacityAtSlo, tightestSlo, type CapacityHour } from '../../../src/model/capacity-slo.ts';
import { rightSize } from '../../../src/model/right-sizing.ts';

const T = Date.UTC(2026, 9, 1);
let k = 0;
const hour = (tps: number, e2e: number | null, requests = 500, ttft: number | null = 0.2): CapacityHour => ({
  hour: new Date(T + k++ * 3_600_000),
  tokensPerSecondPerReplica: tps,
  requests,
  ttftP95Seconds: ttft,
  e2eP95Seconds: e2e,
});
/** 30 busy hours at 400, 420, …, 980 tok/s per replica; e2e p95 3 s up to 700, 8 s above (the knee). */
const knee = () => Array.from({ length: 30 }, (_, i) => 400 + 20 * i).map((tps) => hour(tps, tps <= 700 ? 3 : 8));
/** Night trickle: below a quarter of the peak, never busy, whatever its latency. */
const nights = () => Array.from({ length: 40 }, () => hour(50, 1));

describe('capacity at the latency SLO (COST-MODEL §11)', () => {
  it('measured: the busiest compliant hour, when busier hours violated the SLO', () => {
    const e = estimateCapacityAtSlo([...nights(), ...knee()], { e2e_p95_seconds: 5 }, 1500);
    expect(e.source).toBe('measured');
    expect(e.capacityTpsPerReplica).toBe(700);
    expect(e.sizingTpsPerReplica).toBe(700);
    expect(e.sizingSource).toBe('measured');
    expect(e.latencyBinds).toBe(true);
    expect(e.busyHours).toBe(30);
    expect(e.sloViolationHours).toBe(14); // 720 … 980
    expect(e.violationsBelowCapacity).toBe(0);
    expect(e.evidence.busiestCompliantHour!.tokensPerSecondPerReplica).toBe(700);
    expect(e.evidence.leastBusyViolatingHour!.tokensPerSecondPerReplica).toBe(720);
    expect(e.reason).toBe('measured at the SLO: 700 tok/s per replica (profile: 1500); 14 busier hour(s) violated it');
  });

  it('a measured capacity above the profile is used too (the profile was pessimistic), without binding on latency', () => {
    const e = estimateCapacityAtSlo(knee(), { e2e_p95_seconds: 5 }, 600);
    expect([e.source, e.sizingTpsPerReplica, e.latencyBinds]).toEqual(['measured', 700, false]);
  });

  it('a tighter SLO gives a lower capacity (the knee moves down)', () => {
    const hours = Array.from({ length: 30 }, (_, i) => 400 + 20 * i).map((tps) => hour(tps, 1 + tps / 200)); // e2e grows with load
    const loose = estimateCapacityAtSlo(hours, { e2e_p95_seconds: 5 }, 1500); // 1 + tps/200 ≤ 5 ⇔ tps ≤ 800
    const tight = estimateCapacityAtSlo(hours, { e2e_p95_seconds: 4 }, 1500); // ⇔ tps ≤ 600
    expect([loose.capacityTpsPerReplica, tight.capacityTpsPerReplica]).toEqual([800, 600]);
  });

  it('lower bound: no hour violated; used only when it exceeds the profile', () => {
    const hours = knee().map((h) => ({ ...h, e2eP95Seconds: 3 }));
    const below = estimateCapacityAtSlo(hours, { e2e_p95_seconds: 5 }, 1500);
    expect([below.source, below.capacityTpsPerReplica, below.sizingTpsPerReplica, below.sizingSource, below.latencyBinds]).toEqual(['lower_bound', 980, 1500, 'profile', false]);
    expect(below.reason).toContain('at least 980 tok/s per replica (profile: 1500); the lower bound does not exceed the profile');
    const above = estimateCapacityAtSlo(hours, { e2e_p95_seconds: 5 }, 800);
    expect([above.source, above.sizingTpsPerReplica, above.sizingSource]).toEqual(['lower_bound', 980, 'lower_bound']);
  });

  it('violations at or below the capacity are counted, but do not make the knee', () => {
    const hours = knee().map((h) => ({ ...h, e2eP95Seconds: 3 }));
    hours[5] = { ...hours[5]!, e2eP95Seconds: 9 }; // 500 tok/s, an outlier
    const e = estimateCapacityAtSlo(hours, { e2e_p95_seconds: 5 }, 1500);
    expect([e.source, e.capacityTpsPerReplica, e.sloViolationHours, e.violationsBelowCapacity]).toEqual(['lower_bound', 980, 1, 1]);
    expect(e.evidence.leastBusyViolatingHour!.tokensPerSecondPerReplica).toBe(500);
  });

  it('profile: fewer than 24 busy hours (few requests or light hours are not busy)', () => {
    const hours = knee().slice(0, 23);
    hours.push(hour(990, 3, 19)); // < 20 requests: not busy
    const e = estimateCapacityAtSlo([...nights(), ...hours], { e2e_p95_seconds: 5 }, 1500);
    expect([e.source, e.capacityTpsPerReplica, e.sizingTpsPerReplica, e.busyHours]).toEqual(['profile', null, 1500, 23]);
    expect(e.reason).toBe('only 23 busy hours with measured latency (at least 24 needed): the profile throughput is used');
  });

  it('profile: the SLO constrains a latency the engine does not export (TGI has no TTFT), or no SLO', () => {
    const noTtft = knee().map((h) => ({ ...h, ttftP95Seconds: null }));
    expect(estimateCapacityAtSlo(noTtft, { ttft_p95_seconds: 1 }, 1500)).toMatchObject({ source: 'profile', busyHours: 0 });
    // with both metrics constrained, an hour needs both
    expect(estimateCapacityAtSlo(noTtft, { ttft_p95_seconds: 1, e2e_p95_seconds: 5 }, 1500).busyHours).toBe(0);
    expect(estimateCapacityAtSlo(knee(), undefined, 1500)).toMatchObject({ source: 'profile', sizingTpsPerReplica: 1500, reason: 'no latency SLO set: the profile throughput is used' });
  });

  it('profile: every busy hour violated the SLO', () => {
    const e = estimateCapacityAtSlo(knee().map((h) => ({ ...h, e2eP95Seconds: 9 })), { e2e_p95_seconds: 5 }, 1500);
    expect([e.source, e.sloViolationHours, e.evidence.leastBusyViolatingHour!.tokensPerSecondPerReplica]).toEqual(['profile', 30, 400]);
  });

  it('both SLO metrics: an hour violates when either p95 exceeds its limit', () => {
    const hours = knee().map((h) => ({ ...h, e2eP95Seconds: 3, ttftP95Seconds: h.tokensPerSecondPerReplica > 800 ? 2 : 0.3 }));
    expect(estimateCapacityAtSlo(hours, { ttft_p95_seconds: 1, e2e_p95_seconds: 5 }, 1500).capacityTpsPerReplica).toBe(800);
  });

  it('the tightest SLO per metric of a deployment serving several features', () => {
    expect(tightestSlo([{ ttft_p95_seconds: 2 }, { ttft_p95_seconds: 1, e2e_p95_seconds: 9 }, undefined])).toEqual({ ttft_p95_seconds: 1, e2e_p95_seconds: 9 });
    expect(tightestSlo([undefined, null])).toBeNull();
  });

  it('hours from deployment totals: tokens ÷ 3600 ÷ replicas', () => {
    const [h] = capacityHours([{ hour: new Date(T), tokens: 7_200_000, requests: 40, e2eP95Seconds: 2 }], 2);
    expect(h).toEqual({ hour: new Date(T), tokensPerSecondPerReplica: 1000, requests: 40, ttftP95Seconds: null, e2eP95Seconds: 2 });
    expect(() => estimateCapacityAtSlo([hour(-1, 1)], { e2e_p95_seconds: 1 }, 1500)).toThrow(/tokensPerSecondPerReplica must be ≥ 0/);
  });
});

describe('right-sizing (COST-MODEL §11)', () => {
  // cap × u = 1000 × 0.7 = 700 tok/s per replica → per hour [min 1, 1, 1, 2, 1]
  const base = { hourlyTokensPerSecond: [0, 100, 700, 1400, 300], capacityTpsPerReplica: 1000, maxUtilization: 0.7, minReplicas: 1, currentReplicas: 3, replicaHourCost: '1.861' };

  it('static: the peak hour’s count every hour', () => {
    const r = rightSize({ ...base, provisioning: 'static' });
    expect(r).toMatchObject({ recommendedReplicas: 2, minHourReplicas: 2, recommendedReplicaHours: 10, currentReplicaHours: 15, monthlySaving: '9.305' });
    expect(r.peakUtilization).toBeCloseTo(1400 / 3000, 12);
    expect(r.averageUtilization).toBeCloseTo(2500 / 15_000, 12);
  });

  it('autoscale: hour by hour', () => {
    expect(rightSize({ ...base, provisioning: 'autoscale' })).toMatchObject({ recommendedReplicas: 2, minHourReplicas: 1, recommendedReplicaHours: 6, monthlySaving: '16.749' });
  });

  it('2 × L40S at 12 %: one replica meets the load, saving one replica-month', () => {
    const r = rightSize({ hourlyTokensPerSecond: Array(720).fill(0.12 * 2 * 1500), capacityTpsPerReplica: 1500, maxUtilization: 0.7, minReplicas: 1, provisioning: 'static', currentReplicas: 2, replicaHourCost: '1.861' });
    expect([r.recommendedReplicas, r.monthlySaving, r.averageUtilization]).toEqual([1, '1339.92', 0.12]);
  });

  it('under-provisioned: a negative saving; exact decimal money, never float noise', () => {
    const r = rightSize({ hourlyTokensPerSecond: [2000, 2000], capacityTpsPerReplica: 1000, maxUtilization: 0.7, minReplicas: 1, provisioning: 'static', currentReplicas: 2, replicaHourCost: '0.1' });
    expect([r.recommendedReplicas, r.monthlySaving]).toEqual([3, '-0.2']);
    expect(rightSize({ ...base, provisioning: 'static', replicaHourCost: '0.1', currentReplicas: 5 }).monthlySaving).toBe('1.5');
  });

  it('rejects bad inputs by name', () => {
    expect(() => rightSize({ ...base, provisioning: 'static', capacityTpsPerReplica: 0 })).toThrow(/capacityTpsPerReplica must be > 0/);
    expect(() => rightSize({ ...base, provisioning: 'static', replicaHourCost: '-1' })).toThrow(/replicaHourCost/);
    expect(() => rightSize({ ...base, provisioning: 'static', hourlyTokensPerSecond: [1, Number.NaN] })).toThrow(/hourlyTokensPerSecond\[1\]/);
  });
});
