import { calcPrice } from '@pydantic/genai-prices';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { configSchema, type Config } from '../../../src/config/schema.ts';
import { InputError } from '../../../src/errors.ts';
import { listPrice, priceUsage, unitPrices, type UsageToPrice } from '../../../src/prices/catalog.ts';
import { modelIdCandidates } from '../../../src/prices/model-id.ts';

const defaults = configSchema.parse({});
const withOverrides = (overrides: unknown[]): Config => configSchema.parse({ prices: { overrides } });
const JUNE_2025 = new Date('2025-06-01T00:00:00Z');
const M = 1_000_000;

function usage(over: Partial<UsageToPrice> & Pick<UsageToPrice, 'provider' | 'model'>): UsageToPrice {
  return { at: JUNE_2025, uncachedInputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, outputTokens: 0, ...over };
}

describe('priceUsage at list price', () => {
  it('gpt-4.1: 1M uncached input + 1M output = $2 + $8', () => {
    const r = priceUsage(usage({ provider: 'openai', model: 'gpt-4.1', uncachedInputTokens: M, outputTokens: M }), defaults);
    expect(r).toEqual({ priced: true, cost: '10', listCost: '10', currency: 'USD', modelRef: 'openai:gpt-4.1' });
  });

  it('resolves dated snapshot ids to their catalog model', () => {
    const cases: Array<[string, string, string]> = [
      ['openai', 'gpt-4.1-2025-04-14', 'openai:gpt-4.1'],
      ['openai', 'gpt-4o-mini-2024-07-18', 'openai:gpt-4o-mini'],
      ['openai', 'gpt-4.1-mini-2025-04-14', 'openai:gpt-4.1-mini'],
      ['anthropic', 'claude-sonnet-4-20250514', 'anthropic:claude-sonnet-4-0'],
      ['anthropic', 'claude-3-5-haiku-20241022', 'anthropic:claude-3-5-haiku-latest'],
      ['openai', 'openai/gpt-4o-mini-2024-07-18', 'openai:gpt-4o-mini'],
      ['openai', ' GPT-4.1 ', 'openai:gpt-4.1'],
    ];
    for (const [provider, model, ref] of cases) {
      const r = priceUsage(usage({ provider, model, uncachedInputTokens: 1 }), defaults);
      expect(r, model).toMatchObject({ priced: true, modelRef: ref });
    }
    // gpt-4o-mini: $0.15 in, $0.60 out.
    expect(priceUsage(usage({ provider: 'openai', model: 'gpt-4o-mini-2024-07-18', uncachedInputTokens: M, outputTokens: M }), defaults)).toMatchObject({
      cost: '0.75',
    });
  });

  it('prices cache reads at the cache rate and OpenAI cache writes at the input rate', () => {
    // gpt-4.1: $2 input, $0.50 cached input, no separate write price.
    const reads = priceUsage(usage({ provider: 'openai', model: 'gpt-4.1', cacheReadTokens: M }), defaults);
    expect(reads).toMatchObject({ priced: true, cost: '0.5' });
    const writes = priceUsage(usage({ provider: 'openai', model: 'gpt-4.1', cacheWriteTokens: M }), defaults);
    expect(writes).toMatchObject({ priced: true, cost: '2' });
  });

  it('prices Anthropic 5-minute and 1-hour cache writes at their own rates', () => {
    const base = { provider: 'anthropic', model: 'claude-sonnet-4-20250514' };
    // Sonnet 4: $3 input, $3.75 5m write, $6 1h write, $0.30 read, $15 output.
    expect(priceUsage(usage({ ...base, cacheWriteTokens: M }), defaults)).toMatchObject({ cost: '3.75' });
    expect(priceUsage(usage({ ...base, cacheWrite1hTokens: M }), defaults)).toMatchObject({ cost: '6' });
    expect(priceUsage(usage({ ...base, cacheReadTokens: M }), defaults)).toMatchObject({ cost: '0.3' });
    const all = priceUsage(
      usage({ ...base, uncachedInputTokens: 2 * M, cacheReadTokens: 10 * M, cacheWriteTokens: M, cacheWrite1hTokens: M, outputTokens: M }),
      defaults,
    );
    expect(all).toMatchObject({ priced: true, cost: '33.75' }); // 6 + 3 + 3.75 + 6 + 15
    // Same figure from the library, whose input_tokens is the total incl. cache reads and writes.
    const lib = calcPrice(
      { input_tokens: 14 * M, cache_read_tokens: 10 * M, cache_write_tokens: 2 * M, cache_write_1h_tokens: M, output_tokens: M },
      'claude-sonnet-4-20250514',
      { providerId: 'anthropic', timestamp: JUNE_2025 },
    );
    expect(lib?.total_price).toBeCloseTo(33.75, 9);
  });

  it('is exact for tiny amounts and rounds half-up at the 10th decimal', () => {
    // 7 cached tokens of gpt-4o-mini at $0.075/1M = $0.000000525
    expect(priceUsage(usage({ provider: 'openai', model: 'gpt-4o-mini', cacheReadTokens: 7 }), defaults)).toMatchObject({ cost: '0.000000525' });
    // 1 cached token at 15 % off: 0.075e-6 × 0.85 = 0.00000006375 → 0.0000000638
    const cfg = withOverrides([{ provider: 'openai', discount: 0.15 }]);
    expect(priceUsage(usage({ provider: 'openai', model: 'gpt-4o-mini', cacheReadTokens: 1 }), cfg)).toMatchObject({
      cost: '0.0000000638',
      listCost: '0.000000075',
    });
    // Token counts from the database arrive as bigint strings.
    const big = priceUsage(usage({ provider: 'openai', model: 'gpt-4.1', uncachedInputTokens: '123456789012345', outputTokens: 3n }), defaults);
    expect(big).toMatchObject({ cost: '246913578.024714' }); // 123456789012345 × 2e-6 + 3 × 8e-6
  });

  it('uses the price in force at the fact timestamp (catalog history)', () => {
    // The catalog cut o3 from $10/$40 to $2/$8 on 2025-06-10.
    const before = priceUsage(usage({ provider: 'openai', model: 'o3-2025-04-16', at: new Date('2025-06-09T23:00:00Z'), uncachedInputTokens: M, outputTokens: M }), defaults);
    const after = priceUsage(usage({ provider: 'openai', model: 'o3-2025-04-16', at: new Date('2025-06-10T00:00:00Z'), uncachedInputTokens: M, outputTokens: M }), defaults);
    expect(before).toEqual({ priced: true, cost: '50', listCost: '50', currency: 'USD', modelRef: 'openai:o3' });
    expect(after).toEqual({ priced: true, cost: '10', listCost: '10', currency: 'USD', modelRef: 'openai:o3', effectiveFrom: '2025-06-10' });
  });

  it('charges the base tier for aggregates and the long-context tier only when told', () => {
    // Sonnet 4.5 has a >200k-context tier ($6 in / $22.50 out); an aggregate of 1M tokens is not one long request.
    const base = { provider: 'anthropic', model: 'claude-sonnet-4-5-20250929', at: new Date('2025-10-01T00:00:00Z'), uncachedInputTokens: M, outputTokens: M };
    expect(priceUsage(usage(base), defaults)).toMatchObject({ cost: '18' });
    expect(priceUsage(usage({ ...base, longContext: true }), defaults)).toMatchObject({ cost: '28.5' });
  });

  it('prices Bedrock ids best effort, by the catalog’s AWS prices', () => {
    const r = priceUsage(usage({ provider: 'aws-bedrock', model: 'us.meta.llama3-1-8b-instruct-v1:0', uncachedInputTokens: M, outputTokens: M }), defaults);
    expect(r).toMatchObject({ priced: true, cost: '0.44', modelRef: 'aws:meta.llama3-1-8b-instruct-v1:0' });
    const arn = 'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-sonnet-20240620-v1:0';
    expect(priceUsage(usage({ provider: 'aws-bedrock', model: arn, outputTokens: M }), defaults)).toMatchObject({ priced: true, cost: '15' });
    expect(priceUsage(usage({ provider: 'aws-bedrock', model: 'acme.custom-model-v1:0', outputTokens: M }), defaults)).toEqual({
      priced: false,
      reason: 'model "acme.custom-model-v1:0" is not in the price catalog for provider "aws-bedrock"',
    });
  });

  it('reports unknown models and providers as unpriced, never as $0', () => {
    expect(priceUsage(usage({ provider: 'openai', model: 'gpt-nonexistent', uncachedInputTokens: M }), defaults)).toEqual({
      priced: false,
      reason: 'model "gpt-nonexistent" is not in the price catalog for provider "openai"',
    });
    expect(priceUsage(usage({ provider: 'acme-ai', model: 'gpt-4.1', uncachedInputTokens: M }), defaults)).toEqual({
      priced: false,
      reason: 'provider "acme-ai" is not in the price catalog',
    });
    // A Llama served by a self-hosted engine is not an OpenAI model, whatever the id looks like.
    expect(priceUsage(usage({ provider: 'openai', model: 'meta-llama/Llama-3.1-8B-Instruct', uncachedInputTokens: M }), defaults).priced).toBe(false);
  });

  it('rejects negative or non-numeric token counts and invalid timestamps', () => {
    expect(() => priceUsage(usage({ provider: 'openai', model: 'gpt-4.1', outputTokens: -1 }), defaults)).toThrow(InputError);
    expect(() => priceUsage(usage({ provider: 'openai', model: 'gpt-4.1', outputTokens: 'many' }), defaults)).toThrow(/outputTokens/);
    expect(() => priceUsage(usage({ provider: 'openai', model: 'gpt-4.1', at: new Date('nope') }), defaults)).toThrow(/invalid timestamp/);
  });
});

