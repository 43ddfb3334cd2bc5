import { describe, expect, it } from 'vitest';
import { flattenTree, planToTree, toFlowJob, type FlowNode } from '../../../jobs/flow-tree.ts';
import { toJobId } from '../../../jobs/queues.ts';
import { planRange } from '../../../src/pipeline/planner.ts';
import { parseMonth } from '../../../src/time.ts';

const shape = (n: FlowNode): unknown => (n.children.length ? { [n.id]: n.children.map(shape) } : n.id);
const descendants = (n: FlowNode): Set<string> => new Set(flattenTree(n).map((x) => x.id).filter((id) => id !== n.id));

describe('planToTree', () => {
  const plan = planRange({ from: parseMonth('2026-01'), to: parseMonth('2026-03'), sources: ['openai', 'aws'], report: true, send: true });
  const root = planToTree(plan);

  it('turns a range into a month spine: ingests are leaves, compute(M) waits for M-1 and its own ingests', () => {
    expect(shape(root)).toEqual({
      'deliver:2026-03': [
        {
          'report:2026-03': [
            {
              'compute:2026-03': [
                {
                  'deliver:2026-02': [
                    {
                      'report:2026-02': [
                        {
                          'compute:2026-02': [
                            { 'deliver:2026-01': [{ 'report:2026-01': [{ 'compute:2026-01': ['ingest:openai:2026-01-01..2026-02-01', 'ingest:aws:2026-01-01..2026-02-01'] }] }] },
                            'ingest:openai:2026-02-01..2026-03-01',
                            'ingest:aws:2026-02-01..2026-03-01',
                          ],
                        },
                      ],
                    },
                  ],
                },
                'ingest:openai:2026-03-01..2026-04-01',
                'ingest:aws:2026-03-01..2026-04-01',
              ],
            },
          ],
        },
      ],
    });
  });

  it('keeps every dependency of the plan (transitively) and every step exactly once', () => {
    const nodes = flattenTree(root);
    expect(nodes.map((n) => n.id).sort()).toEqual(plan.map((s) => s.id).sort());
    const byId = new Map(nodes.map((n) => [n.id, n]));
    for (const s of plan) {
      const below = descendants(byId.get(s.id)!);
      for (const d of s.dependsOn) expect(below.has(d), `${s.id} → ${d}`).toBe(true);
    }
  });

  it('routes steps to queues by concern and ingest by source, with BullMQ-safe ids', () => {
    const nodes = flattenTree(root);
    expect(new Set(nodes.map((n) => `${n.step}→${n.queue}`))).toEqual(new Set(['ingest→ingest-openai', 'ingest→ingest-aws', 'compute→compute', 'report→report', 'deliver→report']));
    expect(root.jobId).toBe('deliver:all:2026-03');
    for (const n of nodes) expect(n.jobId.split(':')).toHaveLength(3);
  });

  it('marks every non-root job to fail its parent, and only those', () => {
    const flow = toFlowJob(root, { attempts: 3, backoffMs: 100 });
    expect(flow.opts).toMatchObject({ jobId: 'deliver:all:2026-03', attempts: 3, backoff: { type: 'exponential', delay: 100, jitter: 0.5 } });
    expect(flow.opts).not.toHaveProperty('failParentOnFailure');
    const child = flow.children![0]!;
    expect(child.opts).toMatchObject({ jobId: 'report:all:2026-03', failParentOnFailure: true });
  });

  it('rejects an empty plan and unknown dependencies', () => {
    expect(() => planToTree([])).toThrow('empty plan');
    expect(() => planToTree([{ id: 'compute:2026-01', step: 'compute', payload: { month: '2026-01' }, dependsOn: ['ingest:x'] }])).toThrow('not earlier in the plan');
  });

  it('hangs several roots under the last one', () => {
    const t = planToTree([
      { id: 'compute:2026-01', step: 'compute', payload: { month: '2026-01' }, dependsOn: [] },
      { id: 'compute:2026-02', step: 'compute', payload: { month: '2026-02' }, dependsOn: [] },
    ]);
    expect(shape(t)).toEqual({ 'compute:2026-02': ['compute:2026-01'] });
  });
});

describe('toJobId', () => {
  it('keeps step:source:window and gives cross-source steps the source "all"', () => {
    expect(toJobId('ingest:openai:2026-01-01..2026-02-01')).toBe('ingest:openai:2026-01-01..2026-02-01');
    expect(toJobId('compute:2026-01')).toBe('compute:all:2026-01');
    expect(toJobId('a:b:c:d')).toBe('a.b.c.d');
  });
});
