import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEFAULT_SEED, DEPLOYMENTS, hourLoad, streamsOf, type HourLoad, type ScenarioStream } from './scenario.ts';
import { sendJson, sendText, startHttpServer } from './http-server.ts';
import { LATENCY_PROFILES, VLLM_BUCKETS, bucketCounts, hourLatency } from './latency-model.ts';

/**
 * The demo company's Prometheus: /api/v1/query_range (GET or form POST) answering exactly the
 * queries the prometheus connector sends, in Prometheus 2.42's wire format, from the scenario's
 * vLLM streams. No PromQL engine: each known query shape is recognised and answered from the model.
 *
 * Model: every replica (one per host of the deployment) runs one vLLM engine; each hour's load
 * (hourLoad) is split over replicas so the replica counters add up to it exactly, and counters grow
 * linearly within the hour from 2024-01-01 (the "epoch", no samples before). copilot-vllm exports
 * vLLM V1 names (with `engine`), rerank-70b the older names; DCGM labels copilot hosts with
 * `Hostname` and rerank hosts with `hostname` (newer exporter). Prefix-cache hits = cache-read
 * tokens, queries = input tokens; GPU utilization = served tokens/s ÷ deployment capacity.
 * Latency histograms (TTFT, end-to-end, queue time; V1 or V0 bucket layouts) and preemptions follow
 * latency-model.ts: flat at low load, rising past a knee as the load nears saturation.
 */
export interface PrometheusSimulatorOptions {
  seed?: number;
  port?: number;
  /** When set, requests without `Authorization: Bearer <token>` get 401. */
  bearerToken?: string;
}

export interface SimulatedQuery {
  method: string;
  query: string;
  start: number;
  end: number;
  step: number;
}

export interface PrometheusSimulator {
  url: string;
  /** Every query_range received, in order (never a header). */
  readonly requests: SimulatedQuery[];
  /** Errors to answer the next requests with, in order (e.g. a 503 `unavailable`, a 422 `execution`). */
  readonly failNext: Array<{ status: number; errorType: string; error: string }>;
  close(): Promise<void>;
}

const EPOCH_S = Date.UTC(2024, 0, 1) / 1000;
const HOUR = 3600;
const MAX_STEPS = 11_000;
const DEP_LABEL = 'deployment';

type Field = 'prompt' | 'generation' | 'requests' | 'pq' | 'ph';
const FIELD_VALUE: Record<Field, (l: HourLoad) => number> = {
  prompt: (l) => l.inputTokens,
  generation: (l) => l.outputTokens,
  requests: (l) => l.requests,
  pq: (l) => l.inputTokens,
  ph: (l) => l.cacheReadTokens,
};

interface SimDeployment {
  stream: ScenarioStream;
  name: string;
  hosts: readonly string[];
  gpusPerHost: number;
  gpuModel: string;
  capacity: number;
  v1: boolean;
  counters: Record<string, Field>;
  kvName: string;
  /** cum[field][replica][k] = counter value at EPOCH + k hours. */
  cum: Record<Field, number[][]>;
  /** Histogram bucket series and the preemption counter, one entry per (name, le). */
  hist: HistSeries[];
  /** histCum[k][replica × hist.length + j] = value of hist[j] on that replica at EPOCH + k hours. */
  histCum: Float64Array[];
}

interface HistSeries {
  name: string;
  le: string | null;
}

const LATENCY_HISTOGRAMS = [
  ['vllm:time_to_first_token_seconds', 'ttft'],
  ['vllm:e2e_request_latency_seconds', 'e2e'],
  ['vllm:request_queue_time_seconds', 'e2e'],
] as const;
const PREEMPTIONS = 'vllm:num_preemptions_total';

function histSeriesOf(v1: boolean): HistSeries[] {
  const layout = VLLM_BUCKETS[v1 ? 'v1' : 'v0'];
  const out: HistSeries[] = [];
  for (const [name, kind] of LATENCY_HISTOGRAMS) {
    for (const le of layout[kind]) out.push({ name: `${name}_bucket`, le: String(le) });
    out.push({ name: `${name}_bucket`, le: '+Inf' });
  }
  out.push({ name: PREEMPTIONS, le: null });
  return out;
}

