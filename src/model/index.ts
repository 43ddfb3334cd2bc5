// The pure cost model (COST-MODEL.md). No DB, no ctx: inputs in, numbers out.
export * from './num.ts';
export * from './format.ts';
export * from './selfhost.ts';
export * from './kv.ts';
export * from './sizing.ts';
export * from './counterfactual.ts';
export * from './break-even.ts';
export * from './hybrid.ts';
export * from './allocate.ts';
export * from './recommend.ts';
export * from './metrics.ts';
export * from './capacity-slo.ts';
export * from './right-sizing.ts';
