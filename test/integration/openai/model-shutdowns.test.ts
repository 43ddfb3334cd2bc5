import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Decimal } from 'decimal.js';
import { fixedClock } from '../../../src/clock.ts';
import { configSchema } from '../../../src/config/schema.ts';
import type { Ctx } from '../../../src/context.ts';
import { computeMonth } from '../../../src/compute/month.ts';
import { writeFacts } from '../../../src/ingest/upsert.ts';
import { createLogger } from '../../../src/log.ts';
import { renderMonthlyReport } from '../../../src/reports/render.ts';
import { openaiConnector } from '../../../src/sources/openai/connector.ts';
import { startOpenAISimulator, type OpenAISimulator, type OpenAISimulatorOptions } from '../../../src/simulators/openai.ts';
import { parseMonth } from '../../../src/time.ts';
import { createTestContext, type TestCtx } from '../../helpers/db.ts';
import { scenarioTotals } from './support.ts';

// November 2026 through simulator → ingest → compute → report, with the retirement table taking
// OpenAI's GET /v1/models shutdown_date: code-review runs on gpt-4.1-2025-04-14, which the shipped
// table retires on 2027-01-14 but the API on 2026-11-20; rerank compares against gpt-5.1, which
// the shipped table does not retire at all and the API does on 2026-12-20.
const config = configSchema.parse({
  features: [
    { name: 'code-review', architecture: 'api', rules: [{ source: 'openai', project_id: 'proj_eng' }], counterfactual: { successor: 'gpt-5.4' } },
    {
      name: 'rerank',
      architecture: 'self_hosted',
      rules: [{ source: 'prometheus', deployment: 'rerank' }],
      counterfactual: { api_provider: 'openai', api_model: 'gpt-5.1', successor: 'gpt-5.4' },
    },
  ],
  deployments: [{ name: 'rerank', feature: 'rerank', profile: 'p', gpus: 1 }],
  gpus: { l4: { memory_gib: 24, hourly_price: '1.00' } },
  profiles: { p: { model_class: '8b', gpu: 'l4', tokens_per_second: 1000 } },
  ops: { monthly_cost: '0' },
  sources: { openai: { spend_limits: false } },
});
const MONTH = new Date('2026-11-01T00:00:00Z');
const D1 = new Date('2026-11-02T00:00:00Z'); // a Monday
const D3 = new Date('2026-11-04T00:00:00Z');
const NOW = new Date('2026-12-02T00:00:00Z');
const at = (h: number) => new Date(MONTH.getTime() + h * 3_600_000);

const MODELS: OpenAISimulatorOptions['models'] = [
  { id: 'gpt-4.1', shutdown_date: '2026-11-20' },
  { id: 'gpt-4.1-2025-04-14', shutdown_date: '2026-11-20' },
  { id: 'gpt-5.1', shutdown_date: 1797724800 }, // 2026-12-20 as unix seconds
  { id: 'gpt-5.2', shutdown_date: 'next spring' },
  { id: 'gpt-5.4' },
];

let sim: OpenAISimulator | undefined;
async function closeSim(): Promise<void> {
  await sim?.close();
  sim = undefined;
}