function buildDeployments(): SimDeployment[] {
  return streamsOf('vllm').map((stream) => {
    const d = DEPLOYMENTS.find((x) => x.name === stream.dims.deployment)!;
    const v1 = d.name === 'copilot-vllm';
    const pfx = v1 ? 'vllm:prefix_cache' : 'vllm:gpu_prefix_cache';
    const empty = () => d.hostnames.map(() => [0]);
    return {
      stream,
      name: d.name,
      hosts: d.hostnames,
      gpusPerHost: d.gpusPerInstance,
      gpuModel: d.gpuModel,
      capacity: d.tokensPerSecondCapacity,
      v1,
      counters: {
        'vllm:prompt_tokens_total': 'prompt',
        'vllm:generation_tokens_total': 'generation',
        'vllm:request_success_total': 'requests',
        [`${pfx}_queries_total`]: 'pq',
        [`${pfx}_hits_total`]: 'ph',
      },
      kvName: v1 ? 'vllm:kv_cache_usage_perc' : 'vllm:gpu_cache_usage_perc',
      cum: { prompt: empty(), generation: empty(), requests: empty(), pq: empty(), ph: empty() },
      hist: histSeriesOf(v1),
      histCum: [new Float64Array(d.hostnames.length * histSeriesOf(v1).length)],
    };
  });
}

/** The replica's share of an hour's count: shares add up to the count exactly. */
const share = (x: number, i: number, n: number) => Math.floor(x / n) + (i < x % n ? 1 : 0);

