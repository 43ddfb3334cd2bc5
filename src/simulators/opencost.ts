import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson, startHttpServer } from './http-server.ts';

/**
 * The demo company's EKS cluster as OpenCost sees it: `/allocation` and `/inferenceCost/total` in
 * OpenCost's wire format (see src/sources/opencost/schema.ts for where each shape comes from),
 * from a deterministic world of GPU nodes and pods:
 *
 * - pool `gpu-l40s` (Karpenter NodePool): copilot-0, copilot-1 (g6e.xlarge, 1 L40S each, list $1.861/GPU-h).
 *   copilot-vllm holds one GPU on copilot-0 all day and one on copilot-1 in business hours
 *   (08–18 UTC, Mon–Fri); a time-sliced `copilot-embed` holds 0.5 GPU on copilot-1 from 00 to 06 UTC.
 * - pool `gpu-h100`: rerank-0 (p5.48xlarge, 8 × H100, list $12.29/GPU-h). rerank-70b holds 8 GPUs,
 *   4 during the nightly index rebuild (02–04 UTC).
 * Idle per node = capacity − held. The list rates are OpenCost's estimates; breakeven never uses
 * them as money.
 *
 * Like the real server, idle is named `<cluster>/<node>/__idle__` with idleByNode and then merged
 * into ONE `__idle__` per set — unless `splitIdle=true` is asked and the simulator was started with
 * `honourSplitIdle` (Kubecost-compatible servers). Labels ride on aggregated allocations only with
 * includeAggregatedMetadata=true.
 */
export interface OpencostSimulatorOptions {
  port?: number;
  /** Requests without `Authorization: Bearer <token>` get 401. */
  bearerToken?: string;
  /** Keep per-node idle when asked with splitIdle=true (default true). */
  honourSplitIdle?: boolean;
  /** Serve /inferenceCost/total (OpenCost 1.121 with INFERENCE_COST_ENABLED); else 404 (default true). */
  inferenceCost?: boolean;
}

export interface OpencostSimulator {
  url: string;
  readonly requests: Array<{ path: string; params: Record<string, string> }>;
  /** Answers for the next requests, in order: an HTTP error, or a raw body with status 200. */
  readonly failNext: Array<{ status: number; body: string }>;
  close(): Promise<void>;
}

export const SIM_CLUSTER = 'demo-eks';

interface SimNode { name: string; pool: string; gpus: number; listPerGpuHour: number; instanceType: string }
export const SIM_NODES: readonly SimNode[] = [
  { name: 'copilot-0', pool: 'gpu-l40s', gpus: 1, listPerGpuHour: 1.861, instanceType: 'g6e.xlarge' },
  { name: 'copilot-1', pool: 'gpu-l40s', gpus: 1, listPerGpuHour: 1.861, instanceType: 'g6e.xlarge' },
  { name: 'rerank-0', pool: 'gpu-h100', gpus: 8, listPerGpuHour: 12.29, instanceType: 'p5.48xlarge' },
];

/** GPUs each pod group holds on each node in the hour starting at `hour`. */
export function simulatedHolds(hour: Date): Array<{ node: string; namespace: string; deployment: string; gpus: number }> {
  const h = hour.getUTCHours();
  const weekday = hour.getUTCDay() >= 1 && hour.getUTCDay() <= 5;
  const out = [
    { node: 'copilot-0', namespace: 'copilot', deployment: 'copilot-vllm', gpus: 1 },
    { node: 'rerank-0', namespace: 'search', deployment: 'rerank-70b', gpus: h >= 2 && h < 4 ? 4 : 8 },
  ];
  if (weekday && h >= 8 && h < 18) out.push({ node: 'copilot-1', namespace: 'copilot', deployment: 'copilot-vllm', gpus: 1 });
  if (h < 6) out.push({ node: 'copilot-1', namespace: 'copilot', deployment: 'copilot-embed', gpus: 0.5 });
  return out;
}

const HOUR_MS = 3_600_000;
const round5 = (n: number) => Math.round(n * 100000) / 100000; // OpenCost's formatFloat64ForResponse
const iso = (d: Date) => d.toISOString().replace(/\.000Z$/, 'Z');
const sanitize = (k: string) => k.replace(/[^A-Za-z0-9_]/g, '_');

