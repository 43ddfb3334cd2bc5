import { ceilTol, requireNumber } from './num.ts';

export type SizingBound = 'throughput' | 'memory';

/** Little's law: concurrent sessions = arrival rate × average time in the system. */
export function concurrentSessions(requestsPerSecond: number, avgRequestSeconds: number): number {
  requireNumber('requestsPerSecond', requestsPerSecond, { min: 0 });
  requireNumber('avgRequestSeconds', avgRequestSeconds, { min: 0 });
  return requestsPerSecond * avgRequestSeconds;
}

/** Throughput-bound replicas: ceil(load tok/s ÷ (tok/s per replica × max utilization)). */
export function throughputReplicas(loadTokensPerSecond: number, tps: number, maxUtilization: number): number {
  requireNumber('loadTokensPerSecond', loadTokensPerSecond, { min: 0 });
  requireNumber('tps', tps, { gt: 0 });
  requireNumber('maxUtilization', maxUtilization, { gt: 0, max: 1 });
  return ceilTol(loadTokensPerSecond / (tps * maxUtilization));
}

/** Memory-bound replicas: ceil(concurrent sessions ÷ full-context streams per replica). */
export function memoryReplicas(sessions: number, streamsPerReplica: number): number {
  requireNumber('concurrentSessions', sessions, { min: 0 });
  requireNumber('streamsPerReplica', streamsPerReplica, { min: 0, integer: true });
  if (sessions === 0) return 0;
  // A replica that cannot hold a single stream cannot serve the model at all: a profile error, not a number.
  if (streamsPerReplica === 0) throw new RangeError('the model weights leave no room for a KV cache on one replica (0 streams per replica)');
  return ceilTol(sessions / streamsPerReplica);
}

export interface SizingInput {
  loadTokensPerSecond: number;
  tps: number;
  maxUtilization: number;
  minReplicas: number;
  /** Concurrent sessions (see concurrentSessions); omit to size on throughput only. */
  concurrentSessions?: number;
  /** Full-context streams per replica (see concurrentStreamsPerReplica); needed with concurrentSessions. */
  streamsPerReplica?: number;
}

export interface SizingResult {
  replicas: number;
  throughputReplicas: number;
  /** null when no session estimate was given. */
  memoryReplicas: number | null;
  /** The larger of the two bounds; ties go to throughput. */
  bound: SizingBound;
  /** True when min_replicas, not the load, set the count. */
  atMinimum: boolean;
}

/** COST-MODEL §3/§4: the larger of the throughput-bound and memory-bound replica count, at least min_replicas. */
export function replicasNeeded(input: SizingInput): SizingResult {
  const minReplicas = requireNumber('minReplicas', input.minReplicas, { min: 0, integer: true });
  const thr = throughputReplicas(input.loadTokensPerSecond, input.tps, input.maxUtilization);
  let mem: number | null = null;
  if (input.concurrentSessions !== undefined) {
    if (input.streamsPerReplica === undefined) throw new RangeError('streamsPerReplica is required with concurrentSessions');
    mem = memoryReplicas(input.concurrentSessions, input.streamsPerReplica);
  }
  const bound: SizingBound = mem !== null && mem > thr ? 'memory' : 'throughput';
  const needed = Math.max(thr, mem ?? 0);
  return {
    replicas: Math.max(needed, minReplicas),
    throughputReplicas: thr,
    memoryReplicas: mem,
    bound,
    atMinimum: minReplicas > needed,
  };
}

/** Tokens one replica serves in an hour at its utilization ceiling: tps × 3600 × max utilization. */
export function capacityPerReplicaHour(tps: number, maxUtilization: number): number {
  requireNumber('tps', tps, { gt: 0 });
  requireNumber('maxUtilization', maxUtilization, { gt: 0, max: 1 });
  return tps * 3600 * maxUtilization;
}
