/**
 * Exact histogram quantiles from cumulative bucket deltas — what
 * `histogram_quantile(q, sum by (le) (increase(x_bucket[1h])))` computes, with increase()'s
 * extrapolation replaced by the exact hourly differences the Prometheus source takes of cumulative
 * counters (src/sources/prometheus/counters.ts; resets handled the same way).
 *
 * Buckets are a map upper bound (`le`, parsed; +Inf = Infinity) → cumulative count. Deltas of every
 * replica, model and engine of a deployment are summed per `le` before the quantile, as `sum by (le)`
 * does, so replicas with different bucket layouts merge the way Prometheus merges them.
 */
export type Buckets = Map<number, number>;

/** `le` label value → upper bound; null when it is not a number (Prometheus skips such series). */
export function parseLe(le: string | undefined): number | null {
  if (le === undefined) return null;
  const t = le.trim();
  if (/^\+?inf$/i.test(t)) return Infinity;
  if (/^-inf$/i.test(t)) return -Infinity;
  if (t === '' || !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return null;
  return Number(t);
}

/** Adds `count` to bucket `le` (buckets with numerically equal bounds, "1" and "1.0", coalesce). */
export function addToBuckets(into: Buckets, le: number, count: number): void {
  into.set(le, (into.get(le) ?? 0) + count);
}

/** Sum of several bucket sets per `le` (e.g. the hours of a month, for a monthly p95). */
export function mergeBuckets(list: Iterable<Buckets>): Buckets {
  const out: Buckets = new Map();
  for (const b of list) for (const [le, c] of b) addToBuckets(out, le, c);
  return out;
}

/** Observations of a bucket set: the +Inf bucket's count (null without one). */
export function observations(b: Buckets): number | null {
  return b.has(Infinity) ? b.get(Infinity)! : null;
}

/**
 * Prometheus 2.42's bucketQuantile (promql/quantile.go), returning null where it returns NaN:
 * - q < 0 → −Inf, q > 1 → +Inf;
 * - buckets sorted by upper bound; no +Inf bucket → null; fewer than 2 buckets → null;
 * - counts forced monotonic (a lower count after a higher one is raised to it: mixed layouts, or
 *   buckets scraped at slightly different moments);
 * - 0 observations → null (an hour without requests has no latency);
 * - rank = q × observations; the first bucket whose count ≥ rank holds the quantile (at q = 0 the
 *   first populated bucket, where Prometheus would divide 0 by 0);
 * - in the +Inf bucket → the upper bound of the second-highest bucket;
 * - in the lowest bucket with an upper bound ≤ 0 → that bound; otherwise linear interpolation
 *   inside the bucket, from 0 (lowest bucket) or the previous bound.
 */
export function histogramQuantile(q: number, buckets: Buckets): number | null {
  if (Number.isNaN(q)) return null;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const b = [...buckets].map(([upper, count]) => ({ upper, count })).sort((x, y) => x.upper - y.upper);
  if (b.length === 0 || b[b.length - 1]!.upper !== Infinity) return null;
  let max = -Infinity;
  for (const x of b) {
    if (x.count > max) max = x.count;
    else if (x.count < max) x.count = max;
  }
  if (b.length < 2) return null;
  const total = b[b.length - 1]!.count;
  if (total === 0) return null;
  let rank = q * total;
  // sort.Search(len-1, count >= rank): the first index in [0, len-1) that qualifies, else len-1.
  // At rank 0 (q = 0) the first bucket "qualifies" even when empty, and Prometheus then divides 0 by
  // 0 (NaN); the first populated bucket is taken instead, so q = 0 is the lowest possible value.
  let i = 0;
  while (i < b.length - 1 && !(rank === 0 ? b[i]!.count > 0 : b[i]!.count >= rank)) i++;
  if (i === b.length - 1) return b[b.length - 2]!.upper;
  if (i === 0 && b[0]!.upper <= 0) return b[0]!.upper;
  let start = 0;
  let count = b[i]!.count;
  if (i > 0) {
    start = b[i - 1]!.upper;
    count -= b[i - 1]!.count;
    rank -= b[i - 1]!.count;
  }
  return start + (b[i]!.upper - start) * (rank / count);
}

/** Bucket set ↔ JSON (jsonb column): keys are the bounds spelled "+Inf" or as JS shortest decimals. */
export function bucketsToJson(b: Buckets): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [le, c] of [...b].sort(([x], [y]) => x - y)) out[le === Infinity ? '+Inf' : String(le)] = c;
  return out;
}

export function bucketsFromJson(json: Record<string, number> | null | undefined): Buckets {
  const out: Buckets = new Map();
  for (const [k, v] of Object.entries(json ?? {})) {
    const le = parseLe(k);
    if (le === null || typeof v !== 'number' || !Number.isFinite(v)) throw new RangeError(`bad histogram bucket ${JSON.stringify(k)}: ${String(v)}`);
    addToBuckets(out, le, v);
  }
  return out;
}

/**
 * The q-quantile over several hours (a month) from their stored bucket deltas (serving_latency_hourly
 * *_buckets): the buckets are summed first, as histogram_quantile over increase(x[30d]) would — an
 * average of hourly p95s is not a p95. NULL/absent hours contribute nothing.
 */
export function quantileOverHours(q: number, hours: Iterable<Record<string, number> | null | undefined>): number | null {
  const list: Buckets[] = [];
  for (const h of hours) if (h) list.push(bucketsFromJson(h));
  const v = histogramQuantile(q, mergeBuckets(list));
  return v !== null && Number.isFinite(v) ? v : null;
}
