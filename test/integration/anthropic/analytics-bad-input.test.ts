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
  ctx = await createTestContext({ config: configWithApi('analytics'), env: { ANTHROPIC_ADMIN_KEY: ADMIN_KEY } });
});
afterAll(async () => {
  await ctx?.destroy();
});
beforeEach(async () => {
  await clearAll(ctx);
});

async function ingestWith(opts: AnthropicSimulatorOptions) {
  const sim = await startAnthropicSimulator(opts);
  try {
    const err = await anthropicConnector.ingest(withSimulator(ctx, sim.url), DAY).then(
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

describe('anthropic analytics ingest: bad input is rejected and nothing of the window is written', () => {
  it.each<[string, AnthropicFault, RegExp, RegExp]>([
    ['malformed JSON', { kind: 'malformed-json', endpoint: 'analytics-usage' }, /anthropic: unexpected response shape from http:\/\/127\.0\.0\.1:\d+\/v1\/organizations\/analytics\/usage\?.*: not JSON \(application\/json\)/, /has_more:/],
    ['a truncated body', { kind: 'truncated', endpoint: 'analytics-usage' }, /anthropic: unexpected response shape from .*analytics\/usage.*: not JSON/, /^\{"data":\[/],
    ['a usage row without output tokens', { kind: 'missing-field', endpoint: 'analytics-usage' }, /anthropic: unexpected response shape from .*analytics\/usage.*: data\[0\]\.usage\.output_tokens: /, /"uncached_input_tokens"/],
    ['a cost row without an amount', { kind: 'missing-field', endpoint: 'analytics-cost' }, /anthropic: unexpected response shape from .*analytics\/cost.*: data\[0\]\.cost\.amount: /, /"list_amount"/],
    ['an HTML page with status 200 (captive proxy)', { kind: 'html', status: 200, endpoint: 'analytics-cost' }, /anthropic: unexpected response shape from .*analytics\/cost.*: not JSON \(text\/html\): 200 Bad Gateway/, /<html>/],
  ])('%s', async (_what, fault, message, body) => {
    const { err } = await ingestWith({ faults: [fault] });
    expect(err).toBeInstanceOf(SourceSchemaError);
    expect(err!.message).toMatch(message);
    expect(await snapshot(ctx)).toEqual({ usage: [], costs: [] });
    const { run, state, raw } = await failedRun();
    expect(run.status).toBe('failed');
    expect(run.error).toBe(err!.message);
    expect(state!.watermark).toBeNull();
    const bad = raw.find((r) => r.parse_error !== null)!;
    expect(bad.body).toMatch(body);
    expect(err!.message).toContain(bad.parse_error!);
    expect(raw.filter((r) => r.parse_error !== null)).toHaveLength(1);
  });

  it('a money amount that went through a float (exponent) is refused', async () => {
    const { err } = await ingestWith({ transformAnalyticsCostRow: (r) => ({ ...r, cost: { ...(r.cost as object), amount: '1.2e3' } }) });
    expect(err).toBeInstanceOf(SourceSchemaError);
    expect(err!.message).toMatch(/analytics\/cost.*: data\[0\]\.cost\.amount: expected a decimal string of cents/);
    expect(await snapshot(ctx)).toEqual({ usage: [], costs: [] });
  });

  it('a bad third usage page loses the whole window; the pages fetched are archived, the bad one with its error', async () => {
    const { err, requests } = await ingestWith({ maxPageBuckets: 10, faults: [{ kind: 'malformed-json', endpoint: 'analytics-usage', skip: 2, times: 1 }] });
    expect(err).toBeInstanceOf(SourceSchemaError);
    expect(requests.map((r) => `${r.endpoint}:${r.status}`)).toEqual(['analytics-usage:200', 'analytics-usage:200', 'analytics-usage:200']);
    expect(await snapshot(ctx)).toEqual({ usage: [], costs: [] });
    const { raw } = await failedRun();
    expect(raw.map((r) => r.parse_error === null)).toEqual([true, true, false]);
  });

  it('grouped rows in another currency than the ungrouped total are refused, naming the day', async () => {
    const { err } = await ingestWith({
      transformAnalyticsCostRow: (r) => ((r.group as { api_key_id: string | null }).api_key_id ? { ...r, cost: { ...(r.cost as object), currency: 'EUR' } } : r),
    });
    expect(err).toBeInstanceOf(SourceSchemaError);
    expect(err!.message).toMatch(/grouped rows for 2026-10-05T00:00:00.000Z\/2026-10-06T00:00:00.000Z are in EUR but the total is in USD/);
    expect(await snapshot(ctx)).toEqual({ usage: [], costs: [] });
  });

  it('a missing beta header would be a 400 the connector names (the simulator insists on it)', async () => {
    const sim = await startAnthropicSimulator();
    try {
      const res = await fetch(`${sim.url}/v1/organizations/analytics/usage?starting_at=2026-10-05T00:00:00Z`, { headers: { 'x-api-key': ADMIN_KEY, 'anthropic-version': '2023-06-01' } });
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('analytics-usage-cost-2026-08-24');
    } finally {
      await sim.close();
    }
  });

  it('a persistent 500 fails after the retry budget', async () => {
    const { err, requests } = await ingestWith({ faults: [{ kind: 'server-error', endpoint: 'analytics-cost' }] });
    expect(err).toBeInstanceOf(SourceHttpError);
    expect((err as SourceHttpError).retryable).toBe(true);
    expect(requests.map((r) => `${r.endpoint}:${r.status}`)).toEqual(['analytics-usage:200', 'analytics-usage:200', ...Array(5).fill('analytics-cost:500')]);
    expect(await snapshot(ctx)).toEqual({ usage: [], costs: [] });
  });
});

describe('anthropic analytics ingest: unusual but valid data is kept', () => {
  it('unknown group values and extra fields are stored as they came', async () => {
    const { err } = await ingestWith({
      transformAnalyticsUsageRow: (r) => ({ ...r, group: { ...(r.group as object), service_tier: 'priority_flex', speed: 'turbo', agent_id: 'agt_1' } }),
      transformAnalyticsCostRow: (r) => ({ ...r, group: { ...(r.group as object), cost_type: 'tokens_v2' }, cost: { ...(r.cost as object), credits_applied: '0' } }),
    });
    expect(err).toBeNull();
    const { usage, costs } = await snapshot(ctx);
    expect(usage).toHaveLength(48);
    expect(new Set(usage.map((u) => `${u.service_tier}|${u.batch}|${(u.extra as { speed?: string }).speed}|${(u.extra as { agent_id?: string }).agent_id}`))).toEqual(new Set(['priority_flex|false|turbo|agt_1']));
    expect(costs.filter((c) => c.line_key.includes('|tokens_v2|'))).toHaveLength(8);
    expect(costs.every((c) => (c.extra as { cost_type?: string }).cost_type === 'tokens_v2' || (c.extra as { remainder?: boolean }).remainder)).toBe(true);
  });

  it('a credit (negative fractional cents) is stored as a negative Credit line with its list price', async () => {
    const { err } = await ingestWith({
      transformAnalyticsCostRow: (r) => {
        const g = r.group as { token_type: string | null; model: string | null };
        return g.token_type === 'output_tokens' && String(g.model).includes('haiku') ? { ...r, cost: { ...(r.cost as object), amount: '-1234.5', list_amount: '0' } } : r;
      },
    });
    expect(err).toBeNull();
    const { costs } = await snapshot(ctx);
    const credit = costs.filter((c) => c.charge_category === 'Credit');
    expect(credit.map((c) => [c.billed_cost, c.list_cost, (c.extra as { discount: string }).discount])).toEqual([['-12.345', '0', '12.345']]);
    // The ungrouped total still has the real amount, so the difference shows up as the remainder line.
    expect(costs.filter((c) => (c.extra as { remainder?: boolean }).remainder)).toHaveLength(1);
  });
});
