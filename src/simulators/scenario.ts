/**
 * The demo company's scenario: a deterministic, seeded hourly load per feature that every simulator
 * serves in its own vendor's wire format. Values depend only on (seed, feature, hour), so any window
 * can be served in any order and two runs give identical data.
 *
 * A SaaS company with a large customer-support product and eight features (plus a little
 * unattributed sandbox spend). Nothing here names an outcome: the loads, token mixes and bills are
 * chosen so that the cost model, run on them, earns each kind of verdict.
 * - support-chat       Anthropic claude-sonnet-4, customer facing, round the clock: a steady base that
 *                      never drops below about half the peak, a daytime hump and short spikes;
 *                      a guardrail pass (support-chat.guardrail) on claude-3-5-haiku
 * - internal-copilot   self-hosted Llama-3.1-8B on vLLM (deployment copilot-vllm, 2 × L40S), business hours
 *                      only: the GPUs idle most of the week
 * - doc-summarizer     OpenAI gpt-4o-mini through the Batch API, nightly
 * - code-review        OpenAI gpt-4.1, working hours on weekdays
 * - search-rerank      self-hosted Llama-3.1-70B on one 8×H100 node (deployment rerank-70b), steady high
 *                      volume day and night, idle only during a one-hour nightly index rebuild
 * - search-answers     answer synthesis on Qwen2.5-32B, a second vLLM engine on the same node (rerank-70b
 *                      is shared by two features), business hours
 * - meeting-notes      OpenAI gpt-4.1-mini, launched at the start of the month two months before "now"
 * - (sandbox)          OpenAI gpt-4.1-mini in a project no rule claims → "unattributed"
 */

export const DEFAULT_SEED = 20260101;

export type ScenarioProvider = 'openai' | 'anthropic' | 'vllm';

export interface ScenarioStream {
  /** Feature this load belongs to in the example config (null: deliberately unattributed). */
  feature: string | null;
  provider: ScenarioProvider;
  model: string;
  /** Provider dimensions, as the vendor reports them. */
  dims: {
    project_id?: string;
    api_key_id?: string | null;
    workspace_id?: string | null;
    service_tier?: string;
    batch?: boolean;
    deployment?: string;
  };
  /** Requests per hour at the peak of the shape; tokens per request. */
  peakRequestsPerHour: number;
  inputTokensPerRequest: number;
  outputTokensPerRequest: number;
  /** Share of input served from the prompt cache (cache read / prefix-cache hit). */
  cachedShare: number;
  /** Share of input written to the cache (Anthropic/OpenAI cache writes). */
  cacheWriteShare: number;
  shape: 'business-hours' | 'nightly' | 'diurnal-spiky' | 'steady-spiky' | 'steady';
  /** Launched at the start of the month this many months before "now": no load before it. */
  launchedMonthsAgo?: number;
}

