import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { breakEven, type BreakEvenInput } from '../../../src/model/break-even.ts';
import { roundCents } from '../../../src/model/num.ts';

const M = 1_000_000;
// §5: a 4×A100 node at €5,400/month, 150 tok/s, utilization 1, 720 h → 388.8M tokens/month.
const node = { replicaMonthCost: 5400, overhead: 0, opsFixed: 0, tps: 150, maxUtilization: 1, hoursInMonth: 720 };

describe('breakEven (COST-MODEL §5 worked examples)', () => {
  it('capacity of the node and its cost per 1M at full capacity', () => {
    const r = breakEven({ ...node, apiPricePer1M: 10 });
    expect(r.capacityPerReplicaMonth).toBe(388.8 * M);
    expect(roundCents(r.selfCostPer1MAtFullCapacity!)).toBe(13.89);
    expect(r.selfCostPer1MAtFullCapacity!.toFixed(1)).toBe('13.9');
  });

  it.each([
    ['GPT-4 Turbo', 10, 540 * M],
    ['Claude Sonnet', 2.5, 2160 * M],
    ['Llama 70B on Bedrock', 3.2, 1687.5 * M],
  ])('%s at %s/1M: simple reading %s tokens, never with the capacity step; capacity binds', (_name, price, simple) => {
    const r = breakEven({ ...node, apiPricePer1M: price });
    expect(r.simpleVolume).toBeCloseTo(simple, 0);
    expect(r.simpleVolume!).toBeGreaterThan(r.capacityPerReplicaMonth!);
    expect(r.steppedVolume).toBeNull();
    expect(r.replicasAtBreakEven).toBeNull();
    expect(r.binding).toBe('capacity');
    expect(r.verdict).toMatch(/^never on this deployment/);
  });

  it('Gemini Flash at 0.075/1M: never, price binds, ~185× more per token', () => {
    const r = breakEven({ ...node, apiPricePer1M: 0.075 });
    expect(r.steppedVolume).toBeNull();
    expect(r.binding).toBe('price');
    // 13.8889 / 0.075 = 185.19 (the design text rounds this to "~186×")
    expect(r.priceRatio).toBeCloseTo(185.185, 2);
    expect(r.verdict).toMatch(/^never at this price/);
    expect(r.verdict).toContain('185.2×');
    expect(r.simpleVolume).toBeCloseTo(72_000 * M, 0);
  });

  it('above the full-capacity cost, one node breaks even at the simple volume (volume binds)', () => {
    const r = breakEven({ ...node, apiPricePer1M: 20 });
    expect(r.simpleVolume).toBeCloseTo(270 * M, 0);
    expect(r.steppedVolume).toBeCloseTo(270 * M, 0);
    expect(r.replicasAtBreakEven).toBe(1);
    expect(r.binding).toBe('volume');
  });

  it('with ops cost, break-even may need several replicas to amortise it (capacity binds)', () => {
    // cap = 10 × 3600 × 100 = 3.6M; R = 100, ops = 50; price 40/1M → 144 per full replica.
    // Step 1 earns at most 144 < 150; step 2: 288 ≥ 250 → V* = 250 / 40e-6 = 6.25M.
    const r = breakEven({ replicaMonthCost: 100, overhead: 0, opsFixed: 50, tps: 10, maxUtilization: 1, hoursInMonth: 100, apiPricePer1M: 40 });
    expect(r.replicasAtBreakEven).toBe(2);
    expect(r.steppedVolume).toBeCloseTo(6.25 * M, 3);
    expect(r.simpleVolume).toBeCloseTo(3.75 * M, 3);
    expect(r.binding).toBe('capacity');
    // price 60/1M: step 1 is enough → V* = 150 / 60e-6 = 2.5M
    const v = breakEven({ replicaMonthCost: 100, overhead: 0, opsFixed: 50, tps: 10, maxUtilization: 1, hoursInMonth: 100, apiPricePer1M: 60 });
    expect(v.replicasAtBreakEven).toBe(1);
    expect(v.steppedVolume).toBeCloseTo(2.5 * M, 3);
    expect(v.binding).toBe('volume');
  });

  it('overhead multiplies the replica cost, not ops', () => {
    const r = breakEven({ ...node, overhead: 0.3, opsFixed: 1000, apiPricePer1M: 100 });
    expect(r.simpleVolume).toBeCloseTo(((5400 * 1.3 + 1000) / 100) * M, 0);
  });

  it('without tps, capacity is ignored and only the simple reading remains', () => {
    const r = breakEven({ ...node, tps: null, apiPricePer1M: 10 });
    expect(r).toMatchObject({ capacityPerReplicaMonth: null, binding: 'volume' });
    expect(r.steppedVolume).toBeCloseTo(540 * M, 0);
  });

  it('a free API never loses', () => {
    const r = breakEven({ ...node, apiPricePer1M: 0 });
    expect(r).toMatchObject({ simpleVolume: null, steppedVolume: null, binding: 'price' });
  });
});

