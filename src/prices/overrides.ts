import type { Config } from '../config/schema.ts';
import { catalogProviderId } from './model-id.ts';

export interface NegotiatedDiscount {
  /** Fraction off list price, 0.1 = 10 % off. */
  discount: number;
  from?: string;
  /** The override's model glob, when it has one. */
  model?: string;
}

function globMatches(glob: string, value: string): boolean {
  const re = glob
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${re}$`, 'i').test(value);
}

/**
 * The negotiated discount in force for a provider/model at a moment, from `prices.overrides`.
 * An override applies when its provider matches (Bedrock aliases included), its model glob (if
 * any) matches one of the given ids (the id as billed or the catalog's id), and `at` is on or after
 * its `from` date (UTC). When several apply, the LAST one in config order wins, so a newer
 * agreement is added below the old one rather than replacing it (history keeps its old price).
 */
export function negotiatedDiscount(
  config: Config,
  provider: string,
  modelIds: readonly string[],
  at: Date,
): NegotiatedDiscount | undefined {
  const day = at.toISOString().slice(0, 10);
  const wanted = catalogProviderId(provider);
  let found: NegotiatedDiscount | undefined;
  for (const o of config.prices.overrides) {
    if (catalogProviderId(o.provider) !== wanted) continue;
    if (o.from && day < o.from) continue;
    if (o.model && !modelIds.some((id) => globMatches(o.model!, id))) continue;
    found = { discount: o.discount, ...(o.from ? { from: o.from } : {}), ...(o.model ? { model: o.model } : {}) };
  }
  return found;
}

/** Batch discount for a provider from `prices.batch_discount` (keyed by our provider name or the catalog's). */
export function batchDiscount(config: Config, provider: string): number {
  const table = config.prices.batch_discount;
  const key = provider.trim().toLowerCase();
  return table[key] ?? table[catalogProviderId(provider)] ?? 0;
}
