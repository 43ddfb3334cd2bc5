import { describe, expect, it } from 'vitest';
import { roundCents, selfHostedCostPer1M } from '../../../src/model/selfhost.ts';

describe('selfHostedCostPer1M (COST-MODEL §2)', () => {
  it.each([
    ['8B on L40S, steady copilot', 1.5, 1500, 0.28, 0.36],
    ['8B on A100 80 GB, spiky chat', 3.5, 700, 1.39, 1.81],
    ['70B on 8×H100 node', 96, 1200, 22.22, 28.89],
  ])('%s: %s/h at %s tok/s → %s before, %s with 30 %% overhead', (_case, gpuHourly, tokensPerSecond, before, after) => {
    const r = selfHostedCostPer1M({ gpuHourly, tokensPerSecond, overhead: 0.3 });
    expect(roundCents(r.beforeOverhead)).toBe(before);
    expect(roundCents(r.afterOverhead)).toBe(after);
  });

  it('keeps the unrounded values', () => {
    const r = selfHostedCostPer1M({ gpuHourly: 1.5, tokensPerSecond: 1500, overhead: 0.3 });
    expect(r.beforeOverhead).toBeCloseTo(0.277777777, 8);
    expect(r.afterOverhead).toBeCloseTo(0.361111111, 8);
  });

  it('rejects non-positive throughput', () => {
    expect(() => selfHostedCostPer1M({ gpuHourly: 1, tokensPerSecond: 0, overhead: 0 })).toThrow(/tokensPerSecond/);
  });

  it('roundCents rounds half away from zero on the decimal form', () => {
    expect(roundCents(1.005)).toBe(1.01);
    expect(roundCents(-1.005)).toBe(-1.01);
    expect(roundCents(2.675)).toBe(2.68);
  });
});