const inputArb = fc.record({
  replicaMonthCost: fc.double({ min: 1, max: 100_000, noNaN: true }),
  overhead: fc.double({ min: 0, max: 1, noNaN: true }),
  opsFixed: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 50_000, noNaN: true })),
  tps: fc.double({ min: 1, max: 20_000, noNaN: true }),
  maxUtilization: fc.double({ min: 0.05, max: 1, noNaN: true }),
  hoursInMonth: fc.constantFrom(672, 720, 730, 744),
});
const priceArb = fc.double({ min: 0.001, max: 200, noNaN: true });

/** C_self and C_api of §5, per token price. */
function costs(i: BreakEvenInput & { tps: number }, v: number) {
  const cap = i.tps * 3600 * i.hoursInMonth * i.maxUtilization;
  return { self: Math.ceil(v / cap) * i.replicaMonthCost * (1 + i.overhead) + i.opsFixed, api: (v * i.apiPricePer1M) / M, cap };
}

describe('breakEven properties', () => {
  it('stepped break-even never decreases when the API price falls', () => {
    fc.assert(
      fc.property(inputArb, priceArb, priceArb, (i, p1, p2) => {
        const hi = Math.max(p1, p2);
        const lo = Math.min(p1, p2);
        const a = breakEven({ ...i, apiPricePer1M: hi }).steppedVolume ?? Infinity;
        const b = breakEven({ ...i, apiPricePer1M: lo }).steppedVolume ?? Infinity;
        expect(a).toBeLessThanOrEqual(b);
      }),
      { numRuns: 2000 },
    );
  });

  it('stepped break-even is the first volume where self-hosting is no dearer (checked against the step function)', () => {
    fc.assert(
      fc.property(inputArb, priceArb, (i, apiPricePer1M) => {
        const input = { ...i, apiPricePer1M };
        const r = breakEven(input);
        const cap = r.capacityPerReplicaMonth!;
        const tol = 1e-9;
        if (r.steppedVolume === null) {
          // no step's best point (its right end) pays for itself, up to 1000 replicas
          const paying = [];
          for (let n = 1; n <= 1000; n++) {
            const c = costs(input, n * cap);
            if (c.self <= c.api * (1 - tol)) paying.push(n);
          }
          expect(paying).toEqual([]);
          return;
        }
        const n = r.replicasAtBreakEven!;
        const at = costs(input, r.steppedVolume);
        expect(r.steppedVolume).toBeGreaterThan((n - 1) * cap * (1 - tol));
        expect(r.steppedVolume).toBeLessThanOrEqual(n * cap * (1 + tol));
        expect(at.self).toBeLessThanOrEqual(at.api * (1 + tol) + tol);
        const earlier = [];
        for (let k = 1; k < n; k++) {
          const c = costs(input, k * cap);
          if (c.self <= c.api * (1 - tol)) earlier.push(k);
        }
        expect(earlier).toEqual([]);
        // just below V* inside the same step, the API is still cheaper
        const below = Math.max((n - 1) * cap, r.steppedVolume * (1 - 1e-6));
        if (below > (n - 1) * cap) expect(costs(input, below).self).toBeGreaterThan(costs(input, below).api);
      }),
      { numRuns: 1000 },
    );
  });
});
