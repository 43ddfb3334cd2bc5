import type { Ctx } from '../context.ts';
import type { PlannedStep } from './planner.ts';
import { runStep } from './steps.ts';

export interface StepOutcome {
  id: string;
  result: unknown;
}

/**
 * The inline driver: runs a plan in-process, in order. A failed step stops the run (its dependents
 * could only produce wrong numbers); the error names the step.
 */
export async function runInline(
  ctx: Ctx,
  plan: PlannedStep[],
  onProgress?: (done: number, total: number, step: PlannedStep) => void,
): Promise<StepOutcome[]> {
  const outcomes: StepOutcome[] = [];
  for (const [i, s] of plan.entries()) {
    onProgress?.(i, plan.length, s);
    try {
      outcomes.push({ id: s.id, result: await runStep(ctx, s.step, s.payload) });
    } catch (err) {
      if (err instanceof Error) err.message = `${s.id}: ${err.message}`;
      throw err;
    }
  }
  onProgress?.(plan.length, plan.length, plan[plan.length - 1]!);
  return outcomes;
}
