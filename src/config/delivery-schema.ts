import { z } from 'zod';

/** Same rule as the main schema's decimalString (kept here so this module has no import cycle). */
const decimalAmount = z
  .union([z.string(), z.number()])
  .transform((v) => (typeof v === 'number' ? String(v) : v.trim()))
  .refine((v) => /^\d+(\.\d+)?$/.test(v), { message: 'expected a positive decimal amount such as 2500 or 2500.00' });

/**
 * `report.channels`: where the monthly report and the alerts go. Without it, the report goes by
 * email to `report.recipients` (or REPORT_TO / --to) as before.
 */
export const channelSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('email'),
      /** Recipients of this channel; default REPORT_TO, then report.recipients. */
      to: z.array(z.string().email()).min(1).optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('slack'),
      /**
       * Where readers download the month's CSV (incoming webhooks cannot upload files), with
       * `{month}` replaced by YYYY-MM. Without it the message carries the CSV's first rows inline.
       */
      csv_url: z
        .string()
        .url()
        .refine((u) => /^https?:\/\//.test(u), 'expected an http(s) URL')
        .optional(),
    })
    .strict(),
]);
export type ChannelConfig = z.infer<typeof channelSchema>;

/**
 * `alerts`: a monthly budget (projected month-end spend from the days so far) and/or a daily spike
 * rule (a day's spend or tokens above factor × the trailing 14-day median). Without `feature`, the
 * rule applies to every feature separately.
 */
export const alertSchema = z
  .object({
    feature: z.string().min(1).optional(),
    monthly_budget: decimalAmount.describe('in the reporting currency').optional(),
    daily_spike_factor: z.number().gt(1, 'expected a factor above 1, such as 2 (twice the trailing median)').max(1000).optional(),
  })
  .strict()
  .refine((a) => a.monthly_budget !== undefined || a.daily_spike_factor !== undefined, { message: 'an alert needs monthly_budget, daily_spike_factor or both' });
export type AlertConfig = z.infer<typeof alertSchema>;
