import type { FlowJob } from 'bullmq';
import type { PlannedStep } from '../src/pipeline/planner.ts';
import type { StepName } from '../src/pipeline/steps.ts';
import { jobOptions, queueForStep, toJobId, type QueueName, type RetryOptions } from './queues.ts';

export interface FlowNode {
  /** The planner's id (`step:source:window`). */
  id: string;
  jobId: string;
  queue: QueueName;
  step: StepName;
  payload: unknown;
  children: FlowNode[];
}

/**
 * Turns the planner's dependency graph into the tree a BullMQ flow needs (a job has at most one
 * parent). Walking the plan in order, each step takes as children the roots of the trees its
 * dependencies currently belong to: an unclaimed ingest becomes its compute's child, and an ingest
 * already under an earlier month's compute → report chain pulls in that chain's top instead. So a
 * range becomes a spine — compute(M) waits for its month's ingests and for everything of M−1 —
 * which keeps every `dependsOn` (transitively) and runs computes in month order, as inline does;
 * all ingests are leaves and run at once. Several roots left at the end hang under the last one.
 */
export function planToTree(plan: readonly PlannedStep[]): FlowNode {
  if (plan.length === 0) throw new Error('empty plan: nothing to enqueue');
  const nodes = new Map<string, FlowNode>();
  const parent = new Map<string, string>();
  const rootOf = (id: string): string => {
    let cur = id;
    for (let p = parent.get(cur); p !== undefined; p = parent.get(cur)) cur = p;
    return cur;
  };
  const attach = (child: string, to: FlowNode) => {
    parent.set(child, to.id);
    to.children.push(nodes.get(child)!);
  };
  for (const s of plan) {
    if (nodes.has(s.id)) throw new Error(`duplicate step id in plan: ${s.id}`);
    const node: FlowNode = { id: s.id, jobId: toJobId(s.id), queue: queueForStep(s.step, s.payload), step: s.step, payload: s.payload, children: [] };
    for (const dep of s.dependsOn) {
      if (!nodes.has(dep)) throw new Error(`${s.id} depends on ${dep}, which is not earlier in the plan`);
      const root = rootOf(dep);
      if (!parent.has(root) && root !== s.id) attach(root, node);
    }
    nodes.set(s.id, node);
  }
  const roots = plan.map((s) => s.id).filter((id) => !parent.has(id));
  const top = nodes.get(roots[roots.length - 1]!)!;
  for (const r of roots.slice(0, -1)) attach(r, top);
  return top;
}

/** Every node of the tree, children before parents (the order they can finish in). */
export function flattenTree(root: FlowNode): FlowNode[] {
  const out: FlowNode[] = [];
  const walk = (n: FlowNode) => {
    n.children.forEach(walk);
    out.push(n);
  };
  walk(root);
  return out;
}

/**
 * The BullMQ flow for a tree. Deterministic job ids make a second add of in-flight work a no-op.
 * A child that fails for good fails its parent (failParentOnFailure), up to the root, so a broken
 * backfill ends as a failed root naming the cause instead of a parent waiting forever.
 */
export function toFlowJob(node: FlowNode, retry?: RetryOptions, isRoot = true): FlowJob {
  const opts = { ...jobOptions(retry), jobId: node.jobId, ...(isRoot ? {} : { failParentOnFailure: true }) };
  const base = { name: node.step, queueName: node.queue, data: node.payload, opts };
  return node.children.length ? { ...base, children: node.children.map((c) => toFlowJob(c, retry, false)) } : base;
}
