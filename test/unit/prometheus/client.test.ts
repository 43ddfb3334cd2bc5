import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MAX_STEPS, PrometheusQueryError, parseSampleValue, queryRange, rangeChunks, targetFromUrl } from '../../../src/sources/prometheus/client.ts';
import { errorBody, queryRangeResponse, queryResponse } from '../../../src/sources/prometheus/schema.ts';
import { SourceHttpError } from '../../../src/errors.ts';
import { readHttpFixture, replayDeps } from './http-fixture.ts';

const target = { baseUrl: 'http://prom.test:9090/', bearerToken: 'tok-secret' };
const q = { query: 'vllm:generation_tokens_total', start: 1735689600, end: 1735690800, step: 300 };

describe('fixture bodies of a real Prometheus 2.42', () => {
  it.each(['qr_counter.http', 'qr_empty.http', 'qr_post_float.http', 'qr_rate.http', 'qr_ok_11001points_boundary.http'])('%s parses as a range result', (name) => {
    const r = readHttpFixture(name);
    expect(r.status).toBe(200);
    const parsed = queryRangeResponse.parse(JSON.parse(r.body));
    expect(parsed.status).toBe('success');
  });

  it.each(['qr_err_11000.http', 'qr_err_step0.http', 'qr_err_end_before_start.http', 'q_err_parse.http'])('%s is a 400 bad_data error body', (name) => {
    const r = readHttpFixture(name);
    expect(r.status).toBe(400);
    expect(errorBody.parse(JSON.parse(r.body)).errorType).toBe('bad_data');
  });

  it('instant query bodies (vector, range-selector matrix) parse', () => {
    const inc = queryResponse.parse(JSON.parse(readHttpFixture('q_increase.http').body));
    expect(inc.status === 'success' && inc.data.resultType === 'vector' && inc.data.result[0]!.value).toEqual([1735693200, '72000']);
    const dcgm = queryResponse.parse(JSON.parse(readHttpFixture('q_dcgm_avg.http').body));
    expect(dcgm.status === 'success' && dcgm.data.resultType === 'vector' && dcgm.data.result.map((s) => s.metric.Hostname)).toEqual(['node-a', 'node-a']);
    const m = queryResponse.parse(JSON.parse(readHttpFixture('q_matrix_rangeselector.http').body));
    expect(m.status === 'success' && m.data.resultType === 'matrix' && m.data.result[0]!.values.length).toBe(4);
  });
});

describe('queryRange', () => {
  it('POSTs a form with the bearer token and returns numeric points', async () => {
    const seen: Array<{ url: string; init: RequestInit | undefined }> = [];
    const series = await queryRange(replayDeps([readHttpFixture('qr_counter.http')], seen), target, q);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.url).toBe('http://prom.test:9090/api/v1/query_range');
    expect(seen[0]!.init?.method).toBe('POST');
    expect((seen[0]!.init?.headers as Record<string, string>).authorization).toBe('Bearer tok-secret');
    expect(Object.fromEntries(new URLSearchParams(String(seen[0]!.init?.body)))).toEqual({ query: q.query, start: '1735689600', end: '1735690800', step: '300' });
    expect(series).toEqual([
      {
        metric: { __name__: 'vllm:generation_tokens_total', engine: '0', model_name: 'meta-llama/Llama-3.1-8B-Instruct' },
        points: [
          [1735689600, 0],
          [1735689900, 6000],
          [1735690200, 12000],
          [1735690500, 18000],
          [1735690800, 24000],
        ],
      },
    ]);
  });

  it('an empty result is no series', async () => {
    expect(await queryRange(replayDeps([readHttpFixture('qr_empty.http')]), target, q)).toEqual([]);
  });

  it.each([
    ['qr_err_11000.http', /exceeded maximum resolution of 11,000 points/],
    ['qr_err_step0.http', /zero or negative query resolution step/],
    ['qr_err_end_before_start.http', /end timestamp must not be before start time/],
    ['q_err_parse.http', /parse error: unclosed left parenthesis/],
  ])('%s → PrometheusQueryError naming status, errorType, message and query, never the token', async (name, msg) => {
    const err = await queryRange(replayDeps([readHttpFixture(name)]), target, q).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PrometheusQueryError);
    expect(err).toBeInstanceOf(SourceHttpError);
    const e = err as PrometheusQueryError;
    expect(e.status).toBe(400);
    expect(e.errorType).toBe('bad_data');
    expect(e.retryable).toBe(false);
    expect(e.message).toMatch(msg);
    expect(e.message).toContain('prometheus: HTTP 400 from http://prom.test:9090/api/v1/query_range');
    expect(e.message).toContain(`(query: ${q.query})`);
    expect(e.message).not.toContain('tok-secret');
  });

  it('a 503 with an error body is retried, and typed when it persists', async () => {
    const unavailable = { status: 503, headers: { 'content-type': 'application/json' }, body: '{"status":"error","errorType":"unavailable","error":"too many concurrent queries"}' };
    const ok = await queryRange(replayDeps([unavailable, readHttpFixture('qr_counter.http')]), target, q);
    expect(ok[0]!.points).toHaveLength(5);
    const err = (await queryRange(replayDeps([unavailable]), target, q).catch((e: unknown) => e)) as PrometheusQueryError;
    expect(err.errorType).toBe('unavailable');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('after 5 attempts');
  });

  it('a 200 that is not the documented shape is a schema error, not data', async () => {
    const odd = { status: 200, headers: {}, body: '{"status":"success","data":{"resultType":"vector","result":[]}}' };
    await expect(queryRange(replayDeps([odd]), target, q)).rejects.toThrow(/unexpected response shape/);
  });

  it('chunks a long fine-step range and merges the series of each chunk', async () => {
    const seen: Array<{ url: string; init: RequestInit | undefined }> = [];
    const long = { ...q, start: 0, end: 60 * 25_000, step: 60 };
    const series = await queryRange(replayDeps([readHttpFixture('qr_counter.http')], seen), target, long);
    const bodies = seen.map((s) => Object.fromEntries(new URLSearchParams(String(s.init?.body))));
    expect(bodies.map((b) => [Number(b.start), Number(b.end)])).toEqual([
      [0, 660_000],
      [660_060, 1_320_060],
      [1_320_120, 1_500_000],
    ]);
    // Same label set in every chunk → one series (the replayed body repeats its 5 points thrice).
    expect(series).toHaveLength(1);
    expect(series[0]!.points).toHaveLength(15);
  });
});

