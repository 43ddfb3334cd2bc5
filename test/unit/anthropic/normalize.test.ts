import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LOCAL_FIXTURES } from '../../helpers/env.ts';
import { costPageSchema, usagePageSchema } from '../../../src/sources/anthropic/schema.ts';
import { costLineKey, normalizeCostBucket, normalizeUsageBucket } from '../../../src/sources/anthropic/normalize.ts';

const fixture = (name: string): unknown => JSON.parse(readFileSync(`${LOCAL_FIXTURES}anthropic/${name}`, 'utf8'));
const usageOf = (name: string) => usagePageSchema.parse(fixture(name)).data.flatMap((b) => normalizeUsageBucket(b));
const costsOf = (name: string) => costPageSchema.parse(fixture(name)).data.flatMap((b) => normalizeCostBucket(b));

const start = new Date('2025-08-01T00:00:00Z');
const end = new Date('2025-08-02T00:00:00Z');

describe('usage report → usage facts', () => {
  it('maps the 2025 generation', () => {
    const rows = usageOf('anthropic-usage-messages.2025.json');
    expect(rows).toEqual([
      {
        provider: 'anthropic',
        bucket_start: start,
        bucket_end: end,
        project_id: null,
        api_key_id: 'apikey_01Rj2N8SVvo6BePZj99NhmiT',
        workspace_id: 'wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ',
        model: 'claude-sonnet-4-20250514',
        service_tier: 'standard',
        batch: false,
        context_window: '0-200k',
        uncached_input_tokens: 1500,
        cache_read_tokens: 200,
        cache_write_tokens: 1500,
        cache_write_1h_tokens: 1000,
        output_tokens: 500,
        requests: 0,
        extra: { cache_write_5m_tokens: 500, requests_reported: false, web_search_requests: 10 },
      },
    ]);
  });

  it('maps the 2026 generation and keeps its new dimensions in extra', () => {
    const [row] = usageOf('anthropic-usage-messages.json');
    expect(row).toMatchObject({ model: 'claude-opus-5', uncached_input_tokens: 1500, cache_read_tokens: 200, cache_write_tokens: 1500, cache_write_1h_tokens: 1000, output_tokens: 500 });
    expect(row!.extra).toEqual({
      account_id: 'user_01WCz1FkmYMm4gnmykNKUu3Q',
      service_account_id: 'svac_01Hk3R9TWxq7CfQak00OiVw4',
      inference_geo: 'global',
      cache_write_5m_tokens: 500,
      requests_reported: false,
      web_search_requests: 10,
    });
  });

  it('token classes add up to the total input (uncached + cache read + both writes)', () => {
    const [r] = usageOf('anthropic-usage-messages.2025.json');
    const total = Number(r!.uncached_input_tokens) + Number(r!.cache_read_tokens) + Number(r!.cache_write_tokens);
    expect(total).toBe(1500 + 200 + 500 + 1000);
    expect(Number(r!.cache_write_tokens) - Number(r!.cache_write_1h_tokens)).toBe(500);
  });

  it('keeps Console usage (api_key_id null) and the default workspace (workspace_id null) as null', () => {
    const page = fixture('anthropic-usage-messages.2025.json') as { data: Array<{ results: Array<Record<string, unknown>> }> };
    Object.assign(page.data[0]!.results[0]!, { api_key_id: null, workspace_id: null, server_tool_use: null });
    const [row] = usagePageSchema.parse(page).data.flatMap((b) => normalizeUsageBucket(b));
    expect(row).toMatchObject({ api_key_id: null, workspace_id: null });
    expect(row!.extra).not.toHaveProperty('web_search_requests');
  });

  it('keeps unknown enum values and marks the batch tier', () => {
    const page = fixture('anthropic-usage-messages.2025.json') as { data: Array<{ results: Array<Record<string, unknown>> }> };
    Object.assign(page.data[0]!.results[0]!, { service_tier: 'batch', context_window: '200k-1m' });
    const [batch] = usagePageSchema.parse(page).data.flatMap((b) => normalizeUsageBucket(b));
    expect(batch).toMatchObject({ service_tier: 'batch', batch: true, context_window: '200k-1m' });
    page.data[0]!.results[0]!.service_tier = 'turbo_plus';
    const [odd] = usagePageSchema.parse(page).data.flatMap((b) => normalizeUsageBucket(b));
    expect(odd).toMatchObject({ service_tier: 'turbo_plus', batch: false });
  });

  it.each([
    ['output_tokens', (r: Record<string, unknown>) => delete r.output_tokens, /data\[0\]\.results\[0\]\.output_tokens/],
    ['cache_creation', (r: Record<string, unknown>) => delete r.cache_creation, /cache_creation/],
    ['negative tokens', (r: Record<string, unknown>) => (r.uncached_input_tokens = -1), /uncached_input_tokens/],
    ['string tokens', (r: Record<string, unknown>) => (r.output_tokens = '500'), /output_tokens/],
  ])('rejects a result with %s', (_what, mutate, path) => {
    const page = fixture('anthropic-usage-messages.2025.json') as { data: Array<{ results: Array<Record<string, unknown>> }> };
    mutate(page.data[0]!.results[0]!);
    const parsed = usagePageSchema.safeParse(page);
    expect(parsed.success).toBe(false);
    const issue = parsed.error!.issues[0]!;
    expect(issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '')).toMatch(path);
  });

  it('rejects a bucket that ends before it starts, or an unparseable time', () => {
    const page = fixture('anthropic-usage-messages.2025.json') as { data: Array<Record<string, unknown>> };
    page.data[0]!.ending_at = '2025-07-31T00:00:00Z';
    expect(usagePageSchema.safeParse(page).success).toBe(false);
    page.data[0]!.ending_at = 'yesterday';
    expect(usagePageSchema.safeParse(page).success).toBe(false);
  });
});

