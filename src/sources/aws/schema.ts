import { z } from 'zod';
import { isDecimalText } from '../focus/money.ts';

/**
 * The part of a GetCostAndUsage response we rely on, validated after the SDK has deserialized it:
 * amounts must be decimal strings (they are strings on the wire, never floats).
 */
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD');

export const metricValueSchema = z.object({
  Amount: z.string().refine(isDecimalText, { message: 'Amount is not a decimal number' }),
  Unit: z.string().optional(),
});

export const groupSchema = z.object({
  Keys: z.array(z.string()).default([]),
  Metrics: z.record(z.string(), metricValueSchema).default({}),
});

export const resultByTimeSchema = z.object({
  TimePeriod: z.object({ Start: day, End: day }),
  Total: z.record(z.string(), metricValueSchema).optional(),
  Groups: z.array(groupSchema).default([]),
  Estimated: z.boolean().optional(),
});

export const costAndUsageSchema = z.object({
  GroupDefinitions: z.array(z.object({ Type: z.string().optional(), Key: z.string().optional() })).optional(),
  ResultsByTime: z.array(resultByTimeSchema).default([]),
  NextPageToken: z.string().optional(),
});

export type CostAndUsagePage = z.infer<typeof costAndUsageSchema>;
export type MetricValue = z.infer<typeof metricValueSchema>;
