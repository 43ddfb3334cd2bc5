import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../../helpers/env.ts';
import { costLineKey, normalizeCostBuckets, normalizeCostResult } from '../../../src/sources/openai/normalize.ts';
import { costsBucketSchema, costsPageSchema, costsResultSchema, decimalValue } from '../../../src/sources/openai/schema.ts';

const api = (name: string): unknown => JSON.parse(readFileSync(join(FIXTURES, 'api', name), 'utf8'));
const DAY = { start_time: 1730419200, end_time: 1730505600 };
const result = (over: Record<string, unknown>) => ({ object: 'organization.costs.result', amount: { value: 1, currency: 'usd' }, line_item: null, project_id: null, ...over });

describe('costs pages, both generations', () => {
  for (const file of ['openai-costs.json', 'openai-costs.pre-2026-08.json']) {
    it(`${file}: one ungrouped line of $0.06 for 2024-11-01`, () => {
      const page = costsPageSchema.parse(api(file));
      expect(page.has_more).toBe(false);
      const rows = normalizeCostBuckets(page.data);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        source: 'openai',
        provider_name: 'OpenAI',
        service_name: 'OpenAI API',
        line_key: '||',
        charge_period_start: new Date('2024-11-01T00:00:00Z'),
        charge_period_end: new Date('2024-11-02T00:00:00Z'),
        billing_currency: 'USD',
        billed_cost: '0.06',
        effective_cost: '0.06',
        charge_category: 'Usage',
        consumed_quantity: null,
        consumed_unit: null,
        x_line_item: null,
        x_model: null,
        x_token_type: null,
      });
    });
  }

  it('the result object: project, quantity and a bare token-type line item', () => {
    const r = costsResultSchema.parse(api('openai-costs-result-object.json'));
    expect(normalizeCostResult(DAY, r)).toMatchObject({
      line_key: 'proj_abc|input_tokens|',
      billed_cost: '0.06',
      x_project_id: 'proj_abc',
      x_api_key_id: null,
      x_line_item: 'input_tokens',
      x_model: null,
      x_token_type: 'input',
      consumed_quantity: '10000',
      consumed_unit: 'tokens',
    });
  });
});

describe('amount.value: number or string, always an exact decimal string', () => {
  it.each([
    [0.06, '0.06'],
    ['12.50', '12.5'],
    ['0.000001234', '0.000001234'],
    // A number goes through its shortest spelling, not arithmetic: no rounding, no float noise added.
    [0.30000000000000004, '0.30000000000000004'],
    [1e-7, '0.0000001'],
    ['1e-7', '0.0000001'],
    [1234567.891, '1234567.891'],
    ['-5.25', '-5.25'],
    [0, '0'],
  ])('%s -> %s', (input, expected) => {
    expect(decimalValue.parse(input)).toBe(expected);
  });

  it.each([['12,50'], ['abc'], [''], ['NaN'], [Number.NaN], [Number.POSITIVE_INFINITY], [null]])('rejects %s', (input) => {
    expect(decimalValue.safeParse(input).success).toBe(false);
  });

  it('a missing amount or currency fails validation with its path', () => {
    const noAmount = costsResultSchema.safeParse({ line_item: 'x' });
    expect(noAmount.error!.issues[0]!.path).toEqual(['amount']);
    const noCurrency = costsResultSchema.safeParse({ amount: { value: 1 } });
    expect(noCurrency.error!.issues[0]!.path).toEqual(['amount', 'currency']);
  });
});

describe('cost lines', () => {
  it('parses the line item into model and token type, keeps the raw text, upper-cases the currency', () => {
    const r = costsResultSchema.parse(result({ amount: { value: '3.20', currency: 'usd' }, line_item: 'gpt-4.1-2025-04-14, cached input', project_id: 'proj_eng', api_key_id: 'key_1', quantity: 6400000, quantity_unit: 'tokens' }));
    expect(normalizeCostResult(DAY, r)).toMatchObject({
      line_key: 'proj_eng|gpt-4.1-2025-04-14, cached input|key_1',
      billed_cost: '3.2',
      billing_currency: 'USD',
      x_model: 'gpt-4.1-2025-04-14',
      x_token_type: 'cached_input',
      x_line_item: 'gpt-4.1-2025-04-14, cached input',
      x_project_id: 'proj_eng',
      x_api_key_id: 'key_1',
      charge_description: 'gpt-4.1-2025-04-14, cached input',
      consumed_quantity: '6400000',
    });
  });

  it('keeps negative amounts (credits) as Credit lines', () => {
    const r = costsResultSchema.parse(result({ amount: { value: -12.5, currency: 'usd' }, line_item: 'Credit grant' }));
    expect(normalizeCostResult(DAY, r)).toMatchObject({ billed_cost: '-12.5', effective_cost: '-12.5', charge_category: 'Credit', x_model: null, x_token_type: null });
  });

  it('line keys differ for every grouping dimension and are stable', () => {
    expect(costLineKey({ project_id: 'p', line_item: 'l', api_key_id: null })).toBe('p|l|');
    expect(costLineKey({ project_id: null, line_item: 'p|l', api_key_id: undefined })).toBe('|p|l|');
  });

  it('sums duplicate lines of one day exactly (decimal, not float)', () => {
    const bucket = costsBucketSchema.parse({
      ...DAY,
      results: [
        result({ amount: { value: 0.1, currency: 'usd' }, line_item: 'gpt-4o, input', quantity: 10 }),
        result({ amount: { value: '0.2', currency: 'usd' }, line_item: 'gpt-4o, input', quantity: '5' }),
        result({ amount: { value: 0.7, currency: 'usd' }, line_item: 'gpt-4o, output', quantity: 1 }),
      ],
    });
    const rows = normalizeCostBuckets([bucket]);
    expect(rows.map((r) => [r.line_key, r.billed_cost, r.consumed_quantity])).toEqual([
      ['|gpt-4o, input|', '0.3', '15'],
      ['|gpt-4o, output|', '0.7', '1'],
    ]);
  });

  it('refuses to add one line in two currencies', () => {
    const bucket = costsBucketSchema.parse({ ...DAY, results: [result({ line_item: 'a' }), result({ line_item: 'a', amount: { value: 1, currency: 'eur' } })] });
    expect(() => normalizeCostBuckets([bucket])).toThrow(/one cost line in two currencies \(USD, EUR\) in bucket 2024-11-01T00:00:00Z/);
  });
});
