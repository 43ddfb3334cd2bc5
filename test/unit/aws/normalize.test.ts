import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Decimal } from 'decimal.js';
import { LOCAL_FIXTURES } from '../../helpers/env.ts';
import { costAndUsageSchema, type CostAndUsagePage } from '../../../src/sources/aws/schema.ts';
import { normalizeCostAndUsage, splitTagKey } from '../../../src/sources/aws/normalize.ts';
import type { DeploymentConfig } from '../../../src/config/schema.ts';

const fixture = (name: string): CostAndUsagePage => costAndUsageSchema.parse(JSON.parse(readFileSync(`${LOCAL_FIXTURES}aws/${name}`, 'utf8')));

describe('normalizeCostAndUsage on the real boto3 response (MONTHLY, grouped by SERVICE)', () => {
  const page = fixture('aws-ce-get-cost-and-usage.boto3-real-response.monthly-service.json');
  const { costs, usage } = normalizeCostAndUsage([page], { costMetric: 'NetAmortizedCost' });

  it('keeps every group of both periods, with the period split at the month boundary', () => {
    expect(costs).toHaveLength(17 + 16);
    const jan = costs.filter((c) => (c.charge_period_start as Date).toISOString() === '2025-01-24T00:00:00.000Z');
    const feb = costs.filter((c) => (c.charge_period_start as Date).toISOString() === '2025-02-01T00:00:00.000Z');
    expect(jan).toHaveLength(17);
    expect(feb).toHaveLength(16);
    expect((jan[0]!.charge_period_end as Date).toISOString()).toBe('2025-02-01T00:00:00.000Z');
    expect((feb[0]!.charge_period_end as Date).toISOString()).toBe('2025-02-23T00:00:00.000Z');
    expect(jan.every((c) => c.estimated === false)).toBe(true);
    expect(feb.every((c) => c.estimated === true)).toBe(true);
    expect(usage).toEqual([]);
  });

  it('keeps amounts as exact decimal strings and names the service from the SERVICE key', () => {
    const bedrockJan = costs.find((c) => c.service_name === 'Amazon Bedrock' && !c.estimated)!;
    expect(bedrockJan.billed_cost).toBe('12.743910805');
    expect(bedrockJan.effective_cost).toBe('12.743910805');
    expect(bedrockJan.billing_currency).toBe('USD');
    expect(bedrockJan.line_key).toBe('Amazon Bedrock');
    // The requested NetAmortizedCost is absent from this response: Unblended is used and recorded.
    expect(bedrockJan.extra).toMatchObject({ cost_metric: 'UnblendedCost' });
    const amplify = costs.find((c) => c.service_name === 'AWS Amplify' && !c.estimated)!;
    expect(amplify.billed_cost).toBe('0.000000404');
    const febTotal = costs.filter((c) => c.estimated).reduce((a, c) => a.plus(c.billed_cost as string), new Decimal(0));
    expect(febTotal.toFixed()).toBe('1225.1404544449');
  });
});

describe('normalizeCostAndUsage on the awscli tag-group example', () => {
  const page = fixture('aws-ce-get-cost-and-usage.awscli-example.tag-groups.json');
  const { costs } = normalizeCostAndUsage([page], { costMetric: 'NetAmortizedCost' });

  it('reads "Environment$Dev" as a tag and "Environment$" as untagged', () => {
    expect(costs).toHaveLength(2);
    const [untagged, dev] = costs;
    expect(untagged!.tags).toEqual({});
    expect(untagged!.line_key).toBe('Amazon Simple Storage Service|Environment$');
    expect(untagged!.billed_cost).toBe('40.3543773134');
    expect(untagged!.consumed_quantity).toBe('9312771.098461578');
    expect(untagged!.consumed_unit).toBe('N/A');
    expect(dev!.tags).toEqual({ Environment: 'Dev' });
    expect(dev!.billed_cost).toBe('0.2682364644');
    expect(dev!.service_name).toBe('Amazon Simple Storage Service');
    expect((dev!.charge_period_start as Date).toISOString()).toBe('2017-09-01T00:00:00.000Z');
  });

  it('splits tag keys at the first $', () => {
    expect(splitTagKey('feature$support-chat')).toEqual({ key: 'feature', value: 'support-chat' });
    expect(splitTagKey('feature$')).toEqual({ key: 'feature', value: '' });
    expect(splitTagKey('feature$a$b')).toEqual({ key: 'feature', value: 'a$b' });
  });
});

const deployments: DeploymentConfig[] = [
  { name: 'copilot-vllm', profile: 'p', gpus: 1, replicas: 2, match: { hostnames: [], aws_tag: 'internal-copilot' } },
  { name: 'west-gpu', profile: 'p', gpus: 8, replicas: 1, match: { hostnames: [], usage_type: 'USW2-*:p5.48xlarge' } },
];

const m = (amount: string, unit = 'USD') => ({ Amount: amount, Unit: unit });

