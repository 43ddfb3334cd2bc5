import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { hybridOptimum } from '../../../src/model/hybrid.ts';
import { apiToSelfHosted } from '../../../src/model/counterfactual.ts';
import { capacityPerReplicaHour } from '../../../src/model/sizing.ts';

describe('hybridOptimum (COST-MODEL §6)', () => {
  // cap 100 tokens/replica-hour, 1/replica-hour, API 0.03/token: C(0)=15, C(1)=4+6=10, C(2)=8+3=11, C(3)=12
  const input = { hourlyTokens: [100, 100, 300, 0], capPerReplicaHour: 100, replicaHourCost: 1, overhead: 0, opsFixed: 0, apiPricePer1M: 30_000 };

  it('finds the cheapest N and reports shares and savings', () => {
    const r = hybridOptimum(input);
    expect(r.replicas).toBe(1);
    expect(r.peakReplicas).toBe(3);
    expect(r.cost).toBeCloseTo(10, 9);
    expect(r.allApiCost).toBeCloseTo(15, 9);
    expect(r.allSelfCost).toBeCloseTo(12, 9);
    expect(r.localShare).toBeCloseTo(0.6, 12);
    expect(r.savingsVsApi).toBeCloseTo(5, 9);
    expect(r.savingsVsSelf).toBeCloseTo(2, 9);
  });

  it('ops cost is paid once any replica runs', () => {
    const r = hybridOptimum({ ...input, opsFixed: 6 });
    // C(1)=16, C(3)=18 > C(0)=15
    expect(r.replicas).toBe(0);
    expect(r.cost).toBeCloseTo(15, 9);
    expect(r.localShare).toBe(0);
  });

  it('no load: zero everything', () => {
    expect(hybridOptimum({ ...input, hourlyTokens: [0, 0] })).toMatchObject({ replicas: 0, cost: 0, localShare: 0, allSelfCost: 0, peakReplicas: 0 });
  });
});

const hoursArb = fc.array(fc.integer({ min: 0, max: 50_000_000 }), { minLength: 1, maxLength: 96 });

describe('hybridOptimum properties', () => {
  it('never costs more than the cheaper pure architecture, and N = peak is the static all-self-hosted cost', () => {
    fc.assert(
      fc.property(
        hoursArb,
        fc.double({ min: 100, max: 5_000, noNaN: true }),
        fc.double({ min: 0.1, max: 1, noNaN: true }),
        fc.double({ min: 0.1, max: 100, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 5_000, noNaN: true }),
        fc.double({ min: 0.01, max: 50, noNaN: true }),
        (hourlyTokens, tps, maxUtilization, replicaHourCost, overhead, opsFixed, apiPricePer1M) => {
          const capPerReplicaHour = capacityPerReplicaHour(tps, maxUtilization);
          const r = hybridOptimum({ hourlyTokens, capPerReplicaHour, replicaHourCost, overhead, opsFixed, apiPricePer1M });
          expect(r.cost).toBeLessThanOrEqual(Math.min(r.allApiCost, r.allSelfCost));
          expect(r.savingsVsApi).toBeGreaterThanOrEqual(0);
          expect(r.savingsVsSelf).toBeGreaterThanOrEqual(0);
          const apiOnly = (hourlyTokens.reduce((a, b) => a + b, 0) * apiPricePer1M) / 1_000_000;
          expect(r.allApiCost).toBeCloseTo(apiOnly, 6);
          const st = apiToSelfHosted({ hourlyTokens, tps, maxUtilization, minReplicas: 0, provisioning: 'static', replicaHourCost, overhead, opsMonthly: opsFixed });
          expect(r.peakReplicas).toBe(st.peakReplicas);
          expect(r.allSelfCost).toBeCloseTo(st.cost, 6);
        },
      ),
      { numRuns: 500 },
    );
  });
});
