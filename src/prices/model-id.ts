/**
 * Provider and model id normalisation before a catalog lookup. The catalog (genai-prices) already
 * matches dated snapshots (`gpt-4.1-2025-04-14` → gpt-4.1, `claude-sonnet-4-20250514` →
 * claude-sonnet-4-0) and Bedrock inference-profile prefixes (`us.anthropic.…`); what it does not
 * know is our provider names and the decorations ids pick up in bills and gateways.
 */

/** Our provider names (usage_facts.provider, rule sources, config) → the catalog's provider id. */
const PROVIDER_ALIASES: Record<string, string> = {
  'aws-bedrock': 'aws',
  bedrock: 'aws',
  'amazon-bedrock': 'aws',
  aws: 'aws',
  'google-vertex': 'google',
  vertex: 'google',
  gemini: 'google',
};

export function catalogProviderId(provider: string): string {
  const p = provider.trim().toLowerCase();
  return PROVIDER_ALIASES[p] ?? p;
}

// arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-… or …:inference-profile/us.anthropic.…
const BEDROCK_ARN = /^arn:aws[a-z-]*:bedrock:[^:]*:[^:]*:(?:foundation-model|inference-profile|provisioned-model)\//;
// A trailing snapshot date: -2025-04-14 or -20250514 (optionally followed by a Bedrock -v1:0 suffix).
const DATE_SUFFIX = /-(?:20\d{2}-\d{2}-\d{2}|20\d{6})(?=$|-v\d+(?::\d+)?$)/;

/**
 * The ids to try in order: the cleaned id, then (only if it differs) the id without its snapshot
 * date, for snapshots newer than the catalog whose family it does know.
 */
export function modelIdCandidates(provider: string, model: string): string[] {
  let id = model.trim().toLowerCase().replace(BEDROCK_ARN, '');
  // "openai/gpt-4.1", "anthropic:claude-…", Google's "models/gemini-…": the prefix repeats the provider.
  for (const prefix of new Set([provider.trim().toLowerCase(), catalogProviderId(provider), 'models'])) {
    if (id.startsWith(`${prefix}/`) || id.startsWith(`${prefix}:`)) id = id.slice(prefix.length + 1);
  }
  const undated = id.replace(DATE_SUFFIX, '');
  return undated !== id && undated.length > 0 ? [id, undated] : [id];
}
