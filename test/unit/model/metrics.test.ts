import { describe, expect, it } from 'vitest';
import { cacheHitRate, capacityTokens, costPerRequest, idleShare, measuredTpsPerGpu, monthOverMonth, ratePer1M, tokenUtilization, tokensPerRequest } from '../../../src/model/metrics.ts';

describe('FinOps metrics (COST-MODEL §8)', () => {
  it('token utilization = tokens ÷ capacity', () => {
    const cap = capacityTokens(1500, 2, 720);
    expect(cap).toBe(7_776_000_000);
    expect(tokenUtilization(1_944_000_000, cap)).toBeCloseTo(0.25, 12);
    expect(tokenUtilization(5, 0)).toBeNull();
  });

  it('per-request figures accept decimal strings', () => {
    expect(costPerRequest('12.50', 500)).toBeCloseTo(0.025, 12);
    expect(tokensPerRequest(1_200_000, '400')).toBe(3000);
    expect(costPerRequest('1', 0)).toBeNull();
  });

  it('rates, hit rate, measured throughput, idle share', () => {
    expect(ratePer1M('3.00', 2_000_000)).toBeCloseTo(1.5, 12);
    expect(cacheHitRate(30, 120)).toBe(0.25);
    expect(measuredTpsPerGpu(5_400_000, 1)).toBe(1500);
    expect(idleShare(25, 100)).toBe(0.25);
  });

  it('month-over-month change', () => {
    expect(monthOverMonth(125, 100)).toBeCloseTo(0.25, 12);
    expect(monthOverMonth('80', '100')).toBeCloseTo(-0.2, 12);
    expect(monthOverMonth(10, 0)).toBeNull();
    expect(monthOverMonth(10, null)).toBeNull();
  });
});
