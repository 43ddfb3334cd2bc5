import type { HourLoad } from './scenario.ts';

/**
 * The demo deployments' latency, as their engines' histograms would record it: deterministic from
 * the scenario's hourly load. A queueing knee: waiting time grows like ρ/(1−ρ) as the load ρ (tokens/s
 * per replica ÷ the replica's saturation) approaches 1, so the p95s stay flat at low load and rise
 * steeply past ρ ≈ 0.7. Each latency is exponential with the hour's p95 (p95 exactly at the target);
 * bucket counts are requests × CDF(le), rounded (monotone by construction).
 *
 * copilot-vllm saturates its prefill on 1,500-token prompts at ~750 tok/s per L40S, so its
 * business-hours peak crosses the knee; rerank-70b (two engines on one 8×H100 node) saturates near
 * 10,000 tok/s and runs at ~60 %, so only its busiest hours approach the knee.
 */
export interface LatencyProfile {
  /** Tokens/s per replica at which the queue diverges (ρ = 1). */
  saturationTpsPerReplica: number;
  /** p95 time to first token with an empty queue, seconds. */
  ttftBaseSeconds: number;
  /** p95 end-to-end latency with an empty queue, seconds (grows 60 % with the batch at ρ = 1). */
  e2eBaseSeconds: number;
  /** p95 queue time = queueScaleSeconds × ρ/(1−ρ). */
  queueScaleSeconds: number;
}

export const LATENCY_PROFILES: Record<string, LatencyProfile> = {
  'copilot-vllm': { saturationTpsPerReplica: 750, ttftBaseSeconds: 0.25, e2eBaseSeconds: 4, queueScaleSeconds: 0.3 },
  'rerank-70b': { saturationTpsPerReplica: 10000, ttftBaseSeconds: 0.4, e2eBaseSeconds: 2, queueScaleSeconds: 0.3 },
};

/** vLLM's bucket layouts (seconds): V1 (0.8+) widened both; queue time shares the request-latency layout. */
export const VLLM_BUCKETS = {
  v1: {
    ttft: [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0],
    e2e: [0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0],
  },
  v0: {
    ttft: [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0],
    e2e: [1.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0],
  },
} as const;

const RHO_MAX = 0.97;

export interface HourLatency {
  rho: number;
  ttftP95: number;
  e2eP95: number;
  queueP95: number;
  preemptions: number;
}

/** The hour's load per replica → ρ and the p95s (seconds); preemptions start past ρ = 0.85. */
export function hourLatency(p: LatencyProfile, load: HourLoad, replicas: number): HourLatency {
  const tps = (load.inputTokens + load.outputTokens) / 3600 / replicas;
  const rho = Math.min(RHO_MAX, tps / p.saturationTpsPerReplica);
  const queueP95 = p.queueScaleSeconds * (rho / (1 - rho));
  return {
    rho,
    ttftP95: p.ttftBaseSeconds + queueP95,
    e2eP95: p.e2eBaseSeconds * (1 + 0.6 * rho) + queueP95,
    queueP95,
    preemptions: rho > 0.85 ? Math.round(load.requests * (rho - 0.85) * 0.2) : 0,
  };
}

/** Cumulative bucket counts (one per bound, then +Inf = n) of n exponential observations with the given p95. */
export function bucketCounts(n: number, p95: number, bounds: readonly number[]): number[] {
  const rate = p95 > 0 ? Math.log(20) / p95 : Infinity;
  return [...bounds.map((le) => Math.round(n * (1 - Math.exp(-rate * le)))), n];
}
