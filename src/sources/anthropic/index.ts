import type { SourceDescriptor } from '../descriptor.ts';
import { anthropicConnector } from './connector.ts';

/** Anthropic Admin API: the analytics API (usage 1h, cost 1d per key/workspace/model/tier/component, list price) or the legacy usage report (1h) and cost report (1d, per workspace); see sources.anthropic.api. */
export const anthropicSource: SourceDescriptor = {
  name: 'anthropic',
  connector: anthropicConnector,
  feeds: ['usage', 'costs'],
  invoice: { splitByUsage: true, workspaceScoped: true },
  env: { endpoint: 'ANTHROPIC_BASE_URL', credentials: ['ANTHROPIC_ADMIN_KEY'] },
};
