import type { SourceDescriptor } from '../descriptor.ts';
import { anthropicConnector } from './connector.ts';

/** Anthropic Admin API: usage report (1h) and cost report (1d, per workspace). */
export const anthropicSource: SourceDescriptor = {
  name: 'anthropic',
  connector: anthropicConnector,
  feeds: ['usage', 'costs'],
  invoice: { splitByUsage: true, workspaceScoped: true },
};
