import { Resvg } from '@resvg/resvg-js';
import { describe, expect, it } from 'vitest';
import { breakEvenChart, breakEvenCurveFrom } from '../../../src/reports/charts/break-even.ts';
import { dailySpendChart } from '../../../src/reports/charts/daily-spend.ts';
import { loadCapacityChart } from '../../../src/reports/charts/load-capacity.ts';
import { escapeXml } from '../../../src/reports/charts/svg.ts';
import { svgToPng } from '../../../src/reports/charts/png.ts';

const EVIL = `<script>alert("x")</script> & 'quotes'`;

describe('charts', () => {
  it('escapes XML special characters', () => {
    expect(escapeXml(EVIL)).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;');
  });

  it('escapes names in SVG text and the result still parses as SVG', () => {
    const curve = breakEvenCurveFrom(EVIL, { break_even: { capacityPerReplicaMonth: 388_800_000, replicaMonthCost: 5400, apiPricePer1M: 10 }, overheads: { self_hosted: 0 } }, 200e6, 540e6, '€');
    expect(curve).not.toBeNull();
    const svgs = [
      breakEvenChart(curve!),
      loadCapacityChart(EVIL, 48, [{ hour: 0, tokensPerSecond: 10, capacity: 100 }, { hour: 1, tokensPerSecond: 20, capacity: 100 }], 0.7),
      dailySpendChart(EVIL, [{ day: '2026-10-01', api: 1, selfHosted: 2, unattributed: 0.5, estimated: true }], '$'),
    ];
    for (const svg of svgs) {
      expect(svg).not.toContain('<script>');
      expect(svg).toContain('&lt;script&gt;');
      // resvg rejects malformed XML; a PNG back means the markup is well-formed.
      const png = svgToPng(svg, 300);
      expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
      expect(new Resvg(svg).width).toBeGreaterThan(0);
    }
  });

  it('draws the break-even marker where the API line meets the step (COST-MODEL worked example)', () => {
    // 4×A100 node at €5,400/month, ~388.8M tokens/month; GPT-4 Turbo at €10/1M → 540M simple break-even.
    const curve = breakEvenCurveFrom('x', { break_even: { capacityPerReplicaMonth: 388_800_000, replicaMonthCost: '5400', apiPricePer1M: '10' } }, 100e6, 540e6, '€')!;
    expect(curve.replicaMonthCost).toBe(5400);
    const svg = breakEvenChart(curve);
    expect(svg).toContain('break-even 540M');
    expect(svg).toContain('this month 100M');
    // Two replicas' worth of steps are drawn (540M > one replica's 388.8M).
    expect((svg.match(/ V/g) ?? []).length).toBeGreaterThanOrEqual(1);
  });

  it('says so instead of drawing when assumptions lack the inputs', () => {
    expect(breakEvenCurveFrom('x', {}, 1, null, '$')).toBeNull();
    expect(breakEvenCurveFrom('x', { break_even: { apiPricePer1M: 1 } }, 1, null, '$')).toBeNull();
  });

  it('is deterministic', () => {
    const a = dailySpendChart('Oct', [{ day: '2026-10-01', api: 1 / 3, selfHosted: 2 / 3, unattributed: 0, estimated: false }], '$');
    const b = dailySpendChart('Oct', [{ day: '2026-10-01', api: 1 / 3, selfHosted: 2 / 3, unattributed: 0, estimated: false }], '$');
    expect(a).toBe(b);
  });
});

describe('curveCrossing', () => {
  it('finds the stepped break-even or none', async () => {
    const { curveCrossing } = await import('../../../src/reports/charts/break-even.ts');
    const base = { feature: 'x', currencySymbol: '€', capacityPerReplicaMonth: 388_800_000, replicaMonthCost: 5400, fixedMonthCost: 0, volume: 0, breakEvenVolume: null };
    // €10/1M: one node costs less than the API from 540M, but one node holds only 388.8M → never (COST-MODEL §5).
    expect(curveCrossing({ ...base, apiPricePer1M: 10 })).toBeNull();
    // At €20/1M the first replica pays for itself at 270M.
    expect(curveCrossing({ ...base, apiPricePer1M: 20 })).toBeCloseTo(270_000_000, -3);
  });
});
