import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allocationResponse, inferenceCostResponse } from '../../../src/sources/opencost/schema.ts';
import { labelCandidates, normalizeAllocations, normalizeInferenceCosts, OpencostShapeError } from '../../../src/sources/opencost/normalize.ts';
import { allocationUrl, opencostTarget } from '../../../src/sources/opencost/client.ts';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../../fixtures/opencost/${name}`, import.meta.url), 'utf8')) as unknown;
const DAY = { start: new Date('2026-11-03T00:00:00Z'), end: new Date('2026-11-04T00:00:00Z') };
const CTX = { ...DAY, deploymentLabel: 'app.kubernetes.io/name', nodePoolLabel: 'karpenter.sh/nodepool' };
const P5 = 'ip-10-0-12-34.ec2.internal';
const G6 = 'ip-10-0-40-7.ec2.internal';

describe('OpenCost /allocation normalization', () => {
  it('stores GPU-hours per deployment × node × hour with the node pool, fractional GPUs kept exact', () => {
    const r = normalizeAllocations(allocationResponse.parse(fixture('allocation-step1h-idle-by-node.json')), CTX);
    const rows = r.allocations.map((a) => [(a.hour as Date).toISOString().slice(11, 13), a.node, a.namespace, a.deployment, a.node_pool, a.gpu_hours]);
    expect(rows).toEqual([
      ['00', P5, 'inference', 'llama-70b', 'gpu-h100', '6'],
      ['00', P5, 'inference', 'embedder', 'gpu-h100', '0.14286'],
      ['00', G6, 'copilot', 'copilot-vllm', 'gpu-l4', '0.5'],
      ['00', G6, 'batch', '__unallocated__', 'gpu-l4', '0.5'],
      ['01', P5, 'inference', 'llama-70b', 'gpu-h100', '6'],
      ['01', P5, 'inference', 'embedder', 'gpu-h100', '0.28571'],
      ['01', G6, 'copilot', 'copilot-vllm', 'gpu-l4', '0.5'],
    ]);
    expect(r.allocations[0]).toMatchObject({ cluster: 'prod-eks', gpu_cost_list: '73.74', hour_end: new Date('2026-11-03T01:00:00Z') });
    // The CPU-only coredns pod is not a GPU fact.
    expect(r.allocations.some((a) => a.deployment === 'coredns')).toBe(false);
  });

  it('turns per-node idle GPU cost into GPU-hours at the node’s list rate', () => {
    const r = normalizeAllocations(allocationResponse.parse(fixture('allocation-step1h-idle-by-node.json')), CTX);
    const idle = r.idle.map((i) => [(i.hour as Date).toISOString().slice(11, 13), i.node, i.node_pool, i.gpu_hours, i.gpu_hours_basis]);
    expect(idle).toEqual([
      ['00', P5, 'gpu-h100', '1.85714', 'node_rate'],
      ['01', P5, 'gpu-h100', '1.71429', 'node_rate'],
      ['01', G6, 'gpu-l4', '0.5', 'node_rate'],
    ]);
    expect(r.idleWithoutHours).toBe(0);
  });

  it('keeps idle that OpenCost merged into one __idle__ as cluster-wide (node unknown), at the average rate', () => {
    const r = normalizeAllocations(allocationResponse.parse(fixture('allocation-step1h-idle-merged.json')), CTX);
    expect(r.idle.map((i) => [i.cluster, i.node, i.node_pool, i.gpu_hours_basis])).toEqual([
      ['prod-eks', '', '', 'cluster_rate'],
      ['prod-eks', '', '', 'cluster_rate'],
    ]);
    // Hour 0: idle $22.82348 (1.85714 × 12.29) over a blended rate of 74.49… $/GPU-h: kept as an estimate.
    expect(Number(r.idle[0]!.gpu_hours)).toBeGreaterThan(0.3);
    expect(r.idle[0]!.gpu_cost_list).toBe('22.82425');
  });

  it('matches label keys the way OpenCost sanitizes them', () => {
    expect(labelCandidates('karpenter.sh/nodepool')).toEqual(['karpenter.sh/nodepool', 'karpenter_sh_nodepool', 'label_karpenter_sh_nodepool']);
  });

  it('rejects sets that are not one hour, windows outside the day, negative GPU-hours and duplicates — naming where', () => {
    const base = allocationResponse.parse(fixture('allocation-step1h-idle-by-node.json'));
    const first = () => Object.values(base.data[0]!)[0]!;
    const mutate = (f: (a: ReturnType<typeof first>) => void) => {
      const copy = allocationResponse.parse(JSON.parse(JSON.stringify(base)));
      f(Object.values(copy.data[0]!)[0]!);
      return copy;
    };
    expect(() => normalizeAllocations(mutate((a) => (a.window = { start: '2026-11-03T00:00:00Z', end: '2026-11-04T00:00:00Z' })), CTX)).toThrow(
      /data\[0\]\["prod-eks\/ip-10-0-12-34\.ec2\.internal\/inference\/llama-70b"\]: window .* is not within one hour/,
    );
    expect(() => normalizeAllocations(mutate((a) => (a.window = { start: '2026-11-02T23:00:00Z', end: '2026-11-03T00:00:00Z' })), CTX)).toThrow(/outside the requested/);
    expect(() => normalizeAllocations(mutate((a) => (a.gpuHours = -1)), CTX)).toThrow(OpencostShapeError);
    expect(() => normalizeAllocations(mutate((a) => (a.window = { start: 'yesterday', end: 'today' })), CTX)).toThrow(/"yesterday" is not an RFC3339 time/);
    expect(first().name).toContain('llama-70b');
  });

  it('builds the request the connector sends', () => {
    const t = opencostTarget('http://user:pw@opencost.opencost:9003/model/');
    expect(t.baseUrl).toBe('http://opencost.opencost:9003/model');
    expect(t.authorization).toBe(`Basic ${Buffer.from('user:pw').toString('base64')}`);
    const u = allocationUrl(t, DAY, 'app.kubernetes.io/name');
    expect(u.pathname).toBe('/model/allocation');
    expect(Object.fromEntries(u.searchParams)).toEqual({
      window: '2026-11-03T00:00:00Z,2026-11-04T00:00:00Z',
      step: '1h',
      aggregate: 'cluster,node,namespace,label:app.kubernetes.io/name',
      accumulate: 'false',
      includeIdle: 'true',
      idleByNode: 'true',
      shareIdle: 'false',
      splitIdle: 'true',
      includeAggregatedMetadata: 'true',
    });
  });
});

describe('OpenCost /inferenceCost/total normalization', () => {
  it('keeps $/1M per model at list, tolerating absent optional fields', () => {
    const rows = normalizeInferenceCosts(inferenceCostResponse.parse(fixture('inference-cost-total.json')), { ...DAY, costBasis: 'allocation' });
    expect(rows.map((r) => [r.model_name, r.namespace, r.cluster, r.cost_basis, r.cost_per_million_tokens, r.allocation_method])).toEqual([
      ['Qwen/Qwen3-32B', 'llm-d-namespace', '', 'allocation', '2.83', 'compute_time'],
      ['meta-llama/Llama-3.1-70B-Instruct', 'inference', 'prod-eks', 'allocation', '0', null],
    ]);
    expect(inferenceCostResponse.safeParse({ data: { inferenceCosts: null } }).success).toBe(true);
    expect(inferenceCostResponse.safeParse({ data: [] }).success).toBe(false);
  });
});
