import { z } from 'zod';

/**
 * Wire shapes of the OpenCost API, from opencost/opencost:
 * - `/allocation` — `pkg/costmodel/aggregation.go` (ComputeAllocationHandler) wraps an
 *   AllocationSetRange as `{code, status, data: [set, …]}` (router.go WrapData), one set per `step`;
 *   a set is an object `name → Allocation` (core/pkg/opencost/allocation_json.go AllocationJSON).
 *   Every float is rounded to 5 decimals and NaN/Inf become `null`. Idle allocations are named
 *   `<cluster>/<node>/__idle__` (idleByNode; computeIdleAllocations) — or, where the server merges
 *   them, a single `__idle__` — and carry GPU *cost* but no GPU-hours. Errors are
 *   `{code: 4xx|5xx, message: "Error: …"}` with the same HTTP status.
 * - `/inferenceCost/total` (1.121, pkg/inferencecost/apitypes.go): `{data: {inferenceCosts:
 *   {key → InferenceCostResponse}, window}}`. Young API: unknown fields are kept, missing numbers
 *   are null.
 * Objects are loose (the API adds fields between releases); only what we use is checked.
 */
const num = z.number().nullable().optional();

const windowShape = z.looseObject({ start: z.string().nullable().optional(), end: z.string().nullable().optional() });

export const allocationProperties = z.looseObject({
  cluster: z.string().optional(),
  node: z.string().optional(),
  namespace: z.string().optional(),
  providerID: z.string().optional(),
  labels: z.record(z.string(), z.string()).nullable().optional(),
  namespaceLabels: z.record(z.string(), z.string()).nullable().optional(),
});

export const allocation = z.looseObject({
  name: z.string(),
  properties: allocationProperties.nullable().optional(),
  window: windowShape.optional(),
  start: z.string(),
  end: z.string(),
  minutes: num,
  gpuCount: num,
  gpuRequestAverage: num,
  gpuUsageAverage: num,
  gpuHours: num,
  gpuCost: num,
  gpuCostAdjustment: num,
  gpuCostIdle: num,
  totalCost: num,
});
export type Allocation = z.infer<typeof allocation>;

export const allocationResponse = z.looseObject({
  code: z.number().optional(),
  status: z.string().optional(),
  message: z.string().optional(),
  data: z.array(z.record(z.string(), allocation).nullable()),
});
export type AllocationResponse = z.infer<typeof allocationResponse>;

export const inferenceCost = z.looseObject({
  properties: z.looseObject({
    modelName: z.string().optional(),
    modelVersion: z.string().optional(),
    namespace: z.string().optional(),
    cluster: z.string().optional(),
  }),
  window: windowShape.optional(),
  costBasis: z.string().optional(),
  totalCost: num,
  promptTokens: num,
  generationTokens: num,
  totalTokens: num,
  costPerMillionTokens: num,
  inputCost: num,
  outputCost: num,
  inputCostPerMillionTokens: num,
  outputCostPerMillionTokens: num,
  allocationMethod: z.string().optional(),
});
export type InferenceCost = z.infer<typeof inferenceCost>;

export const inferenceCostResponse = z.looseObject({
  code: z.number().optional(),
  data: z.looseObject({
    inferenceCosts: z.record(z.string(), inferenceCost).nullable(),
    window: windowShape.optional(),
  }),
});
export type InferenceCostResponse = z.infer<typeof inferenceCostResponse>;
