import { requireNumber } from './num.ts';

export { roundCents } from './num.ts';

export interface SelfHostedUnitInput {
  /** Cost of the GPU capacity per hour (one replica / node). */
  gpuHourly: number;
  /** Effective (sustained, all streams) tokens per second of that capacity — not single-stream speed. */
  tokensPerSecond: number;
  /** Fractional overhead on top of GPU cost (0.30 = 30 %). */
  overhead: number;
}

export interface SelfHostedUnitCost {
  beforeOverhead: number;
  afterOverhead: number;
}

/** COST-MODEL §2: cost per 1M tokens = gpu_hourly / (tok/s × 3600) × 10⁶, then × (1 + overhead). Unrounded. */
export function selfHostedCostPer1M(input: SelfHostedUnitInput): SelfHostedUnitCost {
  const gpuHourly = requireNumber('gpuHourly', input.gpuHourly, { min: 0 });
  const tps = requireNumber('tokensPerSecond', input.tokensPerSecond, { gt: 0 });
  const overhead = requireNumber('overhead', input.overhead, { min: 0 });
  const beforeOverhead = (gpuHourly / (tps * 3600)) * 1_000_000;
  return { beforeOverhead, afterOverhead: beforeOverhead * (1 + overhead) };
}
