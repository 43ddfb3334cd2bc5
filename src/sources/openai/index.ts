import type { SourceDescriptor } from '../descriptor.ts';
import { openaiConnector } from './connector.ts';

/** OpenAI Administration API: usage (1h, grouped) and costs (1d, by project and line item). */
export const openaiSource: SourceDescriptor = {
  name: 'openai',
  connector: openaiConnector,
  feeds: ['usage', 'costs'],
  invoice: { splitByUsage: true },
  env: { endpoint: 'OPENAI_BASE_URL', credentials: ['OPENAI_ADMIN_KEY'] },
};
