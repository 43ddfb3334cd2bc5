import { Decimal } from 'decimal.js';
import type { DeploymentConfig } from '../../config/schema.ts';
import type { CostLineItemInsert, UsageFactInsert } from '../../db/types.ts';
import { toDecimalString } from '../focus/money.ts';
import { matchDeployment } from './deployment-match.ts';
import type { CostAndUsagePage, MetricValue } from './schema.ts';
import { parseUsageType, type TokenType } from './usage-type.ts';

export const AWS_COST_SOURCE = 'aws';
export const BEDROCK_PROVIDER = 'aws-bedrock';

export interface NormalizeOptions {
  /** The amortized metric requested (money of record for unit cost); falls back to Unblended when absent. */
  costMetric: string;
  deployments?: readonly DeploymentConfig[];
  account?: string;
}

export interface AwsFacts {
  costs: CostLineItemInsert[];
  usage: UsageFactInsert[];
}

interface GroupDim {
  type: string;
  key: string;
}

const day = (s: string) => new Date(`${s}T00:00:00Z`);

/** `"feature$chat"` → ['feature', 'chat']; `"feature$"` → ['feature', ''] (untagged). */
export function splitTagKey(raw: string): { key: string; value: string } {
  const i = raw.indexOf('$');
  return i < 0 ? { key: raw, value: '' } : { key: raw.slice(0, i), value: raw.slice(i + 1) };
}

function amount(m: MetricValue | undefined): string | null {
  return m ? toDecimalString(m.Amount) : null;
}

/** Token counts from UsageQuantity, honouring a per-thousand/per-million unit where one is given. */
function tokenCount(q: MetricValue | undefined): string {
  if (!q) return '0';
  const unit = (q.Unit ?? '').toLowerCase();
  const scale = /^(1\s*k|k\b|thousand|1,000)/.test(unit) ? 1000 : /^(1\s*m|m\b|million|1,000,000)/.test(unit) ? 1_000_000 : 1;
  return new Decimal(q.Amount).times(scale).toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toFixed();
}

/**
 * Cost Explorer pages (DAILY or MONTHLY, grouped by up to two of TAG / USAGE_TYPE / SERVICE / other
 * dimensions) → FOCUS-shaped cost lines, plus usage facts for Bedrock token usage types.
 * Pure: every amount stays an exact decimal string.
 */
