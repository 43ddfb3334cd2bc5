import type { SourceConnector } from '../../ingest/sources.ts';
import { BreakevenError } from '../../errors.ts';

// Placeholder until this source lands (issue "Every source, production-grade").
export const prometheusConnector: SourceConnector = {
  name: 'prometheus',
  configured: () => ({ ok: false, why: 'the prometheus connector is not implemented yet' }),
  ingest: async () => {
    throw new BreakevenError('the prometheus connector is not implemented yet');
  },
};
