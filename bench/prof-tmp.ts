process.env.BENCH_USAGE_KEYS ??= '300';
process.env.BENCH_SERVING_MODELS ??= '40';
const { benchCompute } = await import('./compute.bench.ts');
await benchCompute();