export const STREAMS: readonly ScenarioStream[] = [
  {
    feature: 'support-chat',
    provider: 'anthropic',
    model: 'claude-sonnet-4-20250514',
    dims: { workspace_id: 'wrkspc_support', api_key_id: 'apikey_support_prod', service_tier: 'standard' },
    // Answers with retrieved context: long, mostly unique prompts and long answers.
    peakRequestsPerHour: 15000,
    inputTokensPerRequest: 1800,
    outputTokensPerRequest: 450,
    cachedShare: 0.25,
    cacheWriteShare: 0.05,
    shape: 'steady-spiky',
  },
  {
    feature: 'support-chat.guardrail',
    provider: 'anthropic',
    model: 'claude-3-5-haiku-20241022',
    dims: { workspace_id: 'wrkspc_support', api_key_id: 'apikey_support_guard', service_tier: 'standard' },
    peakRequestsPerHour: 15000,
    inputTokensPerRequest: 700,
    outputTokensPerRequest: 12,
    cachedShare: 0.3,
    cacheWriteShare: 0.02,
    shape: 'steady-spiky',
  },
  {
    feature: 'internal-copilot',
    provider: 'vllm',
    model: 'meta-llama/Llama-3.1-8B-Instruct',
    dims: { deployment: 'copilot-vllm' },
    peakRequestsPerHour: 2600,
    inputTokensPerRequest: 1500,
    outputTokensPerRequest: 180,
    cachedShare: 0.4,
    cacheWriteShare: 0,
    shape: 'business-hours',
  },
  {
    feature: 'doc-summarizer',
    provider: 'openai',
    model: 'gpt-4o-mini-2024-07-18',
    dims: { project_id: 'proj_docs', api_key_id: 'key_docs_batch', service_tier: 'default', batch: true },
    peakRequestsPerHour: 3000,
    inputTokensPerRequest: 7800,
    outputTokensPerRequest: 420,
    cachedShare: 0,
    cacheWriteShare: 0,
    shape: 'nightly',
  },
  {
    feature: 'code-review',
    provider: 'openai',
    model: 'gpt-4.1-2025-04-14',
    dims: { project_id: 'proj_eng', api_key_id: 'key_code_review', service_tier: 'default', batch: false },
    peakRequestsPerHour: 900,
    inputTokensPerRequest: 6400,
    outputTokensPerRequest: 650,
    cachedShare: 0.35,
    cacheWriteShare: 0,
    shape: 'business-hours',
  },
  {
    feature: 'search-rerank',
    provider: 'vllm',
    model: 'meta-llama/Llama-3.1-70B-Instruct',
    dims: { deployment: 'rerank-70b' },
    peakRequestsPerHour: 24000,
    inputTokensPerRequest: 900,
    outputTokensPerRequest: 60,
    cachedShare: 0.1,
    cacheWriteShare: 0,
    shape: 'steady',
  },
  {
    feature: 'search-answers',
    provider: 'vllm',
    model: 'Qwen/Qwen2.5-32B-Instruct',
    dims: { deployment: 'rerank-70b' },
    peakRequestsPerHour: 1500,
    inputTokensPerRequest: 1500,
    outputTokensPerRequest: 300,
    cachedShare: 0.3,
    cacheWriteShare: 0,
    shape: 'business-hours',
  },
  {
    feature: 'meeting-notes',
    provider: 'openai',
    model: 'gpt-4.1-mini-2025-04-14',
    dims: { project_id: 'proj_notes', api_key_id: 'key_notes', service_tier: 'default', batch: false },
    peakRequestsPerHour: 800,
    inputTokensPerRequest: 6000,
    outputTokensPerRequest: 700,
    cachedShare: 0,
    cacheWriteShare: 0,
    shape: 'business-hours',
    launchedMonthsAgo: 2,
  },
  {
    feature: null,
    provider: 'openai',
    model: 'gpt-4.1-mini-2025-04-14',
    dims: { project_id: 'proj_sandbox', api_key_id: 'key_sandbox', service_tier: 'default', batch: false },
    peakRequestsPerHour: 60,
    inputTokensPerRequest: 2000,
    outputTokensPerRequest: 300,
    cachedShare: 0,
    cacheWriteShare: 0,
    shape: 'business-hours',
  },
];

/** The self-hosted deployments of the scenario: what the GPU bill and DCGM see. */
export const DEPLOYMENTS = [
  { name: 'copilot-vllm', instanceType: 'g6e.xlarge', instances: 2, gpusPerInstance: 1, gpuModel: 'NVIDIA L40S', hostnames: ['copilot-0', 'copilot-1'], tokensPerSecondCapacity: 3000 },
  { name: 'rerank-70b', instanceType: 'p5.48xlarge', instances: 1, gpusPerInstance: 8, gpuModel: 'NVIDIA H100 80GB HBM3', hostnames: ['rerank-0'], tokensPerSecondCapacity: 9000 },
] as const;

export interface HourLoad {
  requests: number;
  /** All input tokens = uncached + cacheRead + cacheWrite. */
  inputTokens: number;
  uncachedInputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  outputTokens: number;
}

