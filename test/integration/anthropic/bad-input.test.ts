import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readRawBody } from '../../../src/ingest/raw-archive.ts';
import { createTestContext, type TestCtx } from '../../helpers/db.ts';
import { startAnthropicSimulator, type AnthropicFault, type AnthropicSimulatorOptions } from '../../../src/simulators/anthropic.ts';
import { anthropicConnector } from '../../../src/sources/anthropic/connector.ts';
import { SourceHttpError, SourceSchemaError } from '../../../src/errors.ts';
import { ADMIN_KEY, clearAll, configWithApi, snapshot, withSimulator } from './support.ts';

const DAY = { start: new Date('2026-10-05T00:00:00Z'), end: new Date('2026-10-06T00:00:00Z') };

let ctx: TestCtx;

beforeAll(async () => {
  ctx = await createTestContext({ config: configWithApi('legacy'), env: { ANTHROPIC_ADMIN_KEY: ADMIN_KEY } });
});
afterAll(async () => {
  await ctx?.destroy();
});
beforeEach(async () => {
  await clearAll(ctx);
});

/** Runs one day's ingest against a simulator with these options; returns the error (or null) and the requests. */
async function ingestWith(opts: AnthropicSimulatorOptions, key = ADMIN_KEY) {
  const sim = await startAnthropicSimulator(opts);
  try {
    const err = await anthropicConnector.ingest(withSimulator(ctx, sim.url, key), DAY).then(
      () => null,
      (e: unknown) => e as Error,
    );
    return { err, requests: sim.requests };
  } finally {
    await sim.close();
  }
}

async function failedRun() {
  const runs = await ctx.db.selectFrom('ingestion_runs').selectAll().where('source', '=', 'anthropic').orderBy('id', 'desc').execute();
  const state = await ctx.db.selectFrom('sync_state').selectAll().where('source', '=', 'anthropic').executeTakeFirst();
  const raw = (await ctx.db.selectFrom('raw_payloads').select(['status', 'body', 'body_gz', 'parse_error', 'request']).orderBy('id').execute()).map((r) => ({ ...r, body: readRawBody(r) }));
  return { run: runs[0]!, state, raw };
}