describe('normalizeCostAndUsage on DAILY TAG × USAGE_TYPE groups', () => {
  const page = costAndUsageSchema.parse({
    GroupDefinitions: [
      { Type: 'TAG', Key: 'feature' },
      { Type: 'DIMENSION', Key: 'USAGE_TYPE' },
    ],
    ResultsByTime: [
      {
        TimePeriod: { Start: '2026-11-03', End: '2026-11-04' },
        Total: {},
        Estimated: true,
        Groups: [
          { Keys: ['feature$internal-copilot', 'BoxUsage:g6e.xlarge'], Metrics: { UnblendedCost: m('89.328'), NetAmortizedCost: m('73.24896'), UsageQuantity: m('48', 'Hrs') } },
          { Keys: ['feature$', 'USW2-SpotUsage:p5.48xlarge'], Metrics: { UnblendedCost: m('400.1234567891'), NetAmortizedCost: m('400.1234567891'), UsageQuantity: m('24', 'Hrs') } },
          { Keys: ['feature$search', 'USE1-Host:ml.g5.12xlarge'], Metrics: { UnblendedCost: m('1E-10'), NetAmortizedCost: m('0'), UsageQuantity: m('1', 'Hrs') } },
          { Keys: ['feature$support-chat', 'USE1-Llama3-3-70B-input-tokens'], Metrics: { UnblendedCost: m('1.44'), NetAmortizedCost: m('1.44'), UsageQuantity: m('2000000', 'N/A') } },
          { Keys: ['feature$support-chat', 'USE1-Llama3-3-70B-output-tokens'], Metrics: { UnblendedCost: m('0.216'), NetAmortizedCost: m('0.216'), UsageQuantity: m('300000', 'N/A') } },
          { Keys: ['feature$support-chat', 'USE1-Llama3-3-70B-cache-read-input-token-count'], Metrics: { UnblendedCost: m('0.01'), NetAmortizedCost: m('0.01'), UsageQuantity: m('50000.4', 'N/A') } },
          { Keys: ['feature$', 'USE1-MP:USE1_InputTokenCount-Units'], Metrics: { UnblendedCost: m('3'), NetAmortizedCost: m('3'), UsageQuantity: m('1000', '1K tokens') } },
          { Keys: ['feature$', 'USE1-MP:USE1_OutputTokenCount-Units'], Metrics: { UnblendedCost: m('1.5'), NetAmortizedCost: m('1.5'), UsageQuantity: m('100000', 'Units') } },
        ],
      },
    ],
  });
  const { costs, usage } = normalizeCostAndUsage([page], { costMetric: 'NetAmortizedCost', deployments });
  const byUsage = (u: string) => costs.find((c) => c.x_usage_type === u)!;

  it('maps GPU capacity: model, count, instance type, deployment by tag', () => {
    const g6e = byUsage('BoxUsage:g6e.xlarge');
    expect(g6e).toMatchObject({
      billed_cost: '89.328',
      effective_cost: '73.24896',
      consumed_quantity: '48',
      consumed_unit: 'Hrs',
      tags: { feature: 'internal-copilot' },
      x_gpu_model: 'l40s',
      x_gpu_count: 1,
      resource_type: 'instance',
      region_id: 'us-east-1',
      service_name: 'Amazon Elastic Compute Cloud - Compute',
      deployment: 'copilot-vllm',
      estimated: true,
      line_key: 'feature$internal-copilot|BoxUsage:g6e.xlarge',
    });
    expect(g6e.extra).toMatchObject({ cost_metric: 'NetAmortizedCost', instance_type: 'g6e.xlarge', purchase_option: 'on-demand' });
  });

  it('recognises region-prefixed spot usage and matches a deployment by usage type glob', () => {
    const spot = byUsage('USW2-SpotUsage:p5.48xlarge');
    expect(spot).toMatchObject({ x_gpu_model: 'h100', x_gpu_count: 8, region_id: 'us-west-2', tags: {}, deployment: 'west-gpu', billed_cost: '400.1234567891' });
    expect(spot.extra).toMatchObject({ purchase_option: 'spot' });
  });

  it('recognises SageMaker hosting and converts scientific notation exactly', () => {
    const sm = byUsage('USE1-Host:ml.g5.12xlarge');
    expect(sm).toMatchObject({ x_gpu_model: 'a10g', x_gpu_count: 4, resource_type: 'endpoint', service_name: 'Amazon SageMaker', billed_cost: '0.0000000001', effective_cost: '0', deployment: null });
  });

  it('turns Bedrock token usage types into usage facts per day, tag and model', () => {
    expect(usage).toHaveLength(2);
    const llama = usage.find((u) => u.model === 'Llama3-3-70B')!;
    expect(llama).toMatchObject({
      provider: 'aws-bedrock',
      project_id: 'support-chat',
      uncached_input_tokens: '2000000',
      output_tokens: '300000',
      cache_read_tokens: '50000',
      cache_write_tokens: '0',
      batch: false,
    });
    expect((llama.bucket_start as Date).toISOString()).toBe('2026-11-03T00:00:00.000Z');
    expect((llama.bucket_end as Date).toISOString()).toBe('2026-11-04T00:00:00.000Z');
    const mp = usage.find((u) => u.model === 'bedrock-marketplace')!;
    expect(mp).toMatchObject({ project_id: null, uncached_input_tokens: '1000000', output_tokens: '100000' });
    expect(mp.extra).toMatchObject({ marketplace: true, estimated: true });
    // The cost lines of Bedrock carry model and token type too.
    expect(byUsage('USE1-Llama3-3-70B-output-tokens')).toMatchObject({ x_model: 'Llama3-3-70B', x_token_type: 'output_tokens', service_name: 'Amazon Bedrock', billed_cost: '0.216' });
  });

  it('refuses a group without any cost metric', () => {
    const bad = costAndUsageSchema.parse({ ResultsByTime: [{ TimePeriod: { Start: '2026-11-03', End: '2026-11-04' }, Groups: [{ Keys: [], Metrics: { UsageQuantity: m('1', 'Hrs') } }] }] });
    expect(() => normalizeCostAndUsage([bad], { costMetric: 'NetAmortizedCost' })).toThrow(/carries no cost metric/);
  });

  it('the schema refuses a float-looking non-decimal amount', () => {
    expect(() => costAndUsageSchema.parse({ ResultsByTime: [{ TimePeriod: { Start: '2026-11-03', End: '2026-11-04' }, Groups: [{ Keys: [], Metrics: { UnblendedCost: m('NaN') } }] }] })).toThrow(/not a decimal/);
  });
});