/** mulberry32 over a 32-bit hash of the key: a tiny, well-known deterministic PRNG. */
function rng(seed: number, key: string): () => number {
  let h = seed >>> 0;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 2654435761) >>> 0;
  return () => {
    h = (h + 0x6d2b79f5) >>> 0;
    let t = h;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The shape factor (0..1.x) of an hour for a stream. */
function shapeFactor(shape: ScenarioStream['shape'], hour: Date, r: () => number): number {
  const h = hour.getUTCHours();
  const dow = hour.getUTCDay(); // 0 Sunday
  const weekend = dow === 0 || dow === 6;
  switch (shape) {
    case 'business-hours':
      if (weekend) return 0.03 * r();
      if (h < 7 || h >= 19) return 0.02 + 0.03 * r();
      return 0.55 + 0.45 * Math.sin(((h - 7) / 12) * Math.PI) * (0.85 + 0.15 * r());
    case 'nightly':
      return h >= 1 && h < 5 ? 0.8 + 0.2 * r() : 0;
    case 'steady-spiky': {
      // Never below ~55 % of the peak, a daytime hump, and a spike in about 3 % of hours.
      const hump = 0.3 * Math.max(0, Math.sin(((h - 6) / 16) * Math.PI));
      const spike = r() < 0.03 ? 0.4 + 0.5 * r() : 0;
      return ((weekend ? 0.9 : 1) * (0.55 + hump) * (0.95 + 0.1 * r())) + spike;
    }
    case 'diurnal-spiky': {
      const base = 0.25 + 0.55 * Math.max(0, Math.sin(((h - 5) / 17) * Math.PI));
      const spike = r() < 0.04 ? 1 + r() * 1.2 : 0;
      return (weekend ? 0.6 : 1) * base * (0.9 + 0.2 * r()) + spike * 0.5;
    }
    case 'steady':
      // No traffic in the nightly index rebuild (03:00–04:00 UTC): GPU hours paid, no tokens served.
      if (h === 3) return 0;
      return 0.86 + 0.08 * r() + (h >= 9 && h < 17 && !weekend ? 0.06 : 0);
  }
}

/** First hour of a stream's traffic, given "now" (null: always there). */
export function launchOf(stream: ScenarioStream, now: Date): Date | null {
  if (stream.launchedMonthsAgo === undefined) return null;
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - stream.launchedMonthsAgo, 1));
}

const NO_LOAD: HourLoad = { requests: 0, inputTokens: 0, uncachedInputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, outputTokens: 0 };

/**
 * The load of one stream in the hour starting at `hour` (UTC, on the hour). Integers only. A stream
 * launched relative to "now" has no load before its launch; without `now` it is always on.
 */
export function hourLoad(stream: ScenarioStream, hour: Date, seed = DEFAULT_SEED, now?: Date): HourLoad {
  if (now) {
    const launch = launchOf(stream, now);
    if (launch && hour < launch) return NO_LOAD;
  }
  const key = `${stream.feature ?? 'none'}|${stream.model}|${hour.toISOString()}`;
  const r = rng(seed, key);
  const requests = Math.round(stream.peakRequestsPerHour * shapeFactor(stream.shape, hour, r));
  const inputTokens = Math.round(requests * stream.inputTokensPerRequest * (0.9 + 0.2 * r()));
  const cacheReadTokens = Math.round(inputTokens * stream.cachedShare);
  const cacheWriteTokens = Math.round(inputTokens * stream.cacheWriteShare);
  const outputTokens = Math.round(requests * stream.outputTokensPerRequest * (0.85 + 0.3 * r()));
  return {
    requests,
    inputTokens,
    uncachedInputTokens: inputTokens - cacheReadTokens - cacheWriteTokens,
    cacheReadTokens,
    cacheWriteTokens,
    outputTokens,
  };
}

export function streamsOf(provider: ScenarioProvider): ScenarioStream[] {
  return STREAMS.filter((s) => s.provider === provider);
}