describe('anthropic ingest: bad input is rejected and nothing of the window is written', () => {
  it.each<[string, AnthropicFault, RegExp, RegExp]>([
    ['malformed JSON', { kind: 'malformed-json', endpoint: 'usage' }, /anthropic: unexpected response shape from http:\/\/127\.0\.0\.1:\d+\/v1\/organizations\/usage_report\/messages\?.*: not JSON \(application\/json\)/, /has_more:/],
    ['a truncated body', { kind: 'truncated', endpoint: 'usage' }, /anthropic: unexpected response shape from .*usage_report\/messages.*: not JSON/, /^\{"data":\[/],
    ['a missing required field', { kind: 'missing-field', endpoint: 'usage' }, /anthropic: unexpected response shape from .*usage_report\/messages.*: data\[0\]\.results\[0\]\.output_tokens: /, /"uncached_input_tokens"/],
    ['a cost page without amounts', { kind: 'missing-field', endpoint: 'cost' }, /anthropic: unexpected response shape from .*cost_report.*: data\[0\]\.results\[0\]\.amount: /, /"currency":"USD"/],
    ['an HTML page with status 200 (captive proxy)', { kind: 'html', status: 200, endpoint: 'cost' }, /anthropic: unexpected response shape from .*cost_report.*: not JSON \(text\/html\): 200 Bad Gateway/, /<html>/],
  ])('%s', async (_what, fault, message, body) => {
    const { err } = await ingestWith({ faults: [fault] });
    expect(err).toBeInstanceOf(SourceSchemaError);
    expect(err!.message).toMatch(message);
    expect(await snapshot(ctx)).toEqual({ usage: [], costs: [] });
    const { run, state, raw } = await failedRun();
    expect(run.status).toBe('failed');
    expect(run.error).toBe(err!.message);
    expect(state!.watermark).toBeNull();
    expect(state!.last_error).toBe(err!.message);
    // The offending body is archived byte for byte with its parse error, ready for a replay.
    const bad = raw.find((r) => r.parse_error !== null)!;
    expect(bad.body).toMatch(body);
    expect(err!.message).toContain(bad.parse_error!);
    expect(raw.filter((r) => r.parse_error !== null)).toHaveLength(1);
  });

  it('an HTML proxy error page (502) is retried, then fails naming the status; earlier good data survives', async () => {
    // A good pull first: the failed re-pull must leave it exactly as it was.
    const good = await ingestWith({});
    expect(good.err).toBeNull();
    const before = await snapshot(ctx);
    expect(before.usage).toHaveLength(48);

    const { err, requests } = await ingestWith({ faults: [{ kind: 'html', endpoint: 'cost' }] });
    expect(err).toBeInstanceOf(SourceHttpError);
    expect(err!.message).toMatch(/^anthropic: HTTP 502 from http:\/\/127\.0\.0\.1:\d+\/v1\/organizations\/cost_report\?.*: 502 Bad Gateway 502 Bad Gateway nginx \(after 5 attempts\)$/);
    expect(requests.map((r) => `${r.endpoint}:${r.status}`)).toEqual(['usage:200', 'cost:502', 'cost:502', 'cost:502', 'cost:502', 'cost:502']);
    expect(await snapshot(ctx)).toEqual(before);
    const { raw } = await failedRun();
    expect(raw.filter((r) => r.status === 502).map((r) => r.body.includes('<center>nginx</center>'))).toEqual([true, true, true, true, true]);
  });

  it('a bad second page loses the whole window, not just that page', async () => {
    const { err, requests } = await ingestWith({ maxPageBuckets: 6, faults: [{ kind: 'malformed-json', endpoint: 'usage', skip: 2, times: 1 }] });
    expect(err).toBeInstanceOf(SourceSchemaError);
    expect(requests.map((r) => `${r.endpoint}:${r.status}`)).toEqual(['usage:200', 'usage:200', 'usage:200']);
    expect(await snapshot(ctx)).toEqual({ usage: [], costs: [] });
    const { raw } = await failedRun();
    expect(raw.map((r) => r.parse_error === null)).toEqual([true, true, false]);
  });

  it('a persistent 500 fails after the retry budget', async () => {
    const { err, requests } = await ingestWith({ faults: [{ kind: 'server-error' }] });
    expect(err).toBeInstanceOf(SourceHttpError);
    expect((err as SourceHttpError).retryable).toBe(true);
    expect(err!.message).toMatch(/HTTP 500 .*api_error: Internal server error \(after 5 attempts\)/);
    expect(requests).toHaveLength(5);
  });

  it('a rejected key fails fast with one request, pointing at ANTHROPIC_ADMIN_KEY and never echoing it', async () => {
    const wrong = 'sk-ant-admin-WRONG-secret';
    const { err, requests } = await ingestWith({}, wrong);
    expect(err).toBeInstanceOf(SourceHttpError);
    expect((err as SourceHttpError).status).toBe(401);
    expect((err as SourceHttpError).retryable).toBe(false);
    expect(err!.message).toMatch(/^anthropic: HTTP 401 from .*usage_report\/messages.*: authentication_error: invalid x-api-key; check ANTHROPIC_ADMIN_KEY/);
    expect(err!.message).not.toContain(wrong);
    expect(requests).toHaveLength(1);
    const { raw, run } = await failedRun();
    expect(run.status).toBe('failed');
    expect(JSON.stringify(raw)).not.toContain(wrong);
  });
});

describe('anthropic ingest: unusual but valid data is kept', () => {
  it('unknown enum values are stored as they came', async () => {
    const { err } = await ingestWith({
      transformUsageResult: (r) => ({ ...r, service_tier: 'priority_flex', context_window: '200k-1m', speed: 'turbo' }),
      transformCostResult: (r) => ({ ...r, cost_type: 'tokens_v2', service_tier: 'priority_flex' }),
    });
    expect(err).toBeNull();
    const { usage, costs } = await snapshot(ctx);
    expect(usage).toHaveLength(48);
    expect(new Set(usage.map((u) => `${u.service_tier}|${u.context_window}|${u.batch}|${(u.extra as { speed?: string }).speed}`))).toEqual(new Set(['priority_flex|200k-1m|false|turbo']));
    expect(costs).toHaveLength(8);
    expect(costs.every((c) => (c.extra as { cost_type: string }).cost_type === 'tokens_v2' && c.line_key.includes('|tokens_v2|'))).toBe(true);
  });

  it('a non-USD bill is stored in its own currency, not converted', async () => {
    const usd = await ingestWith({});
    expect(usd.err).toBeNull();
    const inUsd = (await snapshot(ctx)).costs.map((c) => [c.line_key, c.billed_cost]);
    await clearAll(ctx);
    const eur = await ingestWith({ currency: 'EUR' });
    expect(eur.err).toBeNull();
    const { costs } = await snapshot(ctx);
    expect(new Set(costs.map((c) => c.billing_currency))).toEqual(new Set(['EUR']));
    expect(costs.map((c) => [c.line_key, c.billed_cost])).toEqual(inUsd);
  });

  it('a credit (negative cents) is stored as a negative Credit line', async () => {
    const { err } = await ingestWith({
      transformCostResult: (r) => (r.token_type === 'output_tokens' && String(r.model).includes('haiku') ? { ...r, amount: '-1234.5', cost_type: 'credit', description: 'Promotional credit' } : r),
    });
    expect(err).toBeNull();
    const credit = (await snapshot(ctx)).costs.filter((c) => c.charge_category === 'Credit');
    expect(credit.map((c) => [c.billed_cost, c.effective_cost, c.charge_description])).toEqual([['-12.345', '-12.345', 'Promotional credit']]);
  });
});
