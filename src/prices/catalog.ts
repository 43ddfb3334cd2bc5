import { calcPrice, findProvider, type ModelInfo, type ModelPrice } from '@pydantic/genai-prices';
import type { Config } from '../config/schema.ts';
import { InputError } from '../errors.ts';
import { Dec, decimalFromNumber, decimalString } from './decimal.ts';
import { catalogProviderId, modelIdCandidates } from './model-id.ts';
import { batchDiscount, negotiatedDiscount } from './overrides.ts';

/**
 * Dated list prices from the bundled `@pydantic/genai-prices` catalog (offline; never auto-updated,
 * so a given version of this program prices a given fact the same way every time).
 *
 * The catalog picks the model and the price period in force at the fact's timestamp (history is
 * never re-priced); the arithmetic is ours, in decimal. We do not use `calcPrice`'s total because
 * (1) it is a JS float, and (2) it picks long-context tiers from the `input_tokens` it is given,
 * which for an aggregated bucket (millions of tokens) would wrongly charge every token at the
 * >200k-context rate. Catalog prices are short decimal literals (0.075), read exactly via
 * `String(n)`, so cost = Σ tokens × $/1M ÷ 10⁶ is exact before the final rounding to 10 decimals.
 *
 * These are list-price ESTIMATES (modelled money): the provider's cost endpoint stays the money of
 * record; estimates serve reconciliation, allocation weights and counterfactuals.
 */

export type TokenCount = number | string | bigint;

export interface UsageToPrice {
  /** Our provider name: 'openai', 'anthropic', 'aws-bedrock', … */
  provider: string;
  /** The model id as billed, e.g. 'gpt-4.1-2025-04-14'. */
  model: string;
  /** The fact's timestamp (bucket start): the price in force then is used. */
  at: Date;
  uncachedInputTokens: TokenCount;
  cacheReadTokens: TokenCount;
  /** Cache writes at the default TTL (Anthropic 5-minute; OpenAI's only kind). */
  cacheWriteTokens: TokenCount;
  /** Anthropic 1-hour cache writes, disjoint from cacheWriteTokens. */
  cacheWrite1hTokens?: TokenCount;
  outputTokens: TokenCount;
  /** Sent through a batch API: `prices.batch_discount[provider]` applies. */
  batch?: boolean;
  /**
   * Requests above the long-context threshold (Anthropic's `context_window` "200k-1M"): the
   * catalog's top tier applies. Otherwise the base tier (aggregates carry no per-request size).
   */
  longContext?: boolean;
}

export interface PricedUsage {
  priced: true;
  /** USD after batch and negotiated discounts, exact decimal rounded to 10 places. */
  cost: string;
  /** USD at list price (no discounts), same rounding. */
  listCost: string;
  currency: 'USD';
  /** Catalog provider:model, e.g. 'openai:gpt-4.1'. */
  modelRef: string;
  /** Start of the catalog price period used; absent when the model has had one price throughout. */
  effectiveFrom?: string;
  batchDiscount?: number;
  negotiatedDiscount?: number;
}

export interface UnpricedUsage {
  priced: false;
  reason: string;
}

export interface UnitPrices {
  inputPer1M: number;
  cachedInputPer1M: number;
  cacheWritePer1M: number;
  cacheWrite1hPer1M: number;
  outputPer1M: number;
  modelRef: string;
  effectiveFrom?: string;
  source: 'genai-prices';
}

interface Rates {
  input?: Dec;
  cacheRead?: Dec;
  cacheWrite?: Dec;
  cacheWrite1h?: Dec;
  output?: Dec;
}

interface ListPrice {
  modelRef: string;
  catalogModelId: string;
  effectiveFrom?: string;
  rates: Rates;
}

function tokenCount(value: TokenCount | undefined, what: string, model: string): Dec {
  if (value === undefined) return new Dec(0);
  let d: Dec | undefined;
  try {
    d = new Dec(typeof value === 'bigint' ? value.toString() : value);
  } catch {
    d = undefined;
  }
  if (!d || !d.isFinite() || d.isNegative()) throw new InputError(`${what} for ${model} must be a non-negative number, got ${String(value)}`);
  return d;
}

function rate(prices: ModelPrice, key: string, longContext: boolean): Dec | undefined {
  const v = prices[key];
  if (v === undefined) return undefined;
  if (typeof v === 'number') return decimalFromNumber(v);
  // TieredPrices: the tier depends on a single request's context size (see `longContext`).
  const top = [...v.tiers].sort((a, b) => a.start - b.start).at(-1);
  return decimalFromNumber(longContext && top ? top.price : v.base);
}

function effectiveFromOf(model: ModelInfo, selected: ModelPrice): string | undefined {
  if (!Array.isArray(model.prices)) return undefined;
  const period = model.prices.find((p) => p.prices === selected);
  return period?.constraint?.type === 'start_date' ? period.constraint.start_date : undefined;
}