describe('targetFromUrl', () => {
  it('moves basic-auth credentials out of PROMETHEUS_URL into a header', async () => {
    const t = targetFromUrl('http://ops:p%40ss@prom.test:9090/prometheus');
    expect(t).toEqual({ baseUrl: 'http://prom.test:9090/prometheus', bearerToken: undefined, basicAuth: { username: 'ops', password: 'p@ss' } });
    const seen: Array<{ url: string; init: RequestInit | undefined }> = [];
    await queryRange(replayDeps([readHttpFixture('qr_empty.http')], seen), t, q);
    expect(seen[0]!.url).toBe('http://prom.test:9090/prometheus/api/v1/query_range');
    expect((seen[0]!.init?.headers as Record<string, string>).authorization).toBe(`Basic ${Buffer.from('ops:p@ss').toString('base64')}`);
  });
});

describe('rangeChunks', () => {
  it('11,000 steps fit one query; 11,001 need two', () => {
    expect(rangeChunks(0, 11_000, 1)).toEqual([{ start: 0, end: 11_000 }]);
    expect(rangeChunks(0, 11_001, 1)).toEqual([
      { start: 0, end: 11_000 },
      { start: 11_001, end: 11_001 },
    ]);
    expect(rangeChunks(10, 5, 1)).toEqual([]);
    expect(() => rangeChunks(0, 10, 0)).toThrow(/step must be positive/);
  });

  it('covers every step point exactly once and no chunk exceeds MAX_STEPS', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 0, max: 40_000 }), fc.constantFrom(1, 15, 60, 3600), (start, n, step) => {
        const end = start + n * step + (n % 7); // an end off the step grid too
        const chunks = rangeChunks(start, end, step);
        const points: number[] = [];
        for (const c of chunks) {
          expect((c.end - c.start) / step).toBeLessThanOrEqual(MAX_STEPS);
          for (let t = c.start; t <= c.end; t += step) points.push(t);
        }
        const want = Math.floor((end - start) / step) + 1;
        expect(points.length).toBe(want);
        expect(points[0]).toBe(start);
        expect(new Set(points).size).toBe(want);
        expect(points.every((t, i) => t === start + i * step)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe('parseSampleValue', () => {
  it('keeps numbers, maps NaN and ±Inf to null', () => {
    expect(parseSampleValue('6.666666666666667')).toBe(6.666666666666667);
    expect(parseSampleValue('8.128902e+06')).toBe(8128902);
    expect(parseSampleValue('9223372036854775794')).toBe(9223372036854775794);
    expect(parseSampleValue('NaN')).toBeNull();
    expect(parseSampleValue('+Inf')).toBeNull();
    expect(parseSampleValue('-Inf')).toBeNull();
  });
});
