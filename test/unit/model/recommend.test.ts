import { describe, expect, it } from 'vitest';
import { recommend, SWITCH_MARGIN } from '../../../src/model/recommend.ts';

const enough = { dataMonths: 3, minMonths: 3 };

describe('recommend (COST-MODEL §7)', () => {
  it('insufficient data: no recommendation, says n of 3 months', () => {
    const r = recommend({ architecture: 'api', dataMonths: 2, minMonths: 3, actualCost: 1000, counterfactualCost: 100 });
    expect(r).toMatchObject({ recommendation: null, sufficient: false, reason: 'insufficient data: 2 of 3 months', label: 'insufficient data' });
  });

  it('API feature far above break-even: self-host, volume binds', () => {
    const r = recommend({ architecture: 'api', ...enough, actualCost: '10000.00', counterfactualCost: 6000 });
    expect(r).toMatchObject({ recommendation: 'self_hosted', label: 'self-hosted', binding: 'volume', sufficient: true });
    expect(r.reason).toContain('40%');
  });

  it('a saving under the switching margin keeps the current architecture', () => {
    expect(SWITCH_MARGIN).toBe(0.1);
    const r = recommend({ architecture: 'api', ...enough, actualCost: 1000, counterfactualCost: 950, breakEven: { binding: 'capacity' } });
    expect(r.recommendation).toBe('api');
    expect(r.binding).toBe('capacity');
    expect(r.reason).toMatch(/save only 5%, below the 10% switching margin/);
    // exactly at the margin moves
    expect(recommend({ architecture: 'api', ...enough, actualCost: 1000, counterfactualCost: 900 }).recommendation).toBe('self_hosted');
  });

  it('API is cheapest and the break-even says price binds', () => {
    const r = recommend({ architecture: 'api', ...enough, actualCost: 100, counterfactualCost: 5000, breakEven: { binding: 'price' } });
    expect(r).toMatchObject({ recommendation: 'api', label: 'api', binding: 'price' });
  });

  it('latency binds where the SLO, not throughput, sets the replica count and self-hosting does not win', () => {
    const api = { architecture: 'api' as const, ...enough, actualCost: 100, counterfactualCost: 5000, breakEven: { binding: 'price' as const } };
    expect(recommend({ ...api, latencyBinds: true })).toMatchObject({ recommendation: 'api', binding: 'latency' });
    expect(recommend({ ...api, latencyBinds: false }).binding).toBe('price');
    // Self-hosted idle deployment: the SLO that sized it outranks the utilization it then shows.
    expect(recommend({ architecture: 'self_hosted', ...enough, actualCost: 5000, counterfactualCost: 800, utilization: 0.12, latencyBinds: true }).binding).toBe('latency');
    // Self-hosting wins despite the SLO: its volume decides.
    expect(recommend({ architecture: 'api', ...enough, actualCost: 10000, counterfactualCost: 6000, latencyBinds: true }).binding).toBe('volume');
  });

  it('idle self-hosted deployment: move to the API, utilization binds', () => {
    const r = recommend({ architecture: 'self_hosted', ...enough, actualCost: 5000, counterfactualCost: 800, utilization: 0.12 });
    expect(r).toMatchObject({ recommendation: 'api', binding: 'utilization' });
  });

  it('hybrid wins when it is cheapest by the margin', () => {
    const r = recommend({ architecture: 'api', ...enough, actualCost: 1000, counterfactualCost: 1200, hybrid: { replicas: 2, cost: 700, peakReplicas: 5 } });
    expect(r).toMatchObject({ recommendation: 'hybrid', label: 'hybrid (2 replicas)', binding: 'utilization' });
  });

  it('a "hybrid" at N = 0 or N = peak is not a hybrid', () => {
    expect(recommend({ architecture: 'api', ...enough, actualCost: 1000, counterfactualCost: 1200, hybrid: { replicas: 0, cost: 700 } }).recommendation).toBe('api');
    expect(recommend({ architecture: 'api', ...enough, actualCost: 1000, counterfactualCost: 1200, hybrid: { replicas: 5, cost: 700, peakReplicas: 5 } }).recommendation).toBe('api');
  });
});