describe('cost report → cost line items', () => {
  it('maps the 2025 generation, converting cents to dollars exactly', () => {
    const rows = costsOf('anthropic-cost-report.2025.json');
    expect(rows).toEqual([
      {
        source: 'anthropic',
        line_key: 'wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ|Claude Sonnet 4 Usage - Input Tokens|tokens|uncached_input_tokens|claude-sonnet-4-20250514|standard|0-200k||',
        charge_period_start: start,
        charge_period_end: end,
        provider_name: 'Anthropic',
        billing_account_id: null,
        billing_currency: 'USD',
        billed_cost: '1.2378912',
        effective_cost: '1.2378912',
        list_cost: null,
        contracted_cost: null,
        charge_category: 'Usage',
        charge_description: 'Claude Sonnet 4 Usage - Input Tokens',
        service_name: 'Claude API',
        service_category: 'AI and Machine Learning',
        x_workspace_id: 'wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ',
        x_model: 'claude-sonnet-4-20250514',
        x_token_type: 'uncached_input_tokens',
        x_line_item: 'Claude Sonnet 4 Usage - Input Tokens',
        extra: { amount_cents: '123.78912', cost_type: 'tokens', context_window: '0-200k', service_tier: 'standard' },
      },
    ]);
  });

  it('maps the 2026 generation (inference_geo becomes part of the line key)', () => {
    const [row] = costsOf('anthropic-cost-report.json');
    expect(row).toMatchObject({ billed_cost: '1.2378912', x_model: 'claude-opus-5', billing_currency: 'USD' });
    expect(row!.line_key).toBe('wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ|Claude Opus 5 Usage - Input Tokens|tokens|uncached_input_tokens|claude-opus-5|standard|0-200k|global|');
    expect(row!.extra).toEqual({ amount_cents: '123.78912', context_window: '0-200k', cost_type: 'tokens', inference_geo: 'global', service_tier: 'standard' });
  });

  it('keeps credits (negative amounts), integer cents, non-USD currencies and unknown cost types', () => {
    const page = fixture('anthropic-cost-report.2025.json') as { data: Array<{ results: Array<Record<string, unknown>> }> };
    const base = page.data[0]!.results[0]!;
    page.data[0]!.results = [
      { ...base, amount: '-2500', description: 'Promotional credit', cost_type: 'credit', token_type: null, model: null },
      { ...base, amount: '7', currency: 'EUR', description: 'Web search', cost_type: 'web_search', token_type: null },
      { ...base, amount: '0.00001', workspace_id: null, description: 'Code execution', cost_type: 'code_execution_v2', token_type: null },
    ];
    const rows = costPageSchema.parse(page).data.flatMap((b) => normalizeCostBucket(b));
    expect(rows.map((r) => [r.billed_cost, r.billing_currency, r.charge_category, r.x_workspace_id])).toEqual([
      ['-25', 'USD', 'Credit', 'wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ'],
      ['0.07', 'EUR', 'Usage', 'wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ'],
      ['0.0000001', 'USD', 'Usage', null],
    ]);
    expect(rows[2]!.extra).toMatchObject({ cost_type: 'code_execution_v2' });
    expect(new Set(rows.map((r) => r.line_key)).size).toBe(3);
    expect(rows[2]!.line_key.startsWith('|Code execution|code_execution_v2|')).toBe(true);
  });

  it('line keys are stable and distinguish every grouping dimension', () => {
    const a = { amount: '1', currency: 'USD', workspace_id: 'w', description: 'd', cost_type: 'tokens', token_type: 'output_tokens', model: 'm', service_tier: 'standard', context_window: '0-200k' };
    expect(costLineKey(a)).toBe(costLineKey({ ...a, amount: '2' }));
    for (const k of ['workspace_id', 'description', 'cost_type', 'token_type', 'model', 'service_tier', 'context_window'] as const) {
      expect(costLineKey({ ...a, [k]: 'other' })).not.toBe(costLineKey(a));
    }
  });

  it.each([
    ['a JSON number amount', (r: Record<string, unknown>) => (r.amount = 123.78912), /amount/],
    ['an exponent amount', (r: Record<string, unknown>) => (r.amount = '1e3'), /amount/],
    ['no amount', (r: Record<string, unknown>) => delete r.amount, /amount/],
    ['no currency', (r: Record<string, unknown>) => delete r.currency, /currency/],
  ])('rejects %s', (_what, mutate, path) => {
    const page = fixture('anthropic-cost-report.2025.json') as { data: Array<{ results: Array<Record<string, unknown>> }> };
    mutate(page.data[0]!.results[0]!);
    const parsed = costPageSchema.safeParse(page);
    expect(parsed.success).toBe(false);
    expect(String(parsed.error!.issues[0]!.path.at(-1))).toMatch(path);
  });
});
