import type { Db } from '../../src/db/connect.ts';
import { writeFacts } from '../../src/ingest/upsert.ts';
import { configSchema } from '../../src/config/schema.ts';
import type { ReportInputs } from '../../src/reports/inputs.ts';

const COMPUTED_AT = new Date('2026-11-02T07:00:00Z');
const SEED_CONFIG = configSchema.parse({});

/**
 * Writes a report fixture into the tables the report reads: compute outputs for the month and the
 * previous month, plus the facts behind the daily-spend and load charts and the data-quality
 * section. API daily spend becomes OpenAI cost lines (feature code-review), self-hosted spend AWS
 * lines tied to deployment rerank-70b, unattributed spend OpenAI lines without a feature.
 */
export async function seedReportFixture(db: Db, inputs: ReportInputs): Promise<void> {
  const month = `${inputs.month}-01`;
  const prev = `${inputs.previousMonth}-01`;
  const featureRows = (rows: ReportInputs['features'], m: string) =>
    rows.map((r) => ({ ...r, architecture: r.architecture as 'api' | 'self_hosted', month: m, computed_at: COMPUTED_AT, assumptions: JSON.stringify(r.assumptions) }));
  if (inputs.features.length) await db.insertInto('feature_monthly_results').values(featureRows(inputs.features, month)).execute();
  if (inputs.previousFeatures.length) await db.insertInto('feature_monthly_results').values(featureRows(inputs.previousFeatures, prev)).execute();
  if (inputs.deployments.length) await db.insertInto('deployment_monthly').values(inputs.deployments.map((d) => ({ ...d, month, computed_at: COMPUTED_AT }))).execute();
  if (inputs.previousDeployments.length) {
    await db.insertInto('deployment_monthly').values(inputs.previousDeployments.map((d) => ({ ...d, month: prev, computed_at: COMPUTED_AT }))).execute();
  }
  if (inputs.reconciliation.length) {
    await db.insertInto('reconciliation_monthly').values(inputs.reconciliation.map((r) => ({ ...r, month, computed_at: COMPUTED_AT }))).execute();
  }

  const estimated = new Set(inputs.estimatedDays.map((e) => `${e.source}|${e.day}`));
  const lines = inputs.dailySpend.map((s) => {
    // Unattributed spend is an untagged cloud line: API invoice lines always count as API spend.
    const source = s.category === 'api' ? 'openai' : 'aws';
    const start = new Date(`${s.day}T00:00:00Z`);
    return {
      source,
      line_key: `${s.category}-${s.day}`,
      charge_period_start: start,
      charge_period_end: new Date(start.getTime() + 86_400_000),
      provider_name: source === 'aws' ? 'AWS' : 'OpenAI',
      billing_currency: s.currency,
      billed_cost: s.amount,
      effective_cost: s.amount,
      feature: s.category === 'api' ? 'code-review' : s.category === 'self_hosted' ? 'search-rerank' : null,
      deployment: s.category === 'self_hosted' ? 'rerank-70b' : null,
      estimated: estimated.has(`${source}|${s.day}`),
    };
  });
  const ids: string[] = [];
  for (let i = 0; i < lines.length; i += 500) ids.push(...(await db.insertInto('cost_line_items').values(lines.slice(i, i + 500)).returning('id').execute()).map((r) => r.id));
  // The report reads daily money from the allocation ledger, as compute would have written it.
  const ledger = lines.map((l, i) => ({
    month, line_id: ids[i]!, feature: l.feature ?? 'unattributed', day: l.charge_period_start.toISOString().slice(0, 10), idle: false,
    effective_cost: l.effective_cost, billed_cost: l.billed_cost, currency: l.billing_currency,
  }));
  for (let i = 0; i < ledger.length; i += 500) await db.insertInto('allocation_ledger').values(ledger.slice(i, i + 500)).execute();

  const serving = inputs.hourlyLoad.map((l) => {
    const tokens = BigInt(l.tokens);
    const prompt = (tokens * 8n) / 10n;
    return { hour: new Date(l.hour), deployment: l.deployment, model: 'm', prompt_tokens: prompt.toString(), generation_tokens: (tokens - prompt).toString(), requests: 1 };
  });
  await writeFacts(db, SEED_CONFIG, { serving });
  const gpus = inputs.hourlyLoad.flatMap((l) =>
    Array.from({ length: l.gpus ?? 0 }, (_, g) => ({ hour: new Date(l.hour), hostname: `${l.deployment}-host`, gpu: String(g), deployment: l.deployment, gpu_util_avg: 0.3 })),
  );
  for (let i = 0; i < gpus.length; i += 1000) await db.insertInto('gpu_metrics').values(gpus.slice(i, i + 1000)).execute();

  const usage = inputs.coverage
    .filter((c) => c.dataset.endsWith(' usage'))
    .flatMap((c) =>
      c.days.map((day) => ({
        provider: c.dataset.split(' ')[0]!,
        bucket_start: new Date(`${day}T00:00:00Z`),
        bucket_end: new Date(`${day}T01:00:00Z`),
        model: 'm',
        output_tokens: 1,
      })),
    );
  if (usage.length) await writeFacts(db, SEED_CONFIG, { usage });

  if (inputs.sync.length) {
    await db
      .insertInto('sync_state')
      .values(
        inputs.sync.map((s) => ({
          source: s.source,
          account: s.account,
          watermark: s.watermark,
          last_success_at: s.watermark,
          last_error: s.open_error,
          last_error_at: s.open_error && s.watermark ? new Date(Date.parse(s.watermark) + 3_600_000) : null,
        })),
      )
      .execute();
  }
}
