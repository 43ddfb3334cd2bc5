import type { SourceConnector } from '../../ingest/sources.ts';
import { BreakevenError } from '../../errors.ts';

// Placeholder until this source lands (issue "Every source, production-grade").
export const anthropicConnector: SourceConnector = {
  name: 'anthropic',
  configured: () => ({ ok: false, why: 'the anthropic connector is not implemented yet' }),
  ingest: async () => {
    throw new BreakevenError('the anthropic connector is not implemented yet');
  },
};