/** A fresh database, a simulator with these models, the month's self-hosted facts, and a log to read. */
async function setup(models: OpenAISimulatorOptions['models']): Promise<{ ctx: TestCtx; logs: () => Array<Record<string, unknown>> }> {
  sim = await startOpenAISimulator({ now: () => NOW, models });
  const ctx = await createTestContext({ config, clock: fixedClock('2026-12-03T08:00:00Z'), env: { OPENAI_BASE_URL: sim.url, OPENAI_ADMIN_KEY: 'sk-admin-test' } });
  const out = new PassThrough();
  const lines: string[] = [];
  out.on('data', (b: Buffer) => lines.push(...b.toString('utf8').split('\n').filter(Boolean)));
  ctx.log = createLogger('info', out);
  await ctx.db
    .insertInto('cost_line_items')
    .values({ source: 'focus', line_key: 'rerank-gpu', charge_period_start: MONTH, charge_period_end: at(24), provider_name: 'Google Cloud', billing_currency: 'USD', billed_cost: '100.00', effective_cost: '100.00', deployment: 'rerank' })
    .execute();
  const serving = [];
  for (let h = 0; h < 10; h++) serving.push({ hour: at(h), deployment: 'rerank', model: 'llama-8b', prompt_tokens: 1_000_000, generation_tokens: 1_000_000 });
  await writeFacts(ctx.db, config, { serving });
  return { ctx, logs: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const shutdowns = (ctx: Ctx) => ctx.db.selectFrom('model_shutdowns').select(['provider', 'model', 'shutdown_date', 'source']).orderBy('model').execute();
const usd = (d: Decimal) => `$${d.toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toNumber().toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

/** proj_eng's two days of scenario usage priced per 1M tokens (input incl. cache writes, cached input, output). */
function codeReviewCost(input: string, cached: string, output: string): string {
  const t = scenarioTotals(D1, D3).get('proj_eng')!;
  return usd(new Decimal(t.uncached + t.cacheWrite).times(input).plus(new Decimal(t.cacheRead).times(cached)).plus(new Decimal(t.output).times(output)).div(1_000_000));
}

describe('OpenAI /v1/models shutdown dates in the retirement table', () => {
  let ctx: TestCtx;
  let logs: () => Array<Record<string, unknown>>;
  let report: Awaited<ReturnType<typeof renderMonthlyReport>>;

  beforeAll(async () => {
    ({ ctx, logs } = await setup(MODELS));
    const windows = await openaiConnector.ingest(ctx, { start: D1, end: D3 });
    expect(windows.map((w) => w.rows > 0)).toEqual([true, true]);
    await computeMonth(ctx, MONTH);
    report = await renderMonthlyReport(ctx, parseMonth('2026-11'));
  }, 180_000);
  afterAll(async () => {
    await closeSim();
    await ctx?.destroy();
  });

  const warningsOf = (feature: string) => report.view.features.find((f) => f.feature === feature)!.warnings;

  it('reads /v1/models once per run and stores the readable dates', async () => {
    expect(sim!.log.filter((l) => l.startsWith('/v1/models'))).toEqual(['/v1/models']);
    expect(await shutdowns(ctx)).toEqual([
      { provider: 'openai', model: 'gpt-4.1', shutdown_date: '2026-11-20', source: 'OpenAI /v1/models' },
      { provider: 'openai', model: 'gpt-4.1-2025-04-14', shutdown_date: '2026-11-20', source: 'OpenAI /v1/models' },
      { provider: 'openai', model: 'gpt-5.1', shutdown_date: '2026-12-20', source: 'OpenAI /v1/models' },
    ]);
    const archived = await ctx.db.selectFrom('raw_payloads').select(['status', 'request']).where('run_id', 'is', null).execute();
    expect(archived.map((r) => [r.status, (r.request as { url: string }).url.replace(sim!.url, '')])).toEqual([[200, '/models']]);
  });

  it('skips an unreadable date and reports it, never guessing one', () => {
    expect(logs().filter((l) => l.model === 'gpt-5.2')).toEqual([expect.objectContaining({ level: 40, source: 'openai', shutdown_date: 'next spring', msg: 'unreadable shutdown_date from /v1/models: skipped' })]);
  });

  it('retires a model the API dates earlier than the shipped table, and prices the usage at the successor', () => {
    expect(warningsOf('code-review')).toContain(
      `openai gpt-4.1-2025-04-14, which this feature runs on, was retired on 2026-11-20 (OpenAI /v1/models); successor gpt-5.4: this month's usage costs ${codeReviewCost('2', '0.5', '8')} at gpt-4.1-2025-04-14's list price, ${codeReviewCost('2.5', '0.25', '15')} at gpt-5.4's.`,
    );
    expect(report.text).toContain('was retired on 2026-11-20 (OpenAI /v1/models)');
  });

  it('flags a comparator only the API retires, and prices its successor', () => {
    // 10M input + 10M output: gpt-5.1 1.25 + 10.00 per 1M = $112.50; gpt-5.4 2.50 + 15.00 = $175.00.
    expect(warningsOf('rerank')).toContain(
      "The comparator openai gpt-5.1 retires on 2026-12-20 (OpenAI /v1/models); successor gpt-5.4: the same tokens cost $112.50 at gpt-5.1's list price, $175.00 at gpt-5.4's.",
    );
    expect(report.html).toContain('$175.00 at gpt-5.4');
  });

  it('a later read that lists a model without a date removes its stored one; an unlisted model keeps its row', async () => {
    await closeSim();
    sim = await startOpenAISimulator({ now: () => NOW, models: [{ id: 'gpt-5.1' }, { id: 'gpt-4.1', shutdown_date: '2026-11-21' }] });
    await openaiConnector.ingest({ ...ctx, env: { ...ctx.env, OPENAI_BASE_URL: sim.url } }, { start: D1, end: new Date('2026-11-03T00:00:00Z') });
    expect((await shutdowns(ctx)).map((r) => [r.model, r.shutdown_date])).toEqual([
      ['gpt-4.1', '2026-11-21'],
      ['gpt-4.1-2025-04-14', '2026-11-20'],
    ]);
  });
});

describe('a key that may not list models (403)', () => {
  let ctx: TestCtx;
  afterAll(async () => {
    await closeSim();
    await ctx?.destroy();
  });

  it('stores nothing, does not fail the ingest, and the report keeps the shipped table', async () => {
    ({ ctx } = await setup('forbidden'));
    const windows = await openaiConnector.ingest(ctx, { start: D1, end: D3 });
    expect(windows.map((w) => w.rows > 0)).toEqual([true, true]);
    expect(sim!.log.filter((l) => l.startsWith('/v1/models'))).toEqual(['/v1/models']);
    expect(await shutdowns(ctx)).toEqual([]);
    const state = await ctx.db.selectFrom('sync_state').select(['last_error', 'watermark']).where('source', '=', 'openai').executeTakeFirstOrThrow();
    expect(state).toEqual({ last_error: null, watermark: D3 });
    await computeMonth(ctx, MONTH);
    const report = await renderMonthlyReport(ctx, parseMonth('2026-11'));
    const warnings = (f: string) => report.view.features.find((x) => x.feature === f)!.warnings;
    expect(warnings('code-review').some((w) => w.startsWith('openai gpt-4.1-2025-04-14, which this feature runs on, retires on 2027-01-14 (shipped retirement table); successor gpt-5.4'))).toBe(true);
    expect(warnings('rerank').some((w) => w.includes('gpt-5.1 retires'))).toBe(false);
  }, 180_000);
});
