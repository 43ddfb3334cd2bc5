import { z } from 'zod';
import type { Ctx } from '../context.ts';
import { SOURCE_NAMES } from '../ingest/sources.ts';
import { connectorFor } from '../ingest/registry.ts';
import { parseDay, parseMonth } from '../time.ts';
import { computeMonth } from '../compute/month.ts';
import { writeMonthlyReport } from '../reports/write.ts';
import { runAlerts } from '../alerts/run.ts';
import { deliverReportOnChannels } from '../delivery/channels/deliver-report.ts';

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD');
const month = z.string().regex(/^\d{4}-\d{2}$/, 'expected YYYY-MM');

/** The step catalog: every unit of work the inline runner and the queue workers run, by name. */
export const STEP_NAMES = ['ingest', 'compute', 'report', 'deliver', 'alerts'] as const;
export type StepName = (typeof STEP_NAMES)[number];

export const stepPayloads = {
  ingest: z.object({ source: z.enum(SOURCE_NAMES), from: day, to: day }).strict(),
  compute: z.object({ month }).strict(),
  report: z.object({ month, outDir: z.string().optional() }).strict(),
  deliver: z.object({ month, to: z.array(z.string().email()).optional(), force: z.boolean().default(false), channels: z.array(z.enum(['email', 'slack'])).optional() }).strict(),
  alerts: z.object({ day, send: z.boolean().default(true) }).strict(),
} satisfies Record<StepName, z.ZodType>;

export type StepPayload<N extends StepName> = z.input<(typeof stepPayloads)[N]>;

type Runner<N extends StepName> = (ctx: Ctx, payload: z.output<(typeof stepPayloads)[N]>) => Promise<unknown>;

const runners: { [N in StepName]: Runner<N> } = {
  ingest: async (ctx, p) => {
    const windows = await connectorFor(p.source).ingest(ctx, { start: parseDay(p.from), end: parseDay(p.to) });
    return { windows: windows.length, rows: windows.reduce((a, w) => a + w.rows, 0), requests: windows.reduce((a, w) => a + w.requests, 0) };
  },
  compute: (ctx, p) => computeMonth(ctx, parseMonth(p.month)),
  report: (ctx, p) => writeMonthlyReport(ctx, parseMonth(p.month), p.outDir ?? ctx.config.report.out_dir),
  alerts: (ctx, p) => runAlerts(ctx, parseDay(p.day), { send: p.send }),
  deliver: (ctx, p) => deliverReportOnChannels(ctx, parseMonth(p.month), { to: p.to, force: p.force, channels: p.channels }),
};

/** Parses the payload with the step's schema (a queue job's data is untrusted) and runs the step. */
export async function runStep<N extends StepName>(ctx: Ctx, name: N, payload: unknown): Promise<unknown> {
  const parsed = stepPayloads[name].parse(payload) as z.output<(typeof stepPayloads)[N]>;
  return (runners[name] as Runner<N>)(ctx, parsed);
}
