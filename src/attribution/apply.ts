import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Config, Rule } from '../config/schema.ts';
import type { Database } from '../db/types.ts';
import { RULE_SOURCES, type RuleTarget } from '../sources/rule-sources.ts';

/**
 * Feature attribution as SQL CASE expressions over a table's rule dimensions. They are evaluated on
 * the small dimension tables (usage_dims, serving_dims) and inline on cost lines as they are written
 * and computed, so changing a rule and recomputing a month re-attributes it without re-ingesting.
 * The first feature (in config order) with a matching rule wins; no match leaves NULL, which every
 * view and report shows as 'unattributed'.
 */

/** The feature name every view and report gives to spend and usage no rule claimed. */
export const UNATTRIBUTED = 'unattributed';

type Table = 'usage_facts' | 'cost_line_items' | 'serving_metrics';

/** Which column of each table a rule key matches; a key a table lacks makes the rule not apply there. */
const COLUMNS: Record<Table, Partial<Record<Exclude<keyof Rule, 'source'>, string>> & { source: string }> = {
  usage_facts: { source: 'provider', project_id: 'project_id', api_key_id: 'api_key_id', workspace_id: 'workspace_id', model: 'model', service_tier: 'service_tier' },
  cost_line_items: {
    source: 'source',
    project_id: 'x_project_id',
    api_key_id: 'x_api_key_id',
    workspace_id: 'x_workspace_id',
    model: 'x_model',
    usage_type: 'x_usage_type',
    resource_id: 'resource_id',
    deployment: 'deployment',
  },
  serving_metrics: { source: '', deployment: 'deployment', model: 'model' },
};

/** Glob with `*` → LIKE pattern, everything else literal. */
export function globToLike(glob: string): string {
  return glob.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/\*/g, '%');
}

function matchValue(column: string, value: string): RawBuilder<unknown> {
  const col = sql.raw(column);
  return value.includes('*') ? sql`${col} like ${globToLike(value)}` : sql`${col} = ${value}`;
}

const targetOf = (rule: Rule): RuleTarget => RULE_SOURCES[rule.source];

/** The values of the table's source column a rule applies to (none: the rule does not apply there). */
function ruleSources(rule: Rule, table: Table): readonly string[] {
  const t = targetOf(rule);
  return table === 'usage_facts' ? (t.usageProviders ?? []) : table === 'cost_line_items' ? (t.costSources ?? []) : [];
}

function ruleCondition(rule: Rule, table: Table, tagKey: string): RawBuilder<unknown> | null {
  const cols = COLUMNS[table];
  const parts: RawBuilder<unknown>[] = [];
  const sources = ruleSources(rule, table);
  if (table === 'serving_metrics') {
    if (!targetOf(rule).serving) return null;
  } else {
    if (sources.length === 0) return null;
    parts.push(sql`${sql.raw(cols.source)} in (${sql.join([...sources])})`);
  }
  for (const [key, value] of Object.entries(rule) as Array<[keyof Rule, string | undefined]>) {
    if (key === 'source' || value === undefined) continue;
    if (key === 'tag') {
      // Some sources' usage facts carry the cost-allocation tag value in a column (Bedrock: project_id).
      const tagColumn = targetOf(rule).tagColumnOnUsage;
      if (table === 'usage_facts' && tagColumn) {
        parts.push(matchValue(tagColumn, value));
        continue;
      }
      if (table !== 'cost_line_items') return null;
      parts.push(value.includes('*') ? sql`tags->>${tagKey} like ${globToLike(value)}` : sql`tags->>${tagKey} = ${value}`);
      continue;
    }
    const column = cols[key];
    if (!column) return null;
    parts.push(matchValue(column, value));
  }
  return parts.length ? sql.join(parts, sql` and `) : null;
}

/** The CASE expression mapping a row of `table` to its feature, or null when nothing matches. */
export function featureCase(config: Config, table: Table): RawBuilder<string | null> {
  const tagKey = config.sources.aws.tag_key;
  const whens: RawBuilder<unknown>[] = [];
  for (const f of config.features) {
    for (const rule of f.rules) {
      const cond = ruleCondition(rule, table, tagKey);
      if (cond) whens.push(sql`when ${cond} then ${f.name}`);
    }
  }
  // Deployments named in config carry their feature to their cost lines and serving metrics.
  if (table !== 'usage_facts') {
    for (const d of config.deployments) {
      if (d.feature) whens.push(sql`when deployment = ${d.name} then ${d.feature}`);
    }
  }
  if (whens.length === 0) return sql<string | null>`null::text`;
  return sql<string | null>`(case ${sql.join(whens, sql` `)} else null end)`;
}

/**
 * Re-derives the feature of every usage and serving dimension from the current rules (a few thousand
 * rows: attribution is never written onto the fact rows). Returns how many dimensions changed feature;
 * when any did, every month's load curve and activity summary are marked for rebuilding.
 */
export async function refreshDimensionFeatures(db: Kysely<Database>, config: Config): Promise<number> {
  const usage = featureCase(config, 'usage_facts');
  const u = await sql`update usage_dims set feature = ${usage} where feature is distinct from ${usage}`.execute(db);
  const serving = featureCase(config, 'serving_metrics');
  const s = await sql`update serving_dims set feature = ${serving} where feature is distinct from ${serving}`.execute(db);
  const changed = Number(u.numAffectedRows ?? 0n) + Number(s.numAffectedRows ?? 0n);
  if (changed > 0) await sql`update rollup_state set load_stale = true, activity_stale = true`.execute(db);
  return changed;
}
