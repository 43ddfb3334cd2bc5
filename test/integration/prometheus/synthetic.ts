/**
 * Synthetic backfill data with known answers, for the real-Prometheus integration test.
 * Two days (2025-03-10/11) at one sample a minute:
 * - copilot-vllm: vLLM V1 names, two `engine`s, engine 1 restarts (counter reset) at 06:00 on day 2;
 * - rerank-70b: the older vLLM names (gpu_cache_usage_perc, gpu_prefix_cache_*), restart at 13:37 on day 1;
 * - batch-sglang (not in the config): SGLang names with the older `model` label;
 * - DCGM: copilot-0/1 with `Hostname`, rerank-0 with lowercase `hostname`; rerank-0 GPU 1 has no
 *   profiling (ENGINE_ACTIVE is the blank sentinel throughout); copilot-1 reports one blank FB_USED
 *   sample at 2025-03-10T15:20:30Z.
 * Counter samples sit on whole minutes (exercising the hour boundary), gauges on :30 so the
 * expected hourly averages do not depend on range-boundary inclusivity.
 */
export const T0 = Date.UTC(2025, 2, 10) / 1000;
export const DAYS = 2;
const MINUTES = DAYS * 24 * 60;
export const SENTINEL = '9223372036854775794';

const h32 = (a: number, b: number) => {
  let x = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35);
  x ^= x >>> 15;
  x = Math.imul(x, 0x27d4eb2f);
  return ((x ^ (x >>> 13)) >>> 0) / 4294967296;
};
const busy = (m: number) => {
  const hour = Math.floor(m / 60) % 24;
  return hour >= 8 && hour < 18 ? 1 : 0.2;
};

export interface ExpectedServing {
  prompt: number;
  generation: number;
  requests: number;
  pq: number | null;
  ph: number | null;
  kvAvg: number | null;
  kvP95: number | null;
  running: number | null;
  waiting: number | null;
}
export interface ExpectedGpu {
  util: number | null;
  engineActive: number | null;
  fb: number | null;
  power: number | null;
}

const fmtLabels = (l: Record<string, string>) => `{${Object.entries(l).map(([k, v]) => `${k}="${v}"`).join(',')}}`;
const hourIndexOfCounter = (m: number) => Math.ceil(m / 60) - 1; // sample at minute m closes hour ceil(m/60)-1
const hourIso = (k: number) => new Date((T0 + k * 3600) * 1000).toISOString();

/** Prometheus 2.42's quantile(): linear interpolation at rank q·(n−1). */
export function promQuantile(q: number, values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  const rank = q * (v.length - 1);
  const lo = Math.max(0, Math.floor(rank));
  const hi = Math.min(v.length - 1, lo + 1);
  const w = rank - Math.floor(rank);
  return v[lo]! * (1 - w) + v[hi]! * w;
}

