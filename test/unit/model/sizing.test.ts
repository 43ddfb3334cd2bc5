import { describe, expect, it } from 'vitest';
import { capacityPerReplicaHour, concurrentSessions, replicasNeeded, throughputReplicas } from '../../../src/model/sizing.ts';

describe('replica sizing', () => {
  it('throughput bound: ceil(load / (tps × max utilization))', () => {
    expect(throughputReplicas(1000, 1000, 0.7)).toBe(2);
    expect(throughputReplicas(700, 1000, 0.7)).toBe(1);
    expect(throughputReplicas(0, 1000, 0.7)).toBe(0);
    // float noise must not add a replica: 2.1 / (1 × 0.3) = 7.000000000000001
    expect(2.1 / (1 * 0.3)).toBeGreaterThan(7);
    expect(throughputReplicas(2.1, 1, 0.3)).toBe(7);
  });

  it('memory bound wins when sessions need more replicas than throughput', () => {
    const r = replicasNeeded({ loadTokensPerSecond: 500, tps: 1000, maxUtilization: 0.7, minReplicas: 1, concurrentSessions: concurrentSessions(5, 8), streamsPerReplica: 14 });
    expect(r).toEqual({ replicas: 3, throughputReplicas: 1, memoryReplicas: 3, bound: 'memory', atMinimum: false });
  });

  it('throughput bound and min_replicas', () => {
    expect(replicasNeeded({ loadTokensPerSecond: 2000, tps: 1000, maxUtilization: 0.7, minReplicas: 1 })).toEqual({
      replicas: 3, throughputReplicas: 3, memoryReplicas: null, bound: 'throughput', atMinimum: false,
    });
    expect(replicasNeeded({ loadTokensPerSecond: 10, tps: 1000, maxUtilization: 0.7, minReplicas: 2 })).toMatchObject({ replicas: 2, atMinimum: true });
  });

  it('a replica with room for no stream cannot serve sessions', () => {
    expect(() => replicasNeeded({ loadTokensPerSecond: 10, tps: 1000, maxUtilization: 0.7, minReplicas: 1, concurrentSessions: 1, streamsPerReplica: 0 })).toThrow(/no room/);
  });

  it('capacity per replica-hour', () => {
    expect(capacityPerReplicaHour(150, 1)).toBe(540_000);
    expect(capacityPerReplicaHour(1000, 0.7)).toBeCloseTo(2_520_000, 6);
  });
});
