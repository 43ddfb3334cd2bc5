import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.ts';
import { GpuAccumulator, ServingAccumulator, gpuKey, servingGroup } from '../../../src/sources/prometheus/normalize.ts';
import { checkLabelName, isDcgmBlank, queries } from '../../../src/sources/prometheus/metrics.ts';
import { parseSampleValue } from '../../../src/sources/prometheus/client.ts';
import { LOCAL_FIXTURES } from '../../helpers/env.ts';

const T = 1735689600;
const H = 3600;
const config = configSchema.parse({
  gpus: { l40s: { memory_gib: 48, hourly_price: '1.86' } },
  profiles: { p8b: { model_class: 'llama-3.1-8b', gpu: 'l40s', tokens_per_second: 1500 } },
  deployments: [
    { name: 'copilot', profile: 'p8b', gpus: 1, match: { prometheus_deployment: 'copilot-vllm-prod', hostnames: ['node-a'] } },
    { name: 'tgi-chat', profile: 'p8b', gpus: 1 },
  ],
});

describe('serving groups', () => {
  it('maps the label value to the configured deployment; model from model_name, model, or the profile (TGI)', () => {
    expect(servingGroup({ deployment: 'copilot-vllm-prod', model_name: 'm1' }, 'deployment', config)).toEqual({ deployment: 'copilot', model: 'm1' });
    expect(servingGroup({ app: 'x', model: 'qwen' }, 'app', config)).toEqual({ deployment: 'x', model: 'qwen' });
    expect(servingGroup({ deployment: 'tgi-chat' }, 'deployment', config)).toEqual({ deployment: 'tgi-chat', model: 'llama-3.1-8b' });
    expect(servingGroup({ job: 'vllm' }, 'deployment', config)).toEqual({ deployment: '', model: '' });
  });

  it('sums replicas, prefers the newer vLLM names when both generations are exported, and rounds float noise', () => {
    const acc = new ServingAccumulator('deployment', config);
    const l0 = { deployment: 'copilot-vllm-prod', model_name: 'm', engine: '0' };
    const l1 = { deployment: 'copilot-vllm-prod', model_name: 'm', engine: '1' };
    acc.add(l0, 'prompt_tokens', 'vllm:prompt_tokens_total', new Map([[T, 100.00000000001]]));
    acc.add(l1, 'prompt_tokens', 'vllm:prompt_tokens_total', new Map([[T, 50], [T + H, 7]]));
    acc.add(l0, 'prefix_cache_hits', 'vllm:gpu_prefix_cache_hits_total', new Map([[T, 999], [T + H, 3]]));
    acc.add(l0, 'prefix_cache_hits', 'vllm:prefix_cache_hits_total', new Map([[T, 40]]));
    acc.add({ deployment: 'copilot-vllm-prod', model_name: 'm' }, 'kv_cache_usage_avg', 'vllm:kv_cache_usage_perc', new Map([[T, 0.25]]));
    acc.add({ deployment: 'copilot-vllm-prod', model_name: 'm' }, 'kv_cache_usage_avg', 'vllm:gpu_cache_usage_perc', new Map([[T, 0.99], [T + H, 0.5]]));
    const rows = acc.rows();
    expect(rows.map((r) => ({ h: r.hour, p: r.prompt_tokens, g: r.generation_tokens, hits: r.prefix_cache_hits, q: r.prefix_cache_queries, kv: r.kv_cache_usage_avg, e: r.engine, d: r.deployment }))).toEqual([
      { h: new Date(T * 1000), p: 150, g: 0, hits: 40, q: null, kv: 0.25, e: 'vllm', d: 'copilot' },
      { h: new Date((T + H) * 1000), p: 7, g: 0, hits: 3, q: null, kv: 0.5, e: 'vllm', d: 'copilot' },
    ]);
  });
});

describe('DCGM', () => {
  it('the blank sentinel of the dcgm-exporter README sample is recognised', () => {
    const sample = readFileSync(`${LOCAL_FIXTURES}prometheus/dcgm-exporter.readme-sample-output.txt`, 'utf8');
    const line = sample.split('\n').find((l) => l.startsWith('DCGM_FI_DEV_MEMORY_TEMP{'))!;
    expect(isDcgmBlank(parseSampleValue(line.split(' ').pop()!)!)).toBe(true);
    expect(isDcgmBlank(81_559)).toBe(false);
  });

  it('keys on Hostname or hostname; util 0–100 → 0–1; sentinel hours and NaN dropped; hosts → deployments', () => {
    expect(gpuKey({ gpu: '0', UUID: 'GPU-1', modelName: 'L40S', Hostname: 'node-a' })).toEqual({ hostname: 'node-a', gpu: '0', uuid: 'GPU-1', modelName: 'L40S' });
    expect(gpuKey({ gpu: '3', hostname: 'node-b' })).toEqual({ hostname: 'node-b', gpu: '3', uuid: null, modelName: null });
    const acc = new GpuAccumulator(config);
    const hourOf = (t: number) => t - H;
    acc.add({ gpu: '0', Hostname: 'node-a', UUID: 'GPU-1' }, 'gpu_util_avg', [[T + H, 50], [T + 2 * H, null]], hourOf);
    acc.add({ gpu: '0', Hostname: 'node-a' }, 'engine_active_avg', [[T + H, 9223372036854775794], [T + 2 * H, 0.4]], hourOf);
    acc.add({ gpu: '0', hostname: 'node-z' }, 'power_w_avg', [[T + H, 9.2e18]], hourOf);
    acc.add({ gpu: '1', hostname: 'node-z' }, 'fb_used_mib_avg', [[T + H, 1024]], hourOf);
    const rows = acc.rows();
    expect(rows.map((r) => [r.hostname, r.gpu, r.hour, r.deployment, r.uuid, r.gpu_util_avg, r.engine_active_avg, r.fb_used_mib_avg, r.power_w_avg])).toEqual([
      ['node-a', '0', new Date(T * 1000), 'copilot', 'GPU-1', 0.5, null, null, null],
      ['node-a', '0', new Date((T + H) * 1000), 'copilot', 'GPU-1', null, 0.4, null, null],
      ['node-z', '1', new Date(T * 1000), null, null, null, null, 1024, null],
    ]);
  });
});

describe('queries', () => {
  it('one counter query over every known name; *_created never matches', () => {
    const q = queries.counters();
    expect(q.startsWith('{__name__=~"vllm:prompt_tokens_total|')).toBe(true);
    expect(q).toContain('vllm:gpu_prefix_cache_hits_total');
    expect(q).toContain('tgi_request_input_length_sum');
    expect(q).not.toContain('_created');
  });

  it('the deployment label must be a plain label name (it is spliced into PromQL)', () => {
    expect(checkLabelName('k8s_deployment')).toBe('k8s_deployment');
    expect(() => checkLabelName('dep) or vector(1')).toThrow(/deployment_label must be a Prometheus label name/);
  });
});
