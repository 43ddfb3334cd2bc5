import { sql, type RawBuilder } from 'kysely';
import { SOURCES } from './registry.ts';

/**
 * What compute needs to know about the sources' invoice lines, kept beside the sources so nothing
 * outside src/sources/ spells a vendor's name or token-type strings.
 */

/**
 * Sources whose cost lines are API invoices coarser than the feature rules: compute splits each
 * line over the usage that explains it (same day, project/workspace, model, token class, tier).
 */
export const API_INVOICE_SOURCES: readonly string[] = Object.values(SOURCES).filter((d) => d.invoice?.splitByUsage).map((d) => d.name);

/** Sources whose invoice lines are scoped to one workspace (null = the default workspace). */
export const WORKSPACE_SCOPED_SOURCES: readonly string[] = Object.values(SOURCES).filter((d) => d.invoice?.workspaceScoped).map((d) => d.name);

/** The provider Bedrock token usage is stored under, and reconciled against (its money is on the AWS bill). */
export const BEDROCK_PROVIDER = 'aws-bedrock';

/** The token class a cost line bills, from its vendor spelling (`x_token_type`); 'all' when it names none. */
export function tokenClassSql(column = 'x_token_type'): RawBuilder<string> {
  const c = sql.ref(column);
  return sql<string>`case
    when ${c} in ('uncached_input_tokens', 'input', 'input_uncached') then 'uncached'
    when ${c} in ('cache_read_input_tokens', 'cached input', 'input_cached', 'cached_input') then 'read'
    when ${c} like '%ephemeral_1h%' then 'write_1h'
    when ${c} like '%ephemeral_5m%' then 'write_5m'
    when ${c} like 'cache_creation%' or ${c} in ('cache write', 'input_cache_write', 'cache_write', 'cache_write_input') then 'write'
    when ${c} in ('output_tokens', 'output') then 'output'
    else 'all' end`;
}

/** The service tier a line bills (Anthropic: service_tier; OpenAI: a ", batch" line item), or null. */
export function lineTierSql(): RawBuilder<string | null> {
  return sql<string | null>`coalesce(extra->>'service_tier', case when x_line_item ilike '%, batch%' then 'batch' end)`;
}

/**
 * Cloud bills that may arrive twice: Cost Explorer lines (source 'aws') and a FOCUS export of the same
 * AWS account (source 'focus', provider named AWS/Amazon). COST-MODEL §10 "one bill once".
 */
export const OVERLAP = { primary: 'aws', export: 'focus', exportProvider: ['aws', 'amazon web services', 'amazon'] } as const;