function parseWindow(w: string | null): { start: Date; end: Date } | null {
  const parts = (w ?? '').split(',');
  if (parts.length !== 2) return null;
  const s = Date.parse(parts[0]!);
  const e = Date.parse(parts[1]!);
  if (Number.isNaN(s) || Number.isNaN(e) || e <= s) return null;
  return { start: new Date(s), end: new Date(e) };
}

function allocationSets(p: URLSearchParams, opts: OpencostSimulatorOptions): unknown[] | string {
  const win = parseWindow(p.get('window'));
  if (!win) return `Invalid 'window' parameter: ${p.get('window')}`;
  if (p.get('step') !== '1h') return `this simulator serves step=1h only, got ${p.get('step')}`;
  const agg = (p.get('aggregate') ?? '').split(',');
  const labelAgg = agg[3]?.startsWith('label:') ? agg[3].slice(6) : null;
  if (agg.slice(0, 3).join(',') !== 'cluster,node,namespace' || !labelAgg || agg.length !== 4) return `this simulator serves aggregate=cluster,node,namespace,label:<name> only, got ${p.get('aggregate')}`;
  const depKey = sanitize(labelAgg);
  const withLabels = p.get('includeAggregatedMetadata') === 'true';
  const idle = p.get('includeIdle') === 'true';
  const byNode = p.get('idleByNode') === 'true';
  const split = p.get('splitIdle') === 'true' && (opts.honourSplitIdle ?? true);
  const sets: unknown[] = [];
  for (let t = Math.floor(win.start.getTime() / HOUR_MS) * HOUR_MS; t < win.end.getTime(); t += HOUR_MS) {
    const start = new Date(t);
    const end = new Date(t + HOUR_MS);
    const window = { start: iso(start), end: iso(end) };
    const set: Record<string, unknown> = {};
    const held = new Map<string, number>();
    for (const a of simulatedHolds(start)) {
      const node = SIM_NODES.find((n) => n.name === a.node)!;
      held.set(a.node, (held.get(a.node) ?? 0) + a.gpus);
      const name = `${SIM_CLUSTER}/${a.node}/${a.namespace}/${a.deployment}`;
      const gpuCost = round5(a.gpus * node.listPerGpuHour);
      set[name] = {
        name,
        properties: {
          cluster: SIM_CLUSTER,
          node: a.node,
          namespace: a.namespace,
          providerID: `aws:///us-east-1a/i-${a.node}`,
          ...(withLabels ? { labels: { [depKey]: a.deployment, label_karpenter_sh_nodepool: node.pool, label_node_kubernetes_io_instance_type: node.instanceType } } : {}),
        },
        window,
        start: window.start,
        end: window.end,
        minutes: 60,
        cpuCores: 4,
        cpuCoreHours: 4,
        cpuCost: 0.1,
        gpuCount: a.gpus,
        gpuRequestAverage: a.gpus,
        gpuUsageAverage: null,
        gpuHours: round5(a.gpus),
        gpuCost,
        gpuCostAdjustment: 0,
        gpuCostIdle: 0,
        gpuEfficiency: null,
        ramBytes: 34359738368,
        ramCost: 0.05,
        pvs: null,
        totalCost: round5(gpuCost + 0.15),
        totalEfficiency: null,
        lbAllocations: null,
      };
    }
    if (idle) {
      const idles = SIM_NODES.map((n) => ({ n, cost: round5((n.gpus - (held.get(n.name) ?? 0)) * n.listPerGpuHour) })).filter((x) => x.cost !== 0);
      const entries = idles.map(({ n, cost }) => ({
        name: byNode ? `${SIM_CLUSTER}/${n.name}/__idle__` : `${SIM_CLUSTER}/__idle__`,
        properties: { cluster: SIM_CLUSTER, ...(byNode ? { node: n.name, providerID: n.name } : {}) },
        cost,
      }));
      const merged = split ? entries : entries.length ? [{ name: '__idle__', properties: { cluster: SIM_CLUSTER }, cost: round5(entries.reduce((a, e) => a + e.cost, 0)) }] : [];
      for (const e of merged) {
        const prev = set[e.name] as { gpuCost: number } | undefined;
        const gpuCost = round5((prev?.gpuCost ?? 0) + e.cost);
        set[e.name] = { name: e.name, properties: e.properties, window, start: window.start, end: window.end, minutes: 60, gpuCount: 0, gpuHours: 0, gpuCost, cpuCost: 0, ramCost: 0, totalCost: gpuCost };
      }
    }
    sets.push(set);
  }
  return sets;
}

