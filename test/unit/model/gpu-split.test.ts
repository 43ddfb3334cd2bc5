import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Decimal } from 'decimal.js';
import { splitPoolCost } from '../../../src/model/gpu-split.ts';

const sum = (xs: string[]) => xs.reduce((a, x) => a.plus(x), new Decimal(0)).toFixed();

describe('splitPoolCost', () => {
  it('splits a pool-hour by GPU-hours with idle kept separate', () => {
    // One p5 node (8 GPUs, $98.32/h effective): vllm-a holds 4 GPUs, a MIG tenant 0.5, 3.5 idle.
    const r = splitPoolCost({
      cost: '98.32',
      deployments: [
        { deployment: 'vllm-a', hour: 'h0', gpuHours: '4' },
        { deployment: 'mig-tenant', hour: 'h0', gpuHours: '0.5' },
      ],
      idle: [{ node: 'ip-10-0-1-5', hour: 'h0', gpuHours: '3.5' }],
    });
    // 98.32 × 4/8 = 49.16; × 0.5/8 = 6.145; × 3.5/8 = 43.015 → one cent left over, to the first largest remainder.
    expect(r.deployments.map((d) => d.cost)).toEqual(['49.16', '6.15']);
    expect(r.idle[0]!.cost).toBe('43.01');
    expect(r.idleCost).toBe('43.01');
    expect(sum([...r.deployments.map((d) => d.cost), r.idleCost])).toBe('98.32');
    expect(r.unsharedCost).toBe('0.00');
  });

  it('sums a day of hours per deployment and stays exact at the bill’s own precision', () => {
    const deployments = Array.from({ length: 24 }, (_, h) => [
      { deployment: 'a', hour: `h${h}`, gpuHours: '1' },
      { deployment: 'b', hour: `h${h}`, gpuHours: h < 12 ? '0.25' : '0' },
    ]).flat();
    const r = splitPoolCost({ cost: '100.0000000001', deployments, idle: [{ node: 'n1', hour: 'h3', gpuHours: '2.75' }] });
    expect(r.byDeployment.map((d) => d.deployment)).toEqual(['a', 'b']);
    expect(r.byDeployment[0]!.gpuHours).toBe('24');
    expect(r.byDeployment[1]!.gpuHours).toBe('3');
    // 24 : 3 : 2.75 of 29.75 GPU-hours; each of a's 24 cells is within one unit (1e-10) of exact.
    expect(new Decimal(r.byDeployment[0]!.cost).minus(new Decimal('100.0000000001').times(24).div('29.75')).abs().lte('0.0000000024')).toBe(true);
    expect(sum([...r.byDeployment.map((d) => d.cost), r.idleCost])).toBe('100.0000000001');
  });

  it('keeps a pool with no GPU-hours at all as unshared, never spread evenly', () => {
    const r = splitPoolCost({ cost: '12.34', deployments: [{ deployment: 'a', hour: 'h', gpuHours: '0' }], idle: [{ node: 'n', hour: 'h', gpuHours: null }] });
    expect(r.deployments[0]!.cost).toBe('0.00');
    expect(r.idle[0]!.cost).toBe('0.00');
    expect(r.unsharedCost).toBe('12.34');
    expect(r.idleUnknown).toBe(1);
  });

  it('treats negative idle (an over-committed node) as none and refuses negative deployment hours', () => {
    const r = splitPoolCost({ cost: '10', deployments: [{ deployment: 'a', hour: 'h', gpuHours: '1' }], idle: [{ node: 'n', hour: 'h', gpuHours: '-0.2' }] });
    expect(r.deployments[0]!.cost).toBe('10.00');
    expect(r.idleCost).toBe('0.00');
    expect(() => splitPoolCost({ cost: '10', deployments: [{ deployment: 'a', hour: 'h', gpuHours: '-1' }], idle: [] })).toThrow(/deployments\[0\]\.gpuHours must not be negative/);
    expect(() => splitPoolCost({ cost: '10', deployments: [{ deployment: 'a', hour: 'h', gpuHours: 'x' }], idle: [] })).toThrow(/not a decimal/);
  });

  it('splits credits (negative bills) as the mirror image', () => {
    const r = splitPoolCost({ cost: '-1.00', deployments: [{ deployment: 'a', hour: 'h', gpuHours: '1' }, { deployment: 'b', hour: 'h', gpuHours: '2' }], idle: [] });
    expect(r.deployments.map((d) => d.cost)).toEqual(['-0.33', '-0.67']);
  });

  it('property: the parts always sum to the bill exactly, proportional within one unit', () => {
    const hours = fc.integer({ min: 0, max: 8_000_000 }).map((n) => new Decimal(n).div(1_000_000).toFixed());
    fc.assert(
      fc.property(
        fc.bigInt({ min: -10_000_000n, max: 1_000_000_000n }).map((c) => new Decimal(c.toString()).div(100).toFixed(2)),
        fc.array(hours, { minLength: 1, maxLength: 30 }),
        fc.array(fc.option(hours, { nil: null }), { maxLength: 10 }),
        (cost, dep, idle) => {
          const r = splitPoolCost({
            cost,
            deployments: dep.map((g, i) => ({ deployment: `d${i % 4}`, hour: `h${i}`, gpuHours: g })),
            idle: idle.map((g, i) => ({ node: `n${i}`, hour: 'h', gpuHours: g })),
          });
          const parts = [...r.deployments.map((d) => d.cost), ...r.idle.map((d) => d.cost), r.unsharedCost];
          expect(new Decimal(sum(parts)).eq(cost)).toBe(true);
          expect(new Decimal(sum(r.byDeployment.map((d) => d.cost))).plus(r.idleCost).plus(r.unsharedCost).eq(cost)).toBe(true);
          const total = [...dep, ...idle.map((g) => g ?? '0')].reduce((a, g) => a.plus(g), new Decimal(0));
          if (total.gt(0)) {
            r.deployments.forEach((d) => {
              const exact = new Decimal(cost).times(d.gpuHours).div(total);
              expect(exact.minus(d.cost).abs().lte('0.01')).toBe(true);
            });
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
