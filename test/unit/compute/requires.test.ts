import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.ts';
import { modelFeature, type ModelInput } from '../../../src/compute/feature-model.ts';
import { D } from '../../../src/compute/money.ts';
import { hoursInMonth } from '../../../src/time.ts';

// features[].requires: the recommendation honours a hard constraint and prices it (issue 11).
const example = readFileSync(new URL('../../../breakeven.config.example.yaml', import.meta.url), 'utf8');
const month = new Date('2026-10-01T00:00:00Z');
const hours = hoursInMonth(month);

function withRequires(feature: string, requires: string[]) {
  const config = parseConfig(example, 'example');
  const f = config.features.find((x) => x.name === feature)!;
  f.requires = requires as typeof f.requires;
  return { config, feature: f };
}

function input(feature: string, requires: string[], over: Partial<ModelInput>): ModelInput {
  const { config, feature: f } = withRequires(feature, requires);
  const perHour = 3_000_000;
  return {
    config,
    feature: f,
    name: feature,
    architecture: f.architecture,
    month,
    actualCost: new D('20000'),
    tokens: { requests: 100_000, uncached: perHour * hours * 0.8, cacheRead: 0, cacheWrite: 0, output: perHour * hours * 0.2, byModel: [] },
    hourlyLoad: new Array<number>(hours).fill(perHour),
    opsShare: new D('0'),
    opsTotal: new D('4000'),
    selfTokensTotal: 0,
    dataMonths: 3,
    deploymentProfile: null,
    ...over,
  };
}

describe('features[].requires', () => {
  it('is validated: an unknown constraint is refused naming the key', () => {
    const bad = example.replace('    # requires: [data_residency]', '    requires: [cheap_gpus]');
    expect(() => parseConfig(bad, 'cfg.yaml')).toThrow(/features\[\d+\]\.requires\[0\]/);
    expect(parseConfig(example, 'example').features.every((f) => Array.isArray(f.requires))).toBe(true);
  });

  it('an API feature that may not use a third party is moved to self-hosting, and the extra cost is priced', () => {
    // code-review on gpt-4.1: the API is far cheaper than a static 8×H100 node, yet the API is ruled out.
    const free = modelFeature(input('code-review', [], { actualCost: new D('3000') }));
    expect(free.recommendation).toBe('api');
    const m = modelFeature(input('code-review', ['no_third_party'], { actualCost: new D('3000') }));
    expect(m.recommendation).toBe('self_hosted');
    expect(m.bindingFactor).toBe('requirement');
    const extra = new D(m.counterfactualCost!).minus(new D(m.fullyLoadedCost));
    expect(extra.gt(0)).toBe(true);
    const dollars = `$${extra.toDecimalPlaces(2).toNumber().toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
    expect(m.recommendationReason).toContain(`Moving to self-hosting is required by the no-third-party rule; it costs ${dollars}/month more than the API would`);
    // Following it saves nothing: the headline must not count a constraint's cost as a saving.
    expect(m.recommendedSaving).toBe('0');
  });

  it('a self-hosted feature under data residency is never sent to the API or a hybrid, however cheap the API is', () => {
    const cheapApi = { actualCost: new D('40000'), architecture: 'self_hosted' as const };
    const free = modelFeature(input('search-rerank', [], cheapApi));
    expect(free.recommendation).toBe('api');
    const m = modelFeature(input('search-rerank', ['data_residency'], cheapApi));
    expect(m.recommendation).toBe('self_hosted');
    expect(m.bindingFactor).toBe('requirement');
    expect(m.recommendationReason).toMatch(/^Self-hosting is required by data residency; it costs \$[\d,]+\.\d\d\/month more than the API would/);
    expect(m.recommendedSaving).toBe('0');
  });

  it('with too little data it still says no recommendation, naming the constraint', () => {
    const m = modelFeature(input('code-review', ['data_residency'], { dataMonths: 2 }));
    expect(m.recommendation).toBeNull();
    expect(m.recommendationReason).toBe('insufficient data: 2 of 3 months (self-hosting is required by data residency)');
  });
});