describe('priceUsage discounts', () => {
  const fact = usage({ provider: 'openai', model: 'gpt-4o-mini', uncachedInputTokens: M, outputTokens: M });

  it('applies the configured batch discount only to batch usage', () => {
    expect(priceUsage({ ...fact, batch: true }, defaults)).toMatchObject({ cost: '0.375', listCost: '0.75', batchDiscount: 0.5 });
    expect(priceUsage({ ...fact, batch: false }, defaults)).toMatchObject({ cost: '0.75' });
    const noBatch = configSchema.parse({ prices: { batch_discount: {} } });
    expect(priceUsage({ ...fact, batch: true }, noBatch)).toMatchObject({ cost: '0.75', batchDiscount: 0 });
  });

  it('applies a negotiated discount from its date, by provider and model glob', () => {
    const cfg = withOverrides([
      { provider: 'anthropic', discount: 0.1, from: '2025-06-01' },
      { provider: 'openai', model: 'gpt-4.1*', discount: 0.2 },
    ]);
    const sonnet = usage({ provider: 'anthropic', model: 'claude-sonnet-4-20250514', uncachedInputTokens: M, outputTokens: M });
    expect(priceUsage({ ...sonnet, at: new Date('2025-05-31T23:00:00Z') }, cfg)).toMatchObject({ cost: '18' });
    expect(priceUsage({ ...sonnet, at: new Date('2025-06-01T00:00:00Z') }, cfg)).toMatchObject({ cost: '16.2', negotiatedDiscount: 0.1 });
    // The glob matches the billed id (gpt-4.1-2025-04-14) and the catalog id; gpt-4o-mini is not covered.
    const gpt41 = usage({ provider: 'openai', model: 'gpt-4.1-2025-04-14', uncachedInputTokens: M, outputTokens: M });
    expect(priceUsage(gpt41, cfg)).toMatchObject({ cost: '8', listCost: '10', negotiatedDiscount: 0.2 });
    expect(priceUsage(fact, cfg)).toEqual({ priced: true, cost: '0.75', listCost: '0.75', currency: 'USD', modelRef: 'openai:gpt-4o-mini' });
    // Batch and negotiated discounts multiply: 18 × 0.5 × 0.9.
    expect(priceUsage({ ...sonnet, batch: true }, cfg)).toMatchObject({ cost: '8.1' });
  });

  it('the last applicable override wins, and Bedrock aliases match', () => {
    const cfg = withOverrides([
      { provider: 'openai', discount: 0.1 },
      { provider: 'openai', discount: 0.3, from: '2025-07-01' },
      { provider: 'bedrock', discount: 0.25 },
    ]);
    expect(priceUsage(fact, cfg)).toMatchObject({ cost: '0.675' });
    expect(priceUsage({ ...fact, at: new Date('2025-07-01T00:00:00Z') }, cfg)).toMatchObject({ cost: '0.525' });
    const llama = usage({ provider: 'aws-bedrock', model: 'meta.llama3-1-8b-instruct-v1:0', uncachedInputTokens: M, outputTokens: M });
    expect(priceUsage(llama, cfg)).toMatchObject({ cost: '0.33', listCost: '0.44' });
  });
});

