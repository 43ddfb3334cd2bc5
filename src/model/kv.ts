import { floorTol, requireNumber } from './num.ts';

export const GIB = 1024 ** 3;

export interface KvShape {
  layers: number;
  /** KV heads (grouped-query attention models have fewer than attention heads, e.g. 8). */
  kvHeads: number;
  headDim: number;
  /** Bytes per element: 2 for fp16/bf16, 1 for fp8. */
  dtypeBytes: number;
}

/** COST-MODEL §3: 2 (K and V) × layers × kv_heads × head_dim × bytes_per_element. */
export function kvBytesPerToken(shape: KvShape): number {
  requireNumber('layers', shape.layers, { gt: 0, integer: true });
  requireNumber('kvHeads', shape.kvHeads, { gt: 0, integer: true });
  requireNumber('headDim', shape.headDim, { gt: 0, integer: true });
  requireNumber('dtypeBytes', shape.dtypeBytes, { gt: 0 });
  return 2 * shape.layers * shape.kvHeads * shape.headDim * shape.dtypeBytes;
}

/** KV-cache bytes one stream holds at `context` tokens. */
export function kvSessionBytes(shape: KvShape, context: number): number {
  requireNumber('context', context, { gt: 0, integer: true });
  return kvBytesPerToken(shape) * context;
}

export interface ReplicaMemoryInput {
  /** Memory of one GPU in GiB. */
  gpuMemGiB: number;
  gpus: number;
  /** Share of GPU memory the server may use (vLLM's gpu_memory_utilization, e.g. 0.9). */
  usableFraction: number;
  weightsGiB: number;
  kvBytesPerToken: number;
  context: number;
}

/**
 * Full-context streams one replica can hold: floor((mem × gpus × usable − weights) / (kv/token × context)).
 * 0 when the weights alone do not fit.
 */
export function concurrentStreamsPerReplica(input: ReplicaMemoryInput): number {
  requireNumber('gpuMemGiB', input.gpuMemGiB, { gt: 0 });
  requireNumber('gpus', input.gpus, { gt: 0, integer: true });
  requireNumber('usableFraction', input.usableFraction, { gt: 0, max: 1 });
  requireNumber('weightsGiB', input.weightsGiB, { min: 0 });
  requireNumber('kvBytesPerToken', input.kvBytesPerToken, { gt: 0 });
  requireNumber('context', input.context, { gt: 0, integer: true });
  const freeBytes = (input.gpuMemGiB * input.gpus * input.usableFraction - input.weightsGiB) * GIB;
  if (freeBytes <= 0) return 0;
  return Math.max(0, floorTol(freeBytes / (input.kvBytesPerToken * input.context)));
}
