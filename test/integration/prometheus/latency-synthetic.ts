import { addToBuckets, type Buckets } from '../../../src/model/histogram.ts';

/**
 * Synthetic latency histograms with known per-hour bucket deltas, for the real-Prometheus test.
 * Two days (2025-03-10/11), one scrape every 5 minutes on whole minutes (hour boundaries included).
 * Load ramps over each day from 0.3 to 1.0; every latency's p95 is flat up to load 0.65 and rises
 * 4× by load 1.0 (the knee). Each observation's latency is drawn deterministically and counted into
 * every bucket it fits, exactly as a client library does.
 * - copilot-vllm: vLLM V1 (engine label, V1 bucket layouts), two engines; engine 1 restarts at 06:20 on day 2;
 * - rerank-70b: vLLM V0 layouts, no engine label, one replica, restarts at 13:35 on day 1, with preemptions;
 * - batch-sglang: SGLang (queue_time has an le="0.0" bucket);
 * - tgi-chat: TGI (`tgi_request_duration`, `tgi_request_queue_duration`, 35 geometric buckets; no TTFT).
 */
export const T0 = Date.UTC(2025, 2, 10) / 1000;
export const DAYS = 2;
export const HOURS = DAYS * 24;
const STEP_MIN = 5;
const STEPS = (DAYS * 24 * 60) / STEP_MIN;

export type Kind = 'ttft' | 'e2e' | 'queue';
const V1 = {
  ttft: [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0],
  e2e: [0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0],
};
const V0 = { ttft: [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0], e2e: [1.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0] };
const SGLANG = {
  ttft: [0.1, 0.2, 0.4, 0.6, 0.8, 1, 2, 4, 6, 8, 10, 20, 40, 60, 80, 120, 160],
  e2e: [0.1, 0.2, 0.4, 0.6, 0.8, 1, 2, 4, 6, 8, 10, 20, 40, 60, 80, 100, 150, 200, 250, 300, 350, 500, 1000],
  queue: [0.0, 0.1, 0.2, 0.5, 1, 2, 3, 4, 5, 10, 15, 20, 30, 40, 50, 60, 70, 80, 90, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1200, 1400, 1600, 1800, 2000, 2500, 3000],
};
const TGI: number[] = [];
for (let v = 0.00001, i = 0; i < 35; i++) TGI.push((v *= 1.5));

interface Histogram {
  name: string;
  kind: Kind;
  bounds: number[];
  /** p95 at low load, seconds. */
  base: number;
}
interface Spec {
  deployment: string;
  replicas: Array<{ labels: Record<string, string>; resetMinute: number | null }>;
  histograms: Histogram[];
  preemptions: string | null;
  tokens: { prompt: string; generation: string; family: [string, string] };
  requestsPerStep: number;
}

const SPECS: Spec[] = [
  {
    deployment: 'copilot-vllm',
    replicas: ['0', '1'].map((engine) => ({
      labels: { deployment: 'copilot-vllm', engine, instance: `copilot-${engine}:8000`, job: 'vllm', model_name: 'meta-llama/Llama-3.1-8B-Instruct' },
      resetMinute: engine === '1' ? 24 * 60 + 6 * 60 + 20 : null,
    })),
    histograms: [
      { name: 'vllm:time_to_first_token_seconds', kind: 'ttft', bounds: V1.ttft, base: 0.2 },
      { name: 'vllm:e2e_request_latency_seconds', kind: 'e2e', bounds: V1.e2e, base: 1.5 },
      { name: 'vllm:request_queue_time_seconds', kind: 'queue', bounds: V1.e2e, base: 0.05 },
    ],
    preemptions: null,
    tokens: { prompt: 'vllm:prompt_tokens_total', generation: 'vllm:generation_tokens_total', family: ['vllm:prompt_tokens', 'vllm:generation_tokens'] },
    requestsPerStep: 8,
  },
  {
    deployment: 'rerank-70b',
    replicas: [{ labels: { deployment: 'rerank-70b', instance: 'rerank-0:8000', job: 'vllm', model_name: 'meta-llama/Llama-3.1-70B-Instruct' }, resetMinute: 13 * 60 + 35 }],
    histograms: [
      { name: 'vllm:time_to_first_token_seconds', kind: 'ttft', bounds: V0.ttft, base: 0.4 },
      { name: 'vllm:e2e_request_latency_seconds', kind: 'e2e', bounds: V0.e2e, base: 2 },
    ],
    preemptions: 'vllm:num_preemptions_total',
    tokens: { prompt: 'vllm:prompt_tokens_total', generation: 'vllm:generation_tokens_total', family: ['vllm:prompt_tokens', 'vllm:generation_tokens'] },
    requestsPerStep: 6,
  },
  {
    deployment: 'batch-sglang',
    replicas: [{ labels: { deployment: 'batch-sglang', instance: 'sglang-0:30000', job: 'sglang', model_name: 'Qwen/Qwen2.5-7B-Instruct' }, resetMinute: null }],
    histograms: [
      { name: 'sglang:time_to_first_token_seconds', kind: 'ttft', bounds: SGLANG.ttft, base: 0.5 },
      { name: 'sglang:e2e_request_latency_seconds', kind: 'e2e', bounds: SGLANG.e2e, base: 3 },
      { name: 'sglang:queue_time_seconds', kind: 'queue', bounds: SGLANG.queue, base: 0.3 },
    ],
    preemptions: null,
    tokens: { prompt: 'sglang:prompt_tokens_total', generation: 'sglang:generation_tokens_total', family: ['sglang:prompt_tokens', 'sglang:generation_tokens'] },
    requestsPerStep: 5,
  },
  {
    deployment: 'tgi-chat',
    replicas: [{ labels: { deployment: 'tgi-chat', instance: 'tgi-0:3000', job: 'tgi' }, resetMinute: null }],
    histograms: [
      { name: 'tgi_request_duration', kind: 'e2e', bounds: TGI, base: 2.5 },
      { name: 'tgi_request_queue_duration', kind: 'queue', bounds: TGI, base: 0.1 },
    ],
    preemptions: null,
    tokens: { prompt: 'tgi_request_input_length_sum', generation: 'tgi_request_generated_tokens_sum', family: ['tgi_request_input_length', 'tgi_request_generated_tokens'] },
    requestsPerStep: 4,
  },
];