describe('agreement with the library’s own calculation', () => {
  it('matches calcPrice for any token mix on untiered models', () => {
    const models: Array<[string, string]> = [
      ['openai', 'gpt-4.1-2025-04-14'],
      ['openai', 'gpt-4o-mini-2024-07-18'],
      ['anthropic', 'claude-sonnet-4-20250514'],
      ['anthropic', 'claude-3-5-haiku-20241022'],
    ];
    const n = fc.integer({ min: 0, max: 50_000_000 });
    fc.assert(
      fc.property(fc.constantFrom(...models), n, n, n, n, n, ([provider, model], unc, read, w5, w1h, out) => {
        const ours = priceUsage(
          usage({ provider, model, uncachedInputTokens: unc, cacheReadTokens: read, cacheWriteTokens: w5, cacheWrite1hTokens: w1h, outputTokens: out }),
          defaults,
        );
        const lib = calcPrice(
          { input_tokens: unc + read + w5 + w1h, cache_read_tokens: read, cache_write_tokens: w5 + w1h, cache_write_1h_tokens: w1h, output_tokens: out },
          model,
          { providerId: provider, timestamp: JUNE_2025 },
        );
        expect(ours.priced).toBe(true);
        if (!ours.priced || !lib) throw new Error('unpriced');
        expect(Math.abs(Number(ours.cost) - lib.total_price)).toBeLessThan(1e-9 * Math.max(1, lib.total_price));
      }),
      { numRuns: 200 },
    );
  });
});

