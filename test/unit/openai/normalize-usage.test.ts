import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../../helpers/env.ts';
import { normalizeUsageBuckets, normalizeUsageResult, uncachedInputTokens } from '../../../src/sources/openai/normalize.ts';
import { usageBucketSchema, usageCompletionsResultSchema, usagePageSchema } from '../../../src/sources/openai/schema.ts';

const api = (name: string): unknown => JSON.parse(readFileSync(join(FIXTURES, 'api', name), 'utf8'));
const DAY = { start_time: 1730419200, end_time: 1730505600 }; // 2024-11-01 .. 2024-11-02

describe('completions usage page, current generation (2026-07+)', () => {
  const page = usagePageSchema.parse(api('openai-usage-completions.json'));

  it('keeps the pagination cursor', () => {
    expect(page.has_more).toBe(true);
    expect(page.next_page).toBe('page_AAAAAGdGxdEiJdKOAAAAAGcqsYA=');
  });

  it('uses the explicit input_uncached_tokens and keeps cache reads and writes apart', () => {
    const [row, ...rest] = normalizeUsageBuckets(page.data);
    expect(rest).toHaveLength(0);
    expect(row).toMatchObject({
      provider: 'openai',
      bucket_start: new Date('2024-11-01T00:00:00Z'),
      bucket_end: new Date('2024-11-02T00:00:00Z'),
      project_id: null,
      api_key_id: null,
      workspace_id: null,
      model: null,
      service_tier: null,
      batch: null,
      uncached_input_tokens: 500,
      cache_read_tokens: 400,
      cache_write_tokens: 100,
      output_tokens: 500,
      requests: 5,
    });
  });

  it('puts the audio / image / text splits into extra', () => {
    const [row] = normalizeUsageBuckets(page.data);
    expect(row!.extra).toEqual({
      input_text_tokens: 400,
      output_text_tokens: 400,
      input_cached_text_tokens: 300,
      input_audio_tokens: 50,
      input_cached_audio_tokens: 50,
      output_audio_tokens: 50,
      input_image_tokens: 50,
      input_cached_image_tokens: 50,
      output_image_tokens: 50,
    });
  });
});

describe('completions usage page, pre-2026-07 generation', () => {
  it('parses without the cache-write / uncached fields and derives uncached = input − cached', () => {
    const page = usagePageSchema.parse(api('openai-usage-completions.pre-2026-07.json'));
    const [row] = normalizeUsageBuckets(page.data);
    expect(row).toMatchObject({ uncached_input_tokens: 200, cache_read_tokens: 800, cache_write_tokens: 0, output_tokens: 500, requests: 5 });
    expect(row!.extra).toEqual({ input_audio_tokens: 0, output_audio_tokens: 0 });
  });
});

describe('the grouped result object', () => {
  it('maps every dimension', () => {
    const r = usageCompletionsResultSchema.parse(api('openai-usage-completions-result-object.json'));
    expect(normalizeUsageResult(DAY, r)).toMatchObject({
      project_id: 'proj_abc',
      api_key_id: 'key_abc',
      model: 'gpt-4o-mini-2024-07-18',
      batch: false,
      service_tier: 'default',
      uncached_input_tokens: 3000,
      cache_read_tokens: 1800,
      cache_write_tokens: 200,
      output_tokens: 1000,
      requests: 5,
    });
  });
});

describe('live buckets (real data: unaligned first bucket, empty days)', () => {
  const raw = api('openai-usage-completions-live-buckets.json') as unknown[];
  const buckets = raw.map((b) => usageBucketSchema.parse(b));
  const rows = normalizeUsageBuckets(buckets);
  const sum = (f: (r: (typeof rows)[number]) => unknown) => rows.reduce((a, r) => a + Number(f(r)), 0);

  it('gives one row per non-empty bucket and nothing for results: []', () => {
    expect(buckets).toHaveLength(31);
    expect(buckets.filter((b) => b.results.length === 0)).toHaveLength(5);
    expect(rows).toHaveLength(26);
  });

  it('keys the unaligned first and the "now"-ended last bucket on their own bounds', () => {
    expect(rows[0]!.bucket_start).toEqual(new Date('2025-01-11T17:31:00Z'));
    expect(rows[0]!.bucket_end).toEqual(new Date('2025-01-12T00:00:00Z'));
    expect(rows.at(-1)!.bucket_start).toEqual(new Date('2025-02-10T00:00:00Z'));
    expect(rows.at(-1)!.bucket_end).toEqual(new Date('2025-02-10T17:31:03Z'));
  });

  it('preserves the token and request totals', () => {
    expect(sum((r) => r.uncached_input_tokens) + sum((r) => r.cache_read_tokens) + sum((r) => r.cache_write_tokens)).toBe(16_951_009);
    expect(sum((r) => r.cache_read_tokens)).toBe(168_128);
    expect(sum((r) => r.uncached_input_tokens)).toBe(16_951_009 - 168_128);
    expect(sum((r) => r.output_tokens)).toBe(729_421);
    expect(sum((r) => r.requests)).toBe(19_347);
    expect(sum((r) => (r.extra as Record<string, number>).input_audio_tokens)).toBe(5776 + 4066 + 2520 + 2557 + 20033 + 10076 + 4935);
  });
});