export async function startPrometheusSimulator(opts: PrometheusSimulatorOptions = {}): Promise<PrometheusSimulator> {
  const seed = opts.seed ?? DEFAULT_SEED;
  const deps = buildDeployments();
  const load = (d: SimDeployment, k: number) => hourLoad(d.stream, new Date((EPOCH_S + k * HOUR) * 1000), seed);
  // A deployment may run several engines (one per model) on the same hosts: GPU telemetry, KV cache
  // and latency follow the whole deployment's load; token counters stay per model.
  const sameHosts = (d: SimDeployment) => deps.filter((x) => x.name === d.name);
  const deploymentLoad = (d: SimDeployment, k: number): HourLoad => {
    const all = sameHosts(d).map((x) => load(x, k));
    const sum = (f: keyof HourLoad) => all.reduce((a, l) => a + l[f], 0);
    return { requests: sum('requests'), inputTokens: sum('inputTokens'), uncachedInputTokens: sum('uncachedInputTokens'), cacheReadTokens: sum('cacheReadTokens'), cacheWriteTokens: sum('cacheWriteTokens'), outputTokens: sum('outputTokens') };
  };
  const requests: SimulatedQuery[] = [];
  const failNext: PrometheusSimulator['failNext'] = [];

  function counterAt(d: SimDeployment, field: Field, replica: number, t: number): number {
    const k = Math.floor((t - EPOCH_S) / HOUR);
    const cum = d.cum[field][replica]!;
    for (let j = cum.length; j <= k + 1; j++) cum.push(cum[j - 1]! + share(FIELD_VALUE[field](load(d, j - 1)), replica, d.hosts.length));
    const inHour = cum[k + 1]! - cum[k]!;
    return cum[k]! + Math.floor((inHour * (t - EPOCH_S - k * HOUR)) / HOUR);
  }

  /** Deployment-wide counts of one hour for every hist series: bucket counts per histogram, then preemptions. */
  function histHour(d: SimDeployment, k: number): number[] {
    const l = load(d, k);
    const lat = hourLatency(LATENCY_PROFILES[d.name]!, deploymentLoad(d, k), d.hosts.length);
    const layout = VLLM_BUCKETS[d.v1 ? 'v1' : 'v0'];
    return [
      ...bucketCounts(l.requests, lat.ttftP95, layout.ttft),
      ...bucketCounts(l.requests, lat.e2eP95, layout.e2e),
      ...bucketCounts(l.requests, lat.queueP95, layout.e2e),
      // The node's preemptions once, on its first engine.
      sameHosts(d)[0] === d ? lat.preemptions : 0,
    ];
  }

  /** Value of hist series j on a replica at t; grows linearly within the hour like the token counters. */
  function histAt(d: SimDeployment, j: number, replica: number, t: number): number {
    const k = Math.floor((t - EPOCH_S) / HOUR);
    const n = d.hist.length;
    for (let m = d.histCum.length; m <= k + 1; m++) {
      const inc = histHour(d, m - 1);
      const prev = d.histCum[m - 1]!;
      const next = new Float64Array(prev.length);
      for (let r = 0; r < d.hosts.length; r++) for (let x = 0; x < n; x++) next[r * n + x] = prev[r * n + x]! + share(inc[x]!, r, d.hosts.length);
      d.histCum.push(next);
    }
    const at = d.histCum[k]![replica * n + j]!;
    const inHour = d.histCum[k + 1]![replica * n + j]! - at;
    return at + Math.floor((inHour * (t - EPOCH_S - k * HOUR)) / HOUR);
  }

  /** Gauges of the hour closed by t (hour ends), per deployment. */
  function gauges(d: SimDeployment, t: number) {
    const k = Math.ceil((t - EPOCH_S) / HOUR) - 1;
    const l = load(d, k);
    const all = deploymentLoad(d, k);
    const u = Math.min(1, (all.inputTokens + all.outputTokens) / HOUR / d.capacity);
    const kv = 0.05 + 0.85 * u;
    const fbTotal = d.gpuModel.includes('H100') ? 81_559 : 46_068;
    const [idle, tdp] = d.gpuModel.includes('H100') ? [70, 700] : [35, 350];
    return {
      u,
      kvAvg: kv,
      kvP95: Math.min(0.99, kv + 0.08),
      running: (l.requests / HOUR) * (d.stream.outputTokensPerRequest / 30),
      waiting: u > 0.7 ? (u - 0.7) * 20 : 0,
      util: 100 * u,
      engineActive: 0.92 * u,
      fb: Math.round(fbTotal * (0.55 + 0.4 * kv)),
      power: idle + (tdp - idle) * u,
    };
  }

  type Series = { metric: Record<string, string>; value: (t: number) => number };
  const replicaLabels = (d: SimDeployment, i: number): Record<string, string> => ({
    [DEP_LABEL]: d.name,
    ...(d.v1 ? { engine: '0' } : {}),
    instance: `${d.hosts[i]}:8000`,
    job: 'vllm',
    model_name: d.stream.model,
  });

  function counterSeries(names: Set<string>, keepName: boolean, valueOf?: (v: (t: number) => number) => (t: number) => number): Series[] {
    const out: Series[] = [];
    for (const d of deps) {
      for (const [name, field] of Object.entries(d.counters)) {
        if (!names.has(name)) continue;
        d.hosts.forEach((_, i) => {
          const metric = { ...(keepName ? { __name__: name } : {}), ...replicaLabels(d, i), ...(field === 'requests' ? { finished_reason: 'stop' } : {}) };
          const raw = (t: number) => counterAt(d, field, i, t);
          out.push({ metric, value: valueOf ? valueOf(raw) : raw });
        });
      }
      d.hist.forEach((h, j) => {
        if (!names.has(h.name)) return;
        d.hosts.forEach((_, i) => {
          const metric = { ...(keepName ? { __name__: h.name } : {}), ...replicaLabels(d, i), ...(h.le !== null ? { le: h.le } : {}) };
          const raw = (t: number) => histAt(d, j, i, t);
          out.push({ metric, value: valueOf ? valueOf(raw) : raw });
        });
      });
    }
    return out;
  }

  /** Recognises the connector's query shapes (src/sources/prometheus/metrics.ts); null = unsupported. */
  function resolve(query: string): Series[] | null {
    let m = /^\{__name__=~"([^"]+)"\}$/.exec(query);
    if (m) return counterSeries(new Set(m[1]!.split('|')), true);
    m = /^resets\(([a-zA-Z0-9_:]+)\[65m\]\)$/.exec(query);
    if (m) return counterSeries(new Set([m[1]!]), false, () => () => 0);
    m = /^([a-zA-Z0-9_:]+)$/.exec(query);
    if (m) return counterSeries(new Set([m[1]!]), true);
    m = /^(avg|max|sum) by \((\w+), model_name, model\) \((avg_over_time|quantile_over_time)\((?:0\.95, )?([a-z_:]+)\[1h\]\)\)$/.exec(query);
    if (m) {
      const [, agg, label, fn, name] = m as unknown as [string, string, string, string, string];
      const pick = (g: ReturnType<typeof gauges>): number | null => {
        if (name === 'vllm:num_requests_running' && agg === 'sum') return g.running;
        if (name === 'vllm:num_requests_waiting' && agg === 'sum') return g.waiting;
        if (agg === 'avg' && fn === 'avg_over_time') return g.kvAvg;
        if (agg === 'max' && fn === 'quantile_over_time') return g.kvP95;
        return null;
      };
      return deps
        .filter((d) => name === d.kvName || name === 'vllm:num_requests_running' || name === 'vllm:num_requests_waiting')
        .filter((d) => pick(gauges(d, EPOCH_S + HOUR)) !== null)
        .map((d) => ({ metric: { [label]: d.name, model_name: d.stream.model }, value: (t: number) => pick(gauges(d, t))! }));
    }
    m = /^avg_over_time\((DCGM_FI_\w+)\[1h\]\)$/.exec(query);
    if (m) {
      const key = { DCGM_FI_DEV_GPU_UTIL: 'util', DCGM_FI_PROF_GR_ENGINE_ACTIVE: 'engineActive', DCGM_FI_DEV_FB_USED: 'fb', DCGM_FI_DEV_POWER_USAGE: 'power' }[m[1]!] as
        | 'util'
        | 'engineActive'
        | 'fb'
        | 'power'
        | undefined;
      if (!key) return [];
      // One set of GPUs per deployment, however many engines share them.
      return deps.flatMap((d, di) =>
        sameHosts(d)[0] !== d ? [] : d.hosts.flatMap((host, hi) =>
          Array.from({ length: d.gpusPerHost }, (_, g) => ({
            metric: { gpu: String(g), UUID: `GPU-${String(di).padStart(4, '0')}${String(hi).padStart(4, '0')}-0000-0000-0000-${String(g).padStart(12, '0')}`, modelName: d.gpuModel, [d.v1 ? 'Hostname' : 'hostname']: host },
            value: (t: number) => gauges(d, t)[key],
          })),
        ),
      );
    }
    return null;
  }

  const fmt = (v: number) => (Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v));
  const badData = (res: ServerResponse, error: string) => sendJson(res, 400, { status: 'error', errorType: 'bad_data', error });

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL) {
    if (url.pathname === '/-/ready') return sendText(res, 200, 'Prometheus Server is Ready.\n');
    if (url.pathname !== '/api/v1/query_range') return sendText(res, 404, '404 page not found\n');
    if (opts.bearerToken && req.headers.authorization !== `Bearer ${opts.bearerToken}`) return sendText(res, 401, 'Unauthorized\n');
    const params = new URLSearchParams(url.search);
    if (req.method === 'POST') {
      let body = '';
      for await (const chunk of req) body += String(chunk);
      for (const [k, v] of new URLSearchParams(body)) params.set(k, v);
    }
    const query = params.get('query') ?? '';
    const start = parseTime(params.get('start'));
    const end = parseTime(params.get('end'));
    const step = parseDuration(params.get('step'));
    requests.push({ method: req.method ?? 'GET', query, start, end, step });
    const fault = failNext.shift();
    if (fault) return sendJson(res, fault.status, { status: 'error', errorType: fault.errorType, error: fault.error });
    if (Number.isNaN(start)) return badData(res, 'invalid parameter "start": cannot parse "" to a valid timestamp');
    if (Number.isNaN(end)) return badData(res, 'invalid parameter "end": cannot parse "" to a valid timestamp');
    if (end < start) return badData(res, 'invalid parameter "end": end timestamp must not be before start time');
    if (!(step > 0)) return badData(res, 'invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer');
    if ((end - start) / step > MAX_STEPS) return badData(res, 'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)');
    const series = resolve(query);
    if (!series) return badData(res, `invalid parameter "query": the simulator does not support ${JSON.stringify(query)}`);
    const result = [];
    for (const s of series) {
      const values: Array<[number, string]> = [];
      for (let t = start; t <= end; t += step) if (t >= EPOCH_S + (query.includes('[1h]') ? HOUR : 0)) values.push([t, fmt(s.value(t))]);
      if (values.length) result.push({ metric: s.metric, values });
    }
    return sendJson(res, 200, { status: 'success', data: { resultType: 'matrix', result } });
  }

  const server = await startHttpServer(handle, { ...(opts.port !== undefined ? { port: opts.port } : {}) });
  return { url: server.origin, requests, failNext, close: () => server.close() };
}

/** Unix seconds (float) or RFC 3339, as Prometheus accepts. */
function parseTime(v: string | null): number {
  if (!v) return NaN;
  if (/^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? NaN : ms / 1000;
}

/** Seconds (float) or a Prometheus duration such as 1h, 5m30s. */
function parseDuration(v: string | null): number {
  if (!v) return NaN;
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
  const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, y: 31_536_000 };
  let total = 0;
  const re = /(\d+)(ms|s|m|h|d|w|y)/g;
  let consumed = 0;
  for (let m = re.exec(v); m; m = re.exec(v)) {
    total += Number(m[1]) * units[m[2]!]!;
    consumed += m[0].length;
  }
  return consumed === v.length ? total : NaN;
}