/** /inferenceCost/total: the window's GPU cost of each vLLM deployment at list, over a fixed token volume. */
function inferenceCosts(p: URLSearchParams): unknown | string {
  const win = parseWindow(p.get('window'));
  if (!win) return `Invalid 'window' parameter: ${p.get('window')}`;
  const basis = p.get('costBasis') ?? 'allocation';
  const totals = new Map<string, { ns: string; cost: number }>();
  for (let t = Math.floor(win.start.getTime() / HOUR_MS) * HOUR_MS; t < win.end.getTime(); t += HOUR_MS) {
    for (const a of simulatedHolds(new Date(t))) {
      const node = SIM_NODES.find((n) => n.name === a.node)!;
      const model = a.deployment === 'rerank-70b' ? 'meta-llama/Llama-3.1-70B-Instruct' : a.deployment === 'copilot-vllm' ? 'meta-llama/Llama-3.1-8B-Instruct' : null;
      if (!model) continue;
      const r = totals.get(model) ?? { ns: a.namespace, cost: 0 };
      totals.set(model, { ns: a.namespace, cost: r.cost + a.gpus * node.listPerGpuHour });
    }
  }
  const window = { start: iso(win.start), end: iso(win.end) };
  const inferenceCosts: Record<string, unknown> = {};
  for (const [model, { ns, cost }] of totals) {
    const prompt = model.includes('70B') ? 40_000_000 : 120_000_000;
    const gen = prompt / 8;
    const total = round5(cost);
    inferenceCosts[`${model}:${ns}:${SIM_CLUSTER}`] = {
      properties: { modelName: model, namespace: ns, cluster: SIM_CLUSTER },
      window,
      costBasis: basis,
      totalCost: total,
      promptTokens: prompt,
      generationTokens: gen,
      totalTokens: prompt + gen,
      costPerMillionTokens: round5((total / (prompt + gen)) * 1e6),
      inputCost: round5(total / 2),
      outputCost: round5(total / 2),
      inputCostPerMillionTokens: round5((total / 2 / prompt) * 1e6),
      outputCostPerMillionTokens: round5((total / 2 / gen) * 1e6),
      allocationMethod: 'multiplier',
    };
  }
  return { code: 200, data: { inferenceCosts, window } };
}

export async function startOpencostSimulator(opts: OpencostSimulatorOptions = {}): Promise<OpencostSimulator> {
  const requests: OpencostSimulator['requests'] = [];
  const failNext: OpencostSimulator['failNext'] = [];
  const server = await startHttpServer(
    (req: IncomingMessage, res: ServerResponse, url: URL) => {
      requests.push({ path: url.pathname, params: Object.fromEntries(url.searchParams) });
      if (opts.bearerToken && req.headers.authorization !== `Bearer ${opts.bearerToken}`) {
        return sendJson(res, 401, { code: 401, message: 'Error: unauthorized' });
      }
      const next = failNext.shift();
      if (next) return sendJson(res, next.status, next.body);
      if (req.method !== 'GET') return sendJson(res, 405, { code: 405, message: 'Error: method not allowed' });
      if (url.pathname === '/allocation') {
        const sets = allocationSets(url.searchParams, opts);
        if (typeof sets === 'string') return sendJson(res, 400, { code: 400, message: `Error: ${sets}` });
        return sendJson(res, 200, { code: 200, status: 'success', data: sets });
      }
      if (url.pathname === '/inferenceCost/total' && (opts.inferenceCost ?? true)) {
        const body = inferenceCosts(url.searchParams);
        if (typeof body === 'string') return sendJson(res, 400, { code: 400, message: `Error: ${body}` });
        return sendJson(res, 200, body);
      }
      return sendJson(res, 404, { code: 404, message: 'Error: Not Found' });
    },
    { port: opts.port },
  );
  return { url: server.origin, requests, failNext, close: () => server.close() };
}
