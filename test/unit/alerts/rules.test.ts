import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { median, projectMonthEnd, spike } from '../../../src/alerts/rules.ts';
import { configSchema } from '../../../src/config/schema.ts';

const d = (xs: number[]) => xs.map((x) => new Decimal(x));

describe('alert rules', () => {
  it('median of odd and even counts; none for no values', () => {
    expect(median(d([3, 1, 2]))!.toString()).toBe('2');
    expect(median(d([4, 1, 3, 2]))!.toString()).toBe('2.5');
    expect(median([])).toBeNull();
  });

  it('projects month-end spend at the average daily rate so far', () => {
    expect(projectMonthEnd(new Decimal('100'), 10, 30).toString()).toBe('300');
    expect(projectMonthEnd(new Decimal('31'), 31, 31).toString()).toBe('31');
    expect(() => projectMonthEnd(new Decimal(1), 0, 30)).toThrow(RangeError);
  });

  it('a spike is strictly above factor × the trailing median; no baseline raises nothing', () => {
    const trailing = d([10, 10, 10, 0, 10, 10, 10, 10, 10, 10, 10, 10, 10, 50]);
    expect(spike(new Decimal(30), trailing, 3)).toMatchObject({ spiking: false });
    expect(spike(new Decimal('30.01'), trailing, 3).spiking).toBe(true);
    expect(spike(new Decimal(1000), d(Array(14).fill(0)), 2)).toMatchObject({ spiking: false, threshold: null });
  });
});

describe('alerts and report.channels config', () => {
  const base = { features: [{ name: 'chat', architecture: 'api', rules: [{ source: 'openai', project_id: 'p' }], counterfactual: {} }] };
  const issues = (extra: Record<string, unknown>) => {
    const r = configSchema.safeParse({ ...base, ...extra });
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('accepts budgets, spike factors and both channel types', () => {
    expect(issues({ alerts: [{ feature: 'chat', monthly_budget: 2500, daily_spike_factor: 2 }, { daily_spike_factor: 3 }], report: { channels: [{ type: 'email', to: ['a@example.com'] }, { type: 'slack', csv_url: 'https://x.example/r-{month}.csv' }] } })).toEqual([]);
  });

  it('names the bad key', () => {
    expect(issues({ alerts: [{ feature: 'nope', daily_spike_factor: 2 }] })).toEqual(['alerts.0.feature: unknown feature nope']);
    expect(issues({ alerts: [{ feature: 'chat' }] })).toEqual(['alerts.0: an alert needs monthly_budget, daily_spike_factor or both']);
    expect(issues({ alerts: [{ daily_spike_factor: 1 }] })[0]).toMatch(/^alerts\.0\.daily_spike_factor: expected a factor above 1/);
    expect(issues({ alerts: [{ monthly_budget: '-5' }] })[0]).toMatch(/^alerts\.0\.monthly_budget: expected a positive decimal/);
    expect(issues({ report: { channels: [{ type: 'teams' }] } })[0]).toMatch(/^report\.channels\.0\.type/);
    expect(issues({ report: { channels: [{ type: 'slack', webhook: 'x' }] } })[0]).toMatch(/^report\.channels\.0: Unrecognized key/);
  });
});
