import { hoursInMonth, HOUR_MS } from '../time.ts';
import type { ServingHourRow, UsageDayRow } from './inputs.ts';
import type { FeatureTokens } from './feature-model.ts';

export type FeatureVolume = FeatureTokens & { total: number };

/** Tokens and requests per feature for the month: API usage from the daily rollup, self-hosted from serving. */
export function featureVolumes(usage: UsageDayRow[], serving: ServingHourRow[]): Map<string, FeatureVolume> {
  const out = new Map<string, FeatureVolume>();
  const get = (f: string) => {
    let t = out.get(f);
    if (!t) out.set(f, (t = { requests: 0, uncached: 0, cacheRead: 0, cacheWrite: 0, output: 0, total: 0, byModel: [] }));
    return t;
  };
  const byModel = new Map<string, FeatureTokens['byModel'][number]>();
  for (const u of usage) {
    const t = get(u.feature);
    t.requests += Number(u.requests);
    t.uncached += Number(u.uncached);
    t.cacheRead += Number(u.cache_read);
    t.cacheWrite += Number(u.cache_write);
    t.output += Number(u.output);
    const k = `${u.feature}|${u.provider}|${u.model}|${u.batch}`;
    const m = byModel.get(k);
    if (!m) {
      const row = { feature: u.feature, provider: u.provider, model: u.model, batch: u.batch, requests: u.requests, uncached_input_tokens: u.uncached, cache_read_tokens: u.cache_read, cache_write_tokens: u.cache_write, cache_write_1h_tokens: u.cache_write_1h, output_tokens: u.output };
      byModel.set(k, row);
      t.byModel.push(row);
    } else {
      m.requests = String(BigInt(m.requests) + BigInt(u.requests));
      m.uncached_input_tokens = String(BigInt(m.uncached_input_tokens) + BigInt(u.uncached));
      m.cache_read_tokens = String(BigInt(m.cache_read_tokens) + BigInt(u.cache_read));
      m.cache_write_tokens = String(BigInt(m.cache_write_tokens) + BigInt(u.cache_write));
      m.cache_write_1h_tokens = String(BigInt(m.cache_write_1h_tokens) + BigInt(u.cache_write_1h));
      m.output_tokens = String(BigInt(m.output_tokens) + BigInt(u.output));
    }
  }
  for (const s of serving) {
    const t = get(s.feature);
    const hits = Number(s.prefix_hits);
    t.requests += Number(s.requests);
    t.uncached += Number(s.prompt_tokens) - hits;
    t.cacheRead += hits;
    t.output += Number(s.generation_tokens);
  }
  for (const t of out.values()) t.total = t.uncached + t.cacheRead + t.cacheWrite + t.output;
  return out;
}

/** Tokens per hour of the month per feature (API load rollup and serving alike). */
export function hourlyLoads(month: Date, api: Array<{ hour: Date; feature: string; tokens: number }>, serving: ServingHourRow[]): Map<string, number[]> {
  const hours = hoursInMonth(month);
  const out = new Map<string, number[]>();
  const add = (feature: string, hour: Date, tokens: number) => {
    const i = Math.floor((new Date(hour).getTime() - month.getTime()) / HOUR_MS);
    if (i < 0 || i >= hours) return;
    let curve = out.get(feature);
    if (!curve) out.set(feature, (curve = new Array<number>(hours).fill(0)));
    curve[i]! += tokens;
  };
  for (const r of api) add(r.feature, r.hour, Number(r.tokens));
  for (const s of serving) add(s.feature, s.hour, Number(s.tokens));
  for (const curve of out.values()) for (let i = 0; i < curve.length; i++) curve[i] = Math.round(curve[i]!);
  return out;
}