/** List price per 1M tokens at `at`, or why there is none. Only exported for tests and diagnostics. */
export function listPrice(provider: string, model: string, at: Date, longContext = false): ListPrice | UnpricedUsage {
  if (Number.isNaN(at.getTime())) throw new InputError(`invalid timestamp for pricing ${provider}:${model}`);
  const providerId = catalogProviderId(provider);
  if (!findProvider({ providerId })) return { priced: false, reason: `provider "${provider}" is not in the price catalog` };
  for (const candidate of modelIdCandidates(provider, model)) {
    let found;
    try {
      // Empty usage: we only want the catalog's model match and its price period at `at`.
      found = calcPrice({}, candidate, { providerId, timestamp: at });
    } catch (err) {
      return { priced: false, reason: `price catalog error for ${provider}:${model}: ${(err as Error).message}` };
    }
    if (!found) continue;
    const p = found.model_price;
    const input = rate(p, 'input_mtok', longContext);
    const cacheWrite = rate(p, 'cache_write_mtok', longContext) ?? input;
    const effectiveFrom = effectiveFromOf(found.model, p);
    return {
      modelRef: `${found.provider.id}:${found.model.id}`,
      catalogModelId: found.model.id,
      ...(effectiveFrom ? { effectiveFrom } : {}),
      // A token kind without its own price is charged at its parent's, as the catalog does.
      rates: {
        input,
        cacheRead: rate(p, 'cache_read_mtok', longContext) ?? input,
        cacheWrite,
        cacheWrite1h: rate(p, 'cache_write_1h_mtok', longContext) ?? cacheWrite,
        output: rate(p, 'output_mtok', longContext),
      },
    };
  }
  return { priced: false, reason: `model "${model}" is not in the price catalog for provider "${provider}"` };
}

function discounts(config: Config, provider: string, ids: string[], at: Date, batch: boolean): { factor: Dec; batch?: number; negotiated?: number } {
  let factor = new Dec(1);
  const out: { batch?: number; negotiated?: number } = {};
  if (batch) {
    out.batch = batchDiscount(config, provider);
    factor = factor.times(new Dec(1).minus(decimalFromNumber(out.batch)));
  }
  const negotiated = negotiatedDiscount(config, provider, ids, at);
  if (negotiated) {
    out.negotiated = negotiated.discount;
    factor = factor.times(new Dec(1).minus(decimalFromNumber(negotiated.discount)));
  }
  return { factor, ...out };
}

/**
 * Estimated cost of a usage fact at the list price in force at `u.at`, less the configured batch
 * and negotiated discounts (multiplied: 50 % batch and 10 % negotiated = 45 % of list). Usage the
 * catalog cannot price comes back `priced: false` with a reason — never as $0.
 */
export function priceUsage(u: UsageToPrice, config: Config): PricedUsage | UnpricedUsage {
  const tokens = {
    input: tokenCount(u.uncachedInputTokens, 'uncachedInputTokens', u.model),
    cacheRead: tokenCount(u.cacheReadTokens, 'cacheReadTokens', u.model),
    cacheWrite: tokenCount(u.cacheWriteTokens, 'cacheWriteTokens', u.model),
    cacheWrite1h: tokenCount(u.cacheWrite1hTokens, 'cacheWrite1hTokens', u.model),
    output: tokenCount(u.outputTokens, 'outputTokens', u.model),
  };
  const lp = listPrice(u.provider, u.model, u.at, u.longContext ?? false);
  if ('priced' in lp) return lp;
  let list = new Dec(0);
  for (const kind of Object.keys(tokens) as Array<keyof typeof tokens>) {
    const n = tokens[kind];
    if (n.isZero()) continue;
    const r = lp.rates[kind];
    if (!r) return { priced: false, reason: `${lp.modelRef} has no ${kind === 'output' ? 'output' : 'input'} token price in the catalog` };
    list = list.plus(n.times(r));
  }
  list = list.dividedBy(1_000_000);
  const d = discounts(config, u.provider, [u.model, lp.catalogModelId], u.at, u.batch ?? false);
  return {
    priced: true,
    cost: decimalString(list.times(d.factor)),
    listCost: decimalString(list),
    currency: 'USD',
    modelRef: lp.modelRef,
    ...(lp.effectiveFrom ? { effectiveFrom: lp.effectiveFrom } : {}),
    ...(d.batch !== undefined ? { batchDiscount: d.batch } : {}),
    ...(d.negotiated !== undefined ? { negotiatedDiscount: d.negotiated } : {}),
  };
}

/**
 * USD per 1M tokens in force at `at`, after the negotiated discount (and the batch discount when
 * `batch`), for counterfactuals and allocation weights. Numbers, since these feed modelled
 * estimates; null when the catalog does not know the model or lacks an input or output price.
 */
export function unitPrices(
  q: { provider: string; model: string; at: Date; batch?: boolean; longContext?: boolean },
  config: Config,
): UnitPrices | null {
  const lp = listPrice(q.provider, q.model, q.at, q.longContext ?? false);
  if ('priced' in lp) return null;
  const { input, cacheRead, cacheWrite, cacheWrite1h, output } = lp.rates;
  if (!input || !cacheRead || !cacheWrite || !cacheWrite1h || !output) return null;
  const { factor } = discounts(config, q.provider, [q.model, lp.catalogModelId], q.at, q.batch ?? false);
  const per1M = (r: Dec) => Number(decimalString(r.times(factor)));
  return {
    inputPer1M: per1M(input),
    cachedInputPer1M: per1M(cacheRead),
    cacheWritePer1M: per1M(cacheWrite),
    cacheWrite1hPer1M: per1M(cacheWrite1h),
    outputPer1M: per1M(output),
    modelRef: lp.modelRef,
    ...(lp.effectiveFrom ? { effectiveFrom: lp.effectiveFrom } : {}),
    source: 'genai-prices',
  };
}