export function buildSynthetic() {
  const out: string[] = [];
  const serving = new Map<string, Map<string, ExpectedServing>>();
  const gpu = new Map<string, Map<string, ExpectedGpu>>();
  const srow = (dep: string, k: number) => {
    let d = serving.get(dep);
    if (!d) serving.set(dep, (d = new Map()));
    let r = d.get(hourIso(k));
    if (!r) d.set(hourIso(k), (r = { prompt: 0, generation: 0, requests: 0, pq: null, ph: null, kvAvg: null, kvP95: null, running: null, waiting: null }));
    return r;
  };
  let seriesNo = 0;

  const counter = (family: string, name: string, labels: Record<string, string>, perMinute: number, resetAt: number | null, dep: string, field: 'prompt' | 'generation' | 'requests' | 'pq' | 'ph') => {
    const sid = ++seriesNo;
    out.push(`# TYPE ${family} counter`);
    let v = 0;
    out.push(`${name}${fmtLabels(labels)} 0 ${T0}`);
    for (let m = 1; m <= MINUTES; m++) {
      const inc = Math.floor(perMinute * busy(m) * (0.5 + h32(sid, m)));
      v = (m === resetAt ? 0 : v) + inc;
      out.push(`${name}${fmtLabels(labels)} ${v} ${T0 + 60 * m}`);
      const r = srow(dep, hourIndexOfCounter(m));
      r[field] = (r[field] ?? 0) + inc;
    }
  };
  const gaugeSeries = (family: string, labels: Record<string, string>, f: (m: number) => number) => {
    out.push(`# TYPE ${family} gauge`);
    const values: number[] = [];
    for (let m = 0; m < MINUTES; m++) {
      const x = f(m);
      values.push(x);
      out.push(`${family}${fmtLabels(labels)} ${typeof x === 'number' && x >= 1e15 ? SENTINEL : String(x)} ${T0 + 60 * m + 30}`);
    }
    // Per hour: the 60 samples at :30 of hour k.
    return Array.from({ length: DAYS * 24 }, (_, k) => values.slice(k * 60, k * 60 + 60));
  };

  // copilot-vllm: V1 names, two engines; engine 1 resets at 06:00:00 on day 2.
  const copilotReset = 24 * 60 + 6 * 60;
  const kvA: number[][][] = [];
  const runA: number[][][] = [];
  const waitA: number[][][] = [];
  for (const engine of ['0', '1']) {
    const l = { deployment: 'copilot-vllm', engine, instance: `copilot-${engine}:8000`, job: 'vllm', model_name: 'meta-llama/Llama-3.1-8B-Instruct' };
    const reset = engine === '1' ? copilotReset : null;
    counter('vllm:prompt_tokens', 'vllm:prompt_tokens_total', l, 20_000, reset, 'copilot-vllm', 'prompt');
    counter('vllm:generation_tokens', 'vllm:generation_tokens_total', l, 2_400, reset, 'copilot-vllm', 'generation');
    counter('vllm:request_success', 'vllm:request_success_total', { ...l, finished_reason: 'stop' }, 12, reset, 'copilot-vllm', 'requests');
    counter('vllm:request_success', 'vllm:request_success_total', { ...l, finished_reason: 'length' }, 3, reset, 'copilot-vllm', 'requests');
    counter('vllm:prefix_cache_queries', 'vllm:prefix_cache_queries_total', l, 20_000, reset, 'copilot-vllm', 'pq');
    counter('vllm:prefix_cache_hits', 'vllm:prefix_cache_hits_total', l, 8_000, reset, 'copilot-vllm', 'ph');
    out.push(`# TYPE vllm:prompt_tokens_created gauge`, `vllm:prompt_tokens_created${fmtLabels(l)} ${T0 - 600} ${T0}`);
    kvA.push(gaugeSeries('vllm:kv_cache_usage_perc', l, (m) => Math.round((0.1 + 0.8 * busy(m) * h32(100 + Number(engine), m)) * 1e6) / 1e6));
    runA.push(gaugeSeries('vllm:num_requests_running', l, (m) => Math.floor(40 * busy(m) * h32(200 + Number(engine), m))));
    waitA.push(gaugeSeries('vllm:num_requests_waiting', l, (m) => Math.floor(5 * busy(m) * h32(300 + Number(engine), m))));
  }

  // rerank-70b: the older names, one replica, restart at 13:37 on day 1.
  const lb = { deployment: 'rerank-70b', instance: 'rerank-0:8000', job: 'vllm', model_name: 'meta-llama/Llama-3.1-70B-Instruct' };
  const rerankReset = 13 * 60 + 37;
  counter('vllm:prompt_tokens', 'vllm:prompt_tokens_total', lb, 9_000, rerankReset, 'rerank-70b', 'prompt');
  counter('vllm:generation_tokens', 'vllm:generation_tokens_total', lb, 400, rerankReset, 'rerank-70b', 'generation');
  counter('vllm:request_success', 'vllm:request_success_total', { ...lb, finished_reason: 'stop' }, 10, rerankReset, 'rerank-70b', 'requests');
  counter('vllm:gpu_prefix_cache_queries', 'vllm:gpu_prefix_cache_queries_total', lb, 9_000, rerankReset, 'rerank-70b', 'pq');
  counter('vllm:gpu_prefix_cache_hits', 'vllm:gpu_prefix_cache_hits_total', lb, 1_800, rerankReset, 'rerank-70b', 'ph');
  const kvB = gaugeSeries('vllm:gpu_cache_usage_perc', lb, (m) => Math.round((0.05 + 0.5 * h32(400, m)) * 1e6) / 1e6);

  // batch-sglang: not in the config; older SGLang `model` label.
  const ls = { deployment: 'batch-sglang', instance: 'sglang-0:30000', job: 'sglang', model: 'Qwen/Qwen2.5-7B-Instruct' };
  counter('sglang:prompt_tokens', 'sglang:prompt_tokens_total', ls, 5_000, null, 'batch-sglang', 'prompt');
  counter('sglang:generation_tokens', 'sglang:generation_tokens_total', ls, 700, null, 'batch-sglang', 'generation');
  const runS = gaugeSeries('sglang:num_running_reqs', ls, (m) => Math.floor(16 * h32(500, m)));

  const mean = (vs: number[]) => vs.reduce((a, b) => a + b, 0) / vs.length;
  for (let k = 0; k < DAYS * 24; k++) {
    const a = srow('copilot-vllm', k);
    a.kvAvg = mean(kvA.map((e) => mean(e[k]!)));
    a.kvP95 = Math.max(...kvA.map((e) => promQuantile(0.95, e[k]!)));
    a.running = runA.reduce((s, e) => s + mean(e[k]!), 0);
    a.waiting = waitA.reduce((s, e) => s + mean(e[k]!), 0);
    const b = srow('rerank-70b', k);
    b.kvAvg = mean(kvB[k]!);
    b.kvP95 = promQuantile(0.95, kvB[k]!);
    srow('batch-sglang', k).running = mean(runS[k]!);
  }

  // DCGM.
  const blankFbMinute = 15 * 60 + 20;
  const gpus = [
    { host: 'copilot-0', label: 'Hostname', gpu: '0', model: 'NVIDIA L40S' },
    { host: 'copilot-1', label: 'Hostname', gpu: '0', model: 'NVIDIA L40S' },
    { host: 'rerank-0', label: 'hostname', gpu: '0', model: 'NVIDIA H100 80GB HBM3' },
    { host: 'rerank-0', label: 'hostname', gpu: '1', model: 'NVIDIA H100 80GB HBM3' },
  ];
  gpus.forEach((g, i) => {
    const l = { gpu: g.gpu, UUID: `GPU-0000000${i}`, modelName: g.model, [g.label]: g.host };
    const util = gaugeSeries('DCGM_FI_DEV_GPU_UTIL', l, (m) => Math.floor(100 * busy(m) * h32(600 + i, m)));
    const ea = gaugeSeries('DCGM_FI_PROF_GR_ENGINE_ACTIVE', l, (m) => (g.host === 'rerank-0' && g.gpu === '1' ? 9.223372036854776e18 : Math.round(busy(m) * h32(700 + i, m) * 1e4) / 1e4));
    const fb = gaugeSeries('DCGM_FI_DEV_FB_USED', l, (m) => (g.host === 'copilot-1' && m === blankFbMinute ? 9.223372036854776e18 : 20_000 + Math.floor(10_000 * h32(800 + i, m))));
    const pw = gaugeSeries('DCGM_FI_DEV_POWER_USAGE', l, (m) => Math.round((80 + 250 * busy(m) * h32(900 + i, m)) * 1000) / 1000);
    const rows = new Map<string, ExpectedGpu>();
    for (let k = 0; k < DAYS * 24; k++) {
      const avgOrNull = (vs: number[]) => (vs.some((v) => v >= 1e15) ? null : mean(vs));
      rows.set(hourIso(k), { util: mean(util[k]!) / 100, engineActive: avgOrNull(ea[k]!), fb: avgOrNull(fb[k]!), power: mean(pw[k]!) });
    }
    gpu.set(`${g.host}|${g.gpu}`, rows);
  });

  out.push('# EOF');
  return { openMetrics: `${out.join('\n')}\n`, serving, gpu };
}