export function normalizeCostAndUsage(pages: readonly CostAndUsagePage[], opts: NormalizeOptions): AwsFacts {
  const account = opts.account ?? 'default';
  const costs: CostLineItemInsert[] = [];
  const usage = new Map<string, UsageFactInsert & { extra: Record<string, unknown> }>();
  for (const page of pages) {
    const dims: GroupDim[] = (page.GroupDefinitions ?? []).map((g) => ({ type: g.Type ?? 'DIMENSION', key: g.Key ?? '' }));
    for (const r of page.ResultsByTime) {
      const start = day(r.TimePeriod.Start);
      const end = day(r.TimePeriod.End);
      const estimated = r.Estimated ?? false;
      const groups = r.Groups.length > 0 ? r.Groups : r.Total && Object.keys(r.Total).length > 0 ? [{ Keys: [], Metrics: r.Total }] : [];
      for (const g of groups) {
        let tags: Record<string, string> = {};
        let tagValue: string | null = null;
        let usageType: string | null = null;
        let service: string | null = null;
        const otherDims: Record<string, string> = {};
        for (let i = 0; i < g.Keys.length; i++) {
          const k = g.Keys[i]!;
          const dim = dims[i] ?? { type: 'DIMENSION', key: `key${i}` };
          if (dim.type === 'TAG') {
            const t = splitTagKey(k);
            tagValue = t.value === '' ? null : t.value;
            if (tagValue !== null) tags = { ...tags, [t.key || dim.key]: tagValue };
          } else if (dim.type === 'DIMENSION' && dim.key === 'USAGE_TYPE') usageType = k;
          else if (dim.type === 'DIMENSION' && dim.key === 'SERVICE') service = k;
          else otherDims[`${dim.type}:${dim.key}`] = k;
        }

        const unblended = g.Metrics['UnblendedCost'];
        const chosen = g.Metrics[opts.costMetric] ? opts.costMetric : unblended ? 'UnblendedCost' : Object.keys(g.Metrics).find((m) => m.endsWith('Cost'));
        if (!chosen) throw new Error(`AWS Cost Explorer: a group of ${r.TimePeriod.Start} (${g.Keys.join(', ')}) carries no cost metric`);
        const effective = amount(g.Metrics[chosen])!;
        const billed = amount(unblended) ?? effective;
        const currency = (g.Metrics[chosen]!.Unit ?? unblended?.Unit ?? 'USD').toUpperCase();
        const qty = g.Metrics['UsageQuantity'];

        const ut = usageType ? parseUsageType(usageType) : null;
        // LLM inference spend only: GPU capacity, Bedrock tokens, and whatever carries the feature tag.
        // The rest of the AWS bill (untagged S3, web servers, …) is not this tool's business and would
        // swamp "unattributed". Only decidable when grouped by usage type (the connector's grouping).
        if (usageType !== null && !ut?.gpu && !ut?.bedrock && tagValue === null) continue;
        const lineKey = g.Keys.length > 0 ? g.Keys.join('|') : 'total';
        // Only GPU capacity belongs to a deployment; storage or transfer with the same tag is the feature's, not GPU hours.
        const deployment = opts.deployments && (ut?.gpu || !usageType)
          ? matchDeployment(opts.deployments, { tag: dims.some((d) => d.type === 'TAG') ? tagValue : undefined, usageType: usageType ?? undefined })
          : null;
        costs.push({
          source: AWS_COST_SOURCE,
          account,
          line_key: lineKey,
          charge_period_start: start,
          charge_period_end: end,
          provider_name: 'AWS',
          billing_account_id: null,
          billing_currency: currency,
          billed_cost: billed,
          effective_cost: effective,
          charge_category: 'Usage',
          service_name: service ?? ut?.service ?? null,
          service_category: ut?.serviceCategory ?? null,
          resource_type: ut?.resourceType ?? null,
          region_id: ut?.region ?? null,
          consumed_quantity: amount(qty),
          consumed_unit: qty?.Unit ?? null,
          tags,
          x_usage_type: usageType,
          x_model: ut?.bedrock?.model ?? null,
          x_token_type: ut?.bedrock?.tokenType ?? null,
          x_gpu_model: ut?.gpu?.gpu ?? null,
          x_gpu_count: ut?.gpu?.count ?? null,
          estimated,
          deployment,
          extra: {
            cost_metric: chosen,
            ...(ut?.instanceType ? { instance_type: ut.instanceType } : {}),
            ...(ut?.purchaseOption ? { purchase_option: ut.purchaseOption } : {}),
            ...(Object.keys(otherDims).length ? { dimensions: otherDims } : {}),
          },
        });

        if (ut?.bedrock) addBedrockUsage(usage, { account, start, end, tagValue, estimated, usageType: usageType!, tokens: tokenCount(qty), ...ut.bedrock });
      }
    }
  }
  return { costs, usage: [...usage.values()] };
}

const TOKEN_COLUMN: Record<TokenType, 'uncached_input_tokens' | 'output_tokens' | 'cache_read_tokens' | 'cache_write_tokens'> = {
  uncached_input_tokens: 'uncached_input_tokens',
  output_tokens: 'output_tokens',
  cache_read_tokens: 'cache_read_tokens',
  cache_write_tokens: 'cache_write_tokens',
};

/**
 * One usage fact per (day, tag value, model, batch): the tag value goes into project_id — the cost
 * allocation tag is AWS's counterpart of a project — so two tags' usage of one model never collide.
 */
function addBedrockUsage(
  acc: Map<string, UsageFactInsert & { extra: Record<string, unknown> }>,
  u: { account: string; start: Date; end: Date; tagValue: string | null; estimated: boolean; usageType: string; tokens: string; model: string; tokenType: TokenType; batch: boolean; marketplace: boolean },
): void {
  const key = [u.start.toISOString(), u.end.toISOString(), u.tagValue ?? '', u.model, u.batch].join('|');
  let fact = acc.get(key);
  if (!fact) {
    fact = {
      provider: BEDROCK_PROVIDER,
      account: u.account,
      bucket_start: u.start,
      bucket_end: u.end,
      project_id: u.tagValue,
      api_key_id: null,
      workspace_id: null,
      model: u.model,
      service_tier: null,
      batch: u.batch,
      context_window: null,
      uncached_input_tokens: '0',
      cache_read_tokens: '0',
      cache_write_tokens: '0',
      output_tokens: '0',
      requests: '0',
      extra: { usage_types: [], estimated: u.estimated, ...(u.marketplace ? { marketplace: true } : {}) },
    };
    acc.set(key, fact);
  }
  const col = TOKEN_COLUMN[u.tokenType];
  fact[col] = new Decimal(String(fact[col] ?? '0')).plus(u.tokens).toFixed();
  (fact.extra['usage_types'] as string[]).push(u.usageType);
  if (u.estimated) fact.extra['estimated'] = true;
}
