import type { Kysely } from 'kysely';
import type { Config } from '../config/schema.ts';
import type { Database } from '../db/types.ts';

/** The parent of a dotted feature name ('support-chat.guardrail' → 'support-chat'), or null. */
export function parentFeature(name: string): string | null {
  const i = name.lastIndexOf('.');
  return i > 0 ? name.slice(0, i) : null;
}

/** The top-level feature a name rolls up into. */
export function rootFeature(name: string): string {
  const i = name.indexOf('.');
  return i > 0 ? name.slice(0, i) : name;
}

/**
 * Mirrors the config's features and rules into `features` / `feature_rules`, so analysts can join on
 * them and see the rules a month was computed with. Features no longer configured are removed.
 */
export async function syncFeatures(db: Kysely<Database>, config: Config): Promise<void> {
  const names = config.features.map((f) => f.name);
  if (names.length) {
    await db
      .insertInto('features')
      .values(config.features.map((f) => ({ name: f.name, parent: parentFeature(f.name), architecture: f.architecture, description: f.description ?? null })))
      .onConflict((oc) =>
        oc.column('name').doUpdateSet((eb) => ({
          parent: eb.ref('excluded.parent'),
          architecture: eb.ref('excluded.architecture'),
          description: eb.ref('excluded.description'),
        })),
      )
      .execute();
    await db.deleteFrom('features').where('name', 'not in', names).execute();
  } else {
    await db.deleteFrom('features').execute();
  }
  await db.deleteFrom('feature_rules').execute();
  const rules = config.features.flatMap((f) => f.rules.map((r, position) => ({ feature: f.name, position, rule: JSON.stringify(r) })));
  if (rules.length) await db.insertInto('feature_rules').values(rules).execute();
}
