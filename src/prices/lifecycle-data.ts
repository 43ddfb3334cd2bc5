/**
 * Shipped model retirements: the day from which the provider's API refuses the model. Config
 * `models.retirements` entries replace these (same provider + model); OpenAI's `/v1/models`
 * `shutdown_date`, where readable, is merged the same way. Model ids are matched exactly or as a
 * dated snapshot of the id (`gpt-4o` matches `gpt-4o-2024-08-06`, never `gpt-4o-mini`).
 *
 * `successor` is only filled where the provider itself names the replacement; otherwise set
 * `counterfactual.successor` per feature. Every successor here is in the bundled price catalog.
 */
export interface ShippedRetirement {
  provider: string;
  model: string;
  /** YYYY-MM-DD; null = retired, date not known. */
  date: string | null;
  successor?: string;
  source: string;
}

const OPENAI_DEPRECATIONS = "OpenAI deprecations page, as quoted in issue 13 (December 2026)";
const ANTHROPIC_RELEASE_NOTES =
  'Anthropic release notes (retired 2026-06-15, recommended upgrades Sonnet 4.6 / Opus 4.8), as recorded by ottto-ai/ai-provider-watch event 2026-06-15-anthropic-sonnet-4-opus-4-retirement';

export const SHIPPED_RETIREMENTS: readonly ShippedRetirement[] = [
  { provider: 'openai', model: 'gpt-4o', date: '2027-01-14', source: OPENAI_DEPRECATIONS },
  { provider: 'openai', model: 'gpt-4o-mini', date: '2027-01-14', source: OPENAI_DEPRECATIONS },
  { provider: 'openai', model: 'gpt-4.1', date: '2027-01-14', source: OPENAI_DEPRECATIONS },
  { provider: 'openai', model: 'gpt-4.1-mini', date: '2027-01-14', source: OPENAI_DEPRECATIONS },
  { provider: 'openai', model: 'gpt-5', date: '2026-12-11', source: OPENAI_DEPRECATIONS },
  { provider: 'openai', model: 'o3', date: '2026-12-11', source: OPENAI_DEPRECATIONS },
  { provider: 'anthropic', model: 'claude-sonnet-4', date: '2026-06-15', successor: 'claude-sonnet-4-6', source: ANTHROPIC_RELEASE_NOTES },
  { provider: 'anthropic', model: 'claude-sonnet-4-0', date: '2026-06-15', successor: 'claude-sonnet-4-6', source: ANTHROPIC_RELEASE_NOTES },
  { provider: 'anthropic', model: 'claude-opus-4', date: '2026-06-15', successor: 'claude-opus-4-8', source: ANTHROPIC_RELEASE_NOTES },
  { provider: 'anthropic', model: 'claude-opus-4-0', date: '2026-06-15', successor: 'claude-opus-4-8', source: ANTHROPIC_RELEASE_NOTES },
];