describe('unitPrices', () => {
  it('returns per-1M list prices with fallbacks for missing cache prices', () => {
    expect(unitPrices({ provider: 'openai', model: 'gpt-4o-mini', at: JUNE_2025 }, defaults)).toEqual({
      inputPer1M: 0.15,
      cachedInputPer1M: 0.075,
      cacheWritePer1M: 0.15,
      cacheWrite1hPer1M: 0.15,
      outputPer1M: 0.6,
      modelRef: 'openai:gpt-4o-mini',
      source: 'genai-prices',
    });
    expect(unitPrices({ provider: 'anthropic', model: 'claude-sonnet-4-20250514', at: JUNE_2025 }, defaults)).toMatchObject({
      inputPer1M: 3,
      cachedInputPer1M: 0.3,
      cacheWritePer1M: 3.75,
      cacheWrite1hPer1M: 6,
      outputPer1M: 15,
    });
  });

  it('applies overrides (and batch when asked), dated like priceUsage', () => {
    const cfg = withOverrides([{ provider: 'anthropic', discount: 0.1, from: '2025-06-01' }]);
    const q = { provider: 'anthropic', model: 'claude-sonnet-4-20250514' };
    expect(unitPrices({ ...q, at: new Date('2025-05-01') }, cfg)).toMatchObject({ inputPer1M: 3, outputPer1M: 15 });
    expect(unitPrices({ ...q, at: JUNE_2025 }, cfg)).toMatchObject({ inputPer1M: 2.7, cachedInputPer1M: 0.27, outputPer1M: 13.5 });
    expect(unitPrices({ ...q, at: JUNE_2025, batch: true }, cfg)).toMatchObject({ inputPer1M: 1.35, outputPer1M: 6.75 });
    expect(unitPrices({ provider: 'openai', model: 'o3', at: new Date('2025-07-01') }, defaults)).toMatchObject({
      inputPer1M: 2,
      outputPer1M: 8,
      effectiveFrom: '2025-06-10',
    });
  });

  it('is null for models the catalog does not know', () => {
    expect(unitPrices({ provider: 'openai', model: 'gpt-nonexistent', at: JUNE_2025 }, defaults)).toBeNull();
    expect(unitPrices({ provider: 'nobody', model: 'x', at: JUNE_2025 }, defaults)).toBeNull();
  });
});

describe('model id normalisation', () => {
  it('strips ARNs and provider prefixes, and offers an undated fallback', () => {
    expect(modelIdCandidates('aws-bedrock', 'arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.anthropic.claude-sonnet-4-20250514-v1:0')).toEqual([
      'eu.anthropic.claude-sonnet-4-20250514-v1:0',
      'eu.anthropic.claude-sonnet-4-v1:0',
    ]);
    expect(modelIdCandidates('anthropic', 'anthropic:claude-opus-4-20250514')).toEqual(['claude-opus-4-20250514', 'claude-opus-4']);
    expect(modelIdCandidates('openai', 'gpt-4.1')).toEqual(['gpt-4.1']);
  });

  it('a future snapshot of a known family falls back to the family price', () => {
    const r = listPrice('openai', 'gpt-4o-mini-2030-01-01', JUNE_2025);
    expect(r).toMatchObject({ modelRef: 'openai:gpt-4o-mini' });
  });
});