describe('uncached input computation', () => {
  const base = { output_tokens: 1, num_model_requests: 1 };

  it('subtracts cached and cache-write tokens when the explicit field is absent', () => {
    expect(uncachedInputTokens(usageCompletionsResultSchema.parse({ ...base, input_tokens: 1000, input_cached_tokens: 300, input_cache_write_tokens: 200 }))).toBe(500);
    expect(uncachedInputTokens(usageCompletionsResultSchema.parse({ ...base, input_tokens: 1000 }))).toBe(1000);
  });

  it('prefers input_uncached_tokens when present', () => {
    expect(uncachedInputTokens(usageCompletionsResultSchema.parse({ ...base, input_tokens: 1000, input_cached_tokens: 300, input_uncached_tokens: 650 }))).toBe(650);
  });

  it('refuses inconsistent data, naming the bucket', () => {
    const r = usageCompletionsResultSchema.parse({ ...base, input_tokens: 100, input_cached_tokens: 150, project_id: 'proj_x', model: 'gpt-4.1' });
    expect(() => normalizeUsageResult(DAY, r)).toThrow(
      'openai: inconsistent usage in bucket 2024-11-01T00:00:00Z/2024-11-02T00:00:00Z (project_id=proj_x, model=gpt-4.1): input_tokens 100 is less than input_cached_tokens 150 + input_cache_write_tokens 0',
    );
  });
});

describe('schema tolerance and strictness', () => {
  it('keeps unknown service tiers and unknown new fields', () => {
    const r = usageCompletionsResultSchema.parse({ input_tokens: 1, output_tokens: 2, num_model_requests: 1, service_tier: 'hyperflex', brand_new_field: { a: 1 } });
    expect(normalizeUsageResult(DAY, r).service_tier).toBe('hyperflex');
  });

  it('requires input_tokens, output_tokens and num_model_requests', () => {
    for (const missing of ['input_tokens', 'output_tokens', 'num_model_requests']) {
      const r: Record<string, unknown> = { input_tokens: 1, output_tokens: 2, num_model_requests: 3 };
      delete r[missing];
      const parsed = usageCompletionsResultSchema.safeParse(r);
      expect(parsed.success).toBe(false);
      expect(parsed.error!.issues[0]!.path).toEqual([missing]);
    }
  });

  it('rejects fractional or negative token counts and inverted buckets', () => {
    expect(usageCompletionsResultSchema.safeParse({ input_tokens: 1.5, output_tokens: 2, num_model_requests: 3 }).success).toBe(false);
    expect(usageCompletionsResultSchema.safeParse({ input_tokens: -1, output_tokens: 2, num_model_requests: 3 }).success).toBe(false);
    expect(usageBucketSchema.safeParse({ start_time: 10, end_time: 10, results: [] }).success).toBe(false);
  });

  it('does not mistake the other usage endpoints for completions', () => {
    for (const f of ['openai-usage-embeddings.json', 'openai-usage-moderations.json', 'openai-usage-images.json', 'openai-usage-audio-speeches.json']) {
      expect(usagePageSchema.safeParse(api(f)).success, f).toBe(false);
    }
  });
});

describe('two results with one key in a bucket', () => {
  it('are summed into one row (e.g. split by user_id, which is not stored)', () => {
    const r = (user: string, n: number) => ({ input_tokens: 100 * n, input_cached_tokens: 10 * n, output_tokens: 5 * n, num_model_requests: n, input_audio_tokens: n, user_id: user, project_id: 'p', model: 'm' });
    const bucket = usageBucketSchema.parse({ ...DAY, results: [r('u1', 1), r('u2', 2), { ...r('u3', 4), model: 'other' }] });
    const rows = normalizeUsageBuckets([bucket]);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ model: 'm', uncached_input_tokens: 270, cache_read_tokens: 30, output_tokens: 15, requests: 3, extra: { input_audio_tokens: 3 } });
    expect(rows[1]).toMatchObject({ model: 'other', uncached_input_tokens: 360, requests: 4 });
  });
});
