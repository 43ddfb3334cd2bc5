import type { Decimal } from 'decimal.js';
import { ZERO } from './format.ts';
import type { FeatureRow } from './inputs.ts';

import { UNATTRIBUTED } from '../attribution/apply.ts';

export { UNATTRIBUTED };

/** `support-chat.guardrail` → `support-chat`. */
export const rootOf = (feature: string): string => feature.split('.')[0]!;

export interface FeatureGroup {
  root: string;
  /** The root feature's own row, when it has one. */
  parent: FeatureRow | null;
  children: FeatureRow[];
  total: Decimal;
}

/**
 * Dotted features roll up into their parent: one group per root name with the parent's own row
 * and its children. Groups are ordered by spend (largest first, name breaks ties) and
 * 'unattributed' always comes last, so it is visible however small.
 */
export function groupFeatures(rows: readonly FeatureRow[], cost: (r: FeatureRow) => Decimal): FeatureGroup[] {
  const by = new Map<string, FeatureGroup>();
  for (const r of rows) {
    const root = rootOf(r.feature);
    const g = by.get(root) ?? { root, parent: null, children: [], total: ZERO };
    if (r.feature === root) g.parent = r;
    else g.children.push(r);
    g.total = g.total.plus(cost(r));
    by.set(root, g);
  }
  for (const g of by.values()) g.children.sort((a, b) => (a.feature < b.feature ? -1 : a.feature > b.feature ? 1 : 0));
  return [...by.values()].sort((a, b) => {
    if (a.root === UNATTRIBUTED) return 1;
    if (b.root === UNATTRIBUTED) return -1;
    const c = b.total.comparedTo(a.total);
    return c !== 0 ? c : a.root < b.root ? -1 : 1;
  });
}

/** The groups' rows in display order: parent first, then its children. */
export function orderedRows(groups: readonly FeatureGroup[]): FeatureRow[] {
  return groups.flatMap((g) => [...(g.parent ? [g.parent] : []), ...g.children]);
}
