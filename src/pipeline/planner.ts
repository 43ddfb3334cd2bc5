import type { SourceName } from '../ingest/sources.ts';
import { addMonths, dayKey, monthKey, monthRange } from '../time.ts';
import type { StepName, StepPayload } from './steps.ts';

export interface PlannedStep<N extends StepName = StepName> {
  /** Deterministic: the same work always has the same id (`step:source:window`), so enqueueing twice is a no-op. */
  id: string;
  step: N;
  payload: StepPayload<N>;
  dependsOn: string[];
}

export interface RangePlanInput {
  from: Date;
  to: Date;
  sources: readonly SourceName[];
  /** Render each month's report (into outDir for the inline runner). */
  report?: boolean;
  outDir?: string;
  send?: boolean;
  /** Don't ingest beyond this instant (now): the open month is pulled up to today. */
  until?: Date;
}

/**
 * The ordered steps for a range of months: ingest every source month by month, then compute each
 * month (after all ingests up to it: a month's data-months count looks back), report, deliver.
 * The list is in a valid execution order; `dependsOn` carries the graph for the queued driver.
 */
export function planRange(input: RangePlanInput): PlannedStep[] {
  const months = monthRange(input.from, input.to);
  const out: PlannedStep[] = [];
  const ingestIds: string[] = [];
  for (const m of months) {
    const monthIngests: string[] = [];
    for (const source of input.sources) {
      let end = addMonths(m, 1);
      if (input.until && end > input.until) end = new Date(Date.UTC(input.until.getUTCFullYear(), input.until.getUTCMonth(), input.until.getUTCDate()));
      if (end <= m) continue;
      const from = dayKey(m);
      const to = dayKey(end);
      const id = `ingest:${source}:${from}..${to}`;
      out.push({ id, step: 'ingest', payload: { source, from, to }, dependsOn: [] });
      monthIngests.push(id);
    }
    ingestIds.push(...monthIngests);
    const month = monthKey(m);
    const computeId = `compute:${month}`;
    out.push({ id: computeId, step: 'compute', payload: { month }, dependsOn: [...ingestIds] });
    if (input.report || input.send) {
      const reportId = `report:${month}`;
      out.push({ id: reportId, step: 'report', payload: { month, ...(input.outDir ? { outDir: input.outDir } : {}) }, dependsOn: [computeId] });
      if (input.send) out.push({ id: `deliver:${month}`, step: 'deliver', payload: { month }, dependsOn: [reportId] });
    }
  }
  return out;
}
