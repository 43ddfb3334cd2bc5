import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { apiToSelfHosted, selfHostedToApi } from '../../../src/model/counterfactual.ts';

const M = 1_000_000;
const base = { tps: 1000, maxUtilization: 1, minReplicas: 1, replicaHourCost: 2, overhead: 0.3, opsMonthly: 10 };
// tokens/h → replicas at 1000 tok/s: 0 → 0 (min 1), 3.6M → 1, 7.2M → 2, 1.8M → 1
const hourlyTokens = [0, 3.6 * M, 7.2 * M, 1.8 * M];

describe('apiToSelfHosted (COST-MODEL §4)', () => {
  it('static pays the peak every hour', () => {
    const r = apiToSelfHosted({ ...base, hourlyTokens, provisioning: 'static' });
    expect(r.replicasPerHour).toEqual([2, 2, 2, 2]);
    expect(r.peakReplicas).toBe(2);
    expect(r.replicaHours).toBe(8);
    expect(r.cost).toBeCloseTo(8 * 2 * 1.3 + 10, 9);
    expect(r.impliedUtilization).toBeCloseTo(12.6 / 28.8, 12);
    expect(r.bound).toBe('throughput');
    expect(r.ratePer1M).toBeCloseTo((30.8 / 12.6e6) * M, 9);
  });

  it('autoscale pays each hour, at least min_replicas', () => {
    const r = apiToSelfHosted({ ...base, hourlyTokens, provisioning: 'autoscale' });
    expect(r.replicasPerHour).toEqual([1, 1, 2, 1]);
    expect(r.replicaHours).toBe(5);
    expect(r.cost).toBeCloseTo(5 * 2 * 1.3 + 10, 9);
    expect(r.impliedUtilization).toBeCloseTo(0.7, 12);
  });

  it('memory bound raises the replicas where sessions need it', () => {
    const memoryReplicasPerHour = [0, 0, 0, 3];
    const st = apiToSelfHosted({ ...base, hourlyTokens, provisioning: 'static', memoryReplicasPerHour });
    expect(st.peakReplicas).toBe(3);
    expect(st.replicaHours).toBe(12);
    expect(st.bound).toBe('memory');
    const au = apiToSelfHosted({ ...base, hourlyTokens, provisioning: 'autoscale', memoryReplicasPerHour });
    expect(au.replicasPerHour).toEqual([1, 1, 2, 3]);
    expect(au.bound).toBe('throughput');
  });

  it('no load and min_replicas 0: nothing runs, no ops cost', () => {
    const r = apiToSelfHosted({ ...base, minReplicas: 0, hourlyTokens: [0, 0], provisioning: 'static' });
    expect(r).toMatchObject({ cost: 0, replicaHours: 0, impliedUtilization: 0, ratePer1M: null });
  });

  it('rejects mismatched memory hours', () => {
    expect(() => apiToSelfHosted({ ...base, hourlyTokens, provisioning: 'static', memoryReplicasPerHour: [1] })).toThrow(/memoryReplicasPerHour/);
  });
});

describe('selfHostedToApi (COST-MODEL §4)', () => {
  const prices = { inputPer1M: 0.15, cachedInputPer1M: 0.075, cacheWritePer1M: 0.1875, outputPer1M: 0.6 };

  it('prices each token class, then batch discount and API overhead', () => {
    const r = selfHostedToApi({ uncachedInputTokens: 1 * M, cacheReadTokens: 2 * M, cacheWriteTokens: 0, outputTokens: 0.5 * M, prices, batchDiscount: 0.5, apiOverhead: 0.1 });
    expect(r.cost).toBeCloseTo((0.15 + 0.15 + 0.3) * 0.5 * 1.1, 12);
    expect(r.ratePer1M).toBeCloseTo((0.33 / 3.5e6) * M, 12);
  });

  it('no tokens: zero cost, no rate', () => {
    expect(selfHostedToApi({ uncachedInputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, outputTokens: 0, prices, batchDiscount: 0, apiOverhead: 0 })).toEqual({ cost: 0, ratePer1M: null });
  });

  it('property: equals Σ token classes × prices (× discount, × overhead)', () => {
    const tokens = fc.integer({ min: 0, max: 10_000_000_000 });
    const price = fc.double({ min: 0, max: 100, noNaN: true });
    fc.assert(
      fc.property(tokens, tokens, tokens, tokens, price, price, price, price, fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }),
        (u, r, w, o, pi, pc, pw, po, batch, overhead) => {
          const got = selfHostedToApi({ uncachedInputTokens: u, cacheReadTokens: r, cacheWriteTokens: w, outputTokens: o, prices: { inputPer1M: pi, cachedInputPer1M: pc, cacheWritePer1M: pw, outputPer1M: po }, batchDiscount: batch, apiOverhead: overhead });
          const classes = [u * pi, r * pc, w * pw, o * po].map((x) => (x / M) * (1 - batch) * (1 + overhead));
          const expected = classes.reduce((a, b) => a + b, 0);
          expect(got.cost).toBeCloseTo(expected, 6);
          expect(Math.abs(got.cost - expected)).toBeLessThanOrEqual(1e-9 * Math.max(1, expected));
        }),
      { numRuns: 500 },
    );
  });
});
