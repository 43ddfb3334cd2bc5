import { describe, expect, it } from 'vitest';
import { spendLimitSchema, usageDecisionsPageSchema, usagePageSchema } from '../../../src/sources/openai/schema.ts';
import { mergeUsageRows, normalizeDecisionsBuckets, normalizeUsageBuckets } from '../../../src/sources/openai/normalize.ts';
import { centsToUnits } from '../../../src/sources/openai/spend-limits.ts';

const bucket = { object: 'bucket', start_time: 1791158400, end_time: 1791162000 };
const dims = { project_id: 'proj_eng', api_key_id: 'key_1', model: 'gpt-6-luna', batch: false, service_tier: 'default' };

describe('Decisions usage (field names of async-openai DecisionsUsageResult)', () => {
  const page = usageDecisionsPageSchema.parse({
    object: 'page',
    data: [
      {
        ...bucket,
        results: [
          { object: 'organization.usage.decisions.result', input_tokens: 800, input_cached_tokens: 100, input_cache_write_tokens: 0, input_cache_write_30m_tokens: 0, output_tokens: 5, num_model_requests: 1, api_source: 'responses', ...dims },
          { object: 'organization.usage.decisions.result', input_tokens: 1600, output_tokens: 10, num_model_requests: 2, api_source: 'a_source_nobody_knows', ...dims },
        ],
      },
    ],
    has_more: false,
    next_page: null,
  });

  it('merges into one fact per natural key, keeping requests per api_source', () => {
    const rows = mergeUsageRows(normalizeDecisionsBuckets(page.data));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ model: 'gpt-6-luna', uncached_input_tokens: 2300, cache_read_tokens: 100, output_tokens: 15, requests: 3 });
    expect(rows[0]!.extra).toEqual({
      decisions_requests: 3,
      decisions_input_tokens: 2400,
      decisions_output_tokens: 15,
      'decisions_requests_api_source:responses': 1,
      'decisions_requests_api_source:a_source_nobody_knows': 2,
    });
  });

  it('adds to completions usage of the same key instead of colliding with it', () => {
    const completions = usagePageSchema.parse({ object: 'page', data: [{ ...bucket, results: [{ input_tokens: 1000, output_tokens: 50, num_model_requests: 4, ...dims }] }], has_more: false });
    const rows = mergeUsageRows([...normalizeUsageBuckets(completions.data), ...normalizeDecisionsBuckets(page.data)]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ uncached_input_tokens: 3300, output_tokens: 65, requests: 7 });
    expect((rows[0]!.extra as Record<string, number>).decisions_requests).toBe(3);
  });
});

describe('spend limits', () => {
  it('parses the documented retrieve example and keeps unknown enforcement states', () => {
    // developers.openai.com: GET /organization/projects/{project_id}/spend_limit, 200 example.
    const doc = { currency: 'USD', enforcement: { status: 'inactive' }, interval: 'month', object: 'project.spend_limit', threshold_amount: 0 };
    expect(spendLimitSchema.parse(doc)).toEqual(doc);
    expect(spendLimitSchema.parse({ ...doc, enforcement: { status: 'grace_period' }, threshold_amount: 125 }).enforcement?.status).toBe('grace_period');
  });

  it('refuses amounts that are not integer cents', () => {
    for (const bad of [12.5, -1, '100']) expect(spendLimitSchema.safeParse({ currency: 'USD', threshold_amount: bad }).success).toBe(false);
  });

  it('converts cents to units exactly', () => {
    expect([centsToUnits(0), centsToUnits(1), centsToUnits(120_050), centsToUnits(9_007_199_254_740_991)]).toEqual(['0', '0.01', '1200.5', '90071992547409.91']);
  });
});
