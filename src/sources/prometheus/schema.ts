import { z } from 'zod';

/**
 * Wire shapes of the Prometheus HTTP API (checked against a real 2.42: fixtures in
 * shared/fixtures/prometheus-2.42). Sample values are strings because they may be "NaN", "+Inf",
 * "-Inf" or carry more precision than a JSON number; timestamps are unix seconds (float).
 */
const sample = z.tuple([z.number(), z.string()]);

export const matrixSeries = z.object({
  metric: z.record(z.string(), z.string()),
  values: z.array(sample),
});
export type MatrixSeries = z.infer<typeof matrixSeries>;

export const errorBody = z.object({
  status: z.literal('error'),
  errorType: z.string(),
  error: z.string(),
  warnings: z.array(z.string()).optional(),
});
export type ErrorBody = z.infer<typeof errorBody>;

export const queryRangeSuccess = z.object({
  status: z.literal('success'),
  data: z.object({
    resultType: z.literal('matrix'),
    result: z.array(matrixSeries),
  }),
  warnings: z.array(z.string()).optional(),
});

/** A 200 is always `success` in practice; an `error` status on 200 is still accepted and turned into a typed error. */
export const queryRangeResponse = z.discriminatedUnion('status', [queryRangeSuccess, errorBody]);
export type QueryRangeResponse = z.infer<typeof queryRangeResponse>;

/** /api/v1/query (instant): a vector, or a matrix for a bare range selector. Not used for ingest; kept for diagnostics and tests. */
export const vectorSeries = z.object({ metric: z.record(z.string(), z.string()), value: sample });
export const queryResponse = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('success'),
    data: z.discriminatedUnion('resultType', [
      z.object({ resultType: z.literal('vector'), result: z.array(vectorSeries) }),
      z.object({ resultType: z.literal('matrix'), result: z.array(matrixSeries) }),
      z.object({ resultType: z.literal('scalar'), result: sample }),
    ]),
    warnings: z.array(z.string()).optional(),
  }),
  errorBody,
]);
