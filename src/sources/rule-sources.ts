/**
 * What an attribution rule's `source` matches in each fact table: the provider of usage facts, the
 * source of cost lines, and whether it names serving metrics. Kept here, with the sources, so the
 * attribution SQL spells no vendor (and light: the config schema imports it).
 */
export interface RuleTarget {
  /** usage_facts.provider (usage_dims.provider) values the rule applies to. */
  usageProviders?: readonly string[];
  /** cost_line_items.source values the rule applies to. */
  costSources?: readonly string[];
  /** Applies to serving metrics (deployment/model rules). */
  serving?: boolean;
  /** Usage facts of this source carry a rule's `tag` value in this column (one project per tag). */
  tagColumnOnUsage?: 'project_id';
}

export const RULE_SOURCES = {
  openai: { usageProviders: ['openai'], costSources: ['openai'] },
  anthropic: { usageProviders: ['anthropic'], costSources: ['anthropic'] },
  aws: { usageProviders: ['aws'], costSources: ['aws'] },
  // Bedrock: token usage from Cost Explorer usage types; its money is on the AWS bill.
  'aws-bedrock': { usageProviders: ['aws-bedrock'], costSources: ['aws'], tagColumnOnUsage: 'project_id' },
  prometheus: { serving: true },
  focus: { usageProviders: ['focus'], costSources: ['focus'] },
} as const satisfies Record<string, RuleTarget>;

export type RuleSourceName = keyof typeof RULE_SOURCES;
export const RULE_SOURCE_NAMES = Object.keys(RULE_SOURCES) as [RuleSourceName, ...RuleSourceName[]];