const h32 = (a: number, b: number) => {
  let x = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35);
  x ^= x >>> 15;
  x = Math.imul(x, 0x27d4eb2f);
  return ((x ^ (x >>> 13)) >>> 0) / 4294967296;
};
/** Load of hour k: a ramp over the day, 0.3 at 00:00 to 1.0 at 23:00. */
export const loadOf = (k: number) => 0.3 + (0.7 * (k % 24)) / 23;
/** The knee: p95 flat up to load 0.65, 4× at load 1. */
const kneeFactor = (load: number) => 1 + (3 * Math.max(0, load - 0.65)) / 0.35;
const fmtLabels = (l: Record<string, string>) => `{${Object.entries(l).map(([k, v]) => `${k}="${v}"`).join(',')}}`;
/** A sample at minute m closes hour ceil(m/60) − 1. */
const hourOfMinute = (m: number) => Math.ceil(m / 60) - 1;

export interface ExpectedHour {
  buckets: Partial<Record<Kind, Buckets>>;
  tokens: number;
  preemptions: number | null;
}

export function buildLatencySynthetic() {
  const out: string[] = [];
  const expected = new Map<string, ExpectedHour[]>();
  let seed = 0;
  for (const spec of SPECS) {
    const hours: ExpectedHour[] = Array.from({ length: HOURS }, () => ({ buckets: {}, tokens: 0, preemptions: spec.preemptions ? 0 : null }));
    expected.set(spec.deployment, hours);
    spec.replicas.forEach((rep, ri) => {
      // Per step: observations and their draws, shared by the replica's histograms.
      const stepObs = Array.from({ length: STEPS + 1 }, (_, s) => (s === 0 ? 0 : 1 + Math.floor(spec.requestsPerStep * loadOf(hourOfMinute(s * STEP_MIN)) * (0.5 + h32(ri + 17 * seed, s)))));
      const series = (name: string, labels: Record<string, string>, incOf: (s: number) => number, onInc: (k: number, inc: number) => void) => {
        let v = 0;
        for (let s = 0; s <= STEPS; s++) {
          const m = s * STEP_MIN;
          const inc = s === 0 ? 0 : incOf(s);
          v = (m === rep.resetMinute ? 0 : v) + inc;
          out.push(`${name}${fmtLabels(labels)} ${v} ${T0 + 60 * m}`);
          if (s > 0) onInc(hourOfMinute(m), inc);
        }
      };
      for (const h of spec.histograms) {
        const hs = ++seed;
        const draw = (s: number, j: number) => {
          const load = loadOf(hourOfMinute(s * STEP_MIN));
          return h.base * kneeFactor(load) * (-Math.log(1 - 0.999 * h32(hs, s * 1000 + j)) / Math.log(20));
        };
        out.push(`# TYPE ${h.name} histogram`);
        for (const le of [...h.bounds, Infinity]) {
          const leText = le === Infinity ? '+Inf' : String(le);
          series(
            `${h.name}_bucket`,
            { ...rep.labels, le: leText },
            (s) => {
              let c = 0;
              for (let j = 0; j < stepObs[s]!; j++) if (draw(s, j) <= le) c++;
              return c;
            },
            (k, inc) => addToBuckets(((hours[k]!.buckets[h.kind] ??= new Map()) as Buckets), le, inc),
          );
        }
      }
      const [pf, gf] = spec.tokens.family;
      out.push(`# TYPE ${pf} counter`);
      series(spec.tokens.prompt, rep.labels, (s) => stepObs[s]! * 900, (k, inc) => (hours[k]!.tokens += inc));
      out.push(`# TYPE ${gf} counter`);
      series(spec.tokens.generation, rep.labels, (s) => stepObs[s]! * 90, (k, inc) => (hours[k]!.tokens += inc));
      if (spec.preemptions) {
        out.push(`# TYPE ${spec.preemptions.replace(/_total$/, '')} counter`);
        series(spec.preemptions, rep.labels, (s) => (loadOf(hourOfMinute(s * STEP_MIN)) > 0.85 ? 1 : 0), (k, inc) => (hours[k]!.preemptions! += inc));
      }
    });
  }
  out.push('# EOF');
  return { openMetrics: `${out.join('\n')}\n`, expected };
}
