import type { SourceConnector } from '../../ingest/sources.ts';
import { BreakevenError } from '../../errors.ts';

export const openaiConnector: SourceConnector = {
  name: 'openai',
  configured: () => ({ ok: false, why: 'not implemented yet' }),
  ingest: async () => {
    throw new BreakevenError('the openai connector is not implemented yet');
  },
};
