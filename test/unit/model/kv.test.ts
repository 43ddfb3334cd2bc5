import { describe, expect, it } from 'vitest';
import { GIB, concurrentStreamsPerReplica, kvBytesPerToken, kvSessionBytes } from '../../../src/model/kv.ts';

const llama7b = { layers: 32, kvHeads: 32, headDim: 128, dtypeBytes: 2 };

describe('KV-cache sizing (COST-MODEL §3)', () => {
  it('Llama-class 7B: 524,288 B per token, 4 GiB per 8,192-token stream', () => {
    expect(kvBytesPerToken(llama7b)).toBe(524_288);
    expect(kvSessionBytes(llama7b, 8192)).toBe(4 * GIB);
  });

  it('grouped-query attention uses kv_heads', () => {
    expect(kvBytesPerToken({ ...llama7b, kvHeads: 8 })).toBe(131_072);
    expect(kvBytesPerToken({ layers: 80, kvHeads: 8, headDim: 128, dtypeBytes: 1 })).toBe(163_840);
  });

  it('concurrent streams: floor of free memory over one stream', () => {
    const perToken = kvBytesPerToken(llama7b);
    // 80 GiB × 0.9 − 14 GiB = 58 GiB → 14 streams of 4 GiB
    expect(concurrentStreamsPerReplica({ gpuMemGiB: 80, gpus: 1, usableFraction: 0.9, weightsGiB: 14, kvBytesPerToken: perToken, context: 8192 })).toBe(14);
    // exactly 64 GiB free → 16 streams, not 15 from float noise
    expect(concurrentStreamsPerReplica({ gpuMemGiB: 80, gpus: 1, usableFraction: 1, weightsGiB: 16, kvBytesPerToken: perToken, context: 8192 })).toBe(16);
    // 2 GPUs double the room
    expect(concurrentStreamsPerReplica({ gpuMemGiB: 80, gpus: 2, usableFraction: 0.9, weightsGiB: 14, kvBytesPerToken: perToken, context: 8192 })).toBe(32);
  });

  it('0 streams when the weights do not fit', () => {
    expect(concurrentStreamsPerReplica({ gpuMemGiB: 24, gpus: 1, usableFraction: 0.9, weightsGiB: 140, kvBytesPerToken: 524_288, context: 8192 })).toBe(0);
    expect(concurrentStreamsPerReplica({ gpuMemGiB: 16, gpus: 1, usableFraction: 1, weightsGiB: 14, kvBytesPerToken: 524_288, context: 8192 })).toBe(0);
  });
});
