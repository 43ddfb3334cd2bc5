import type { SourceConnector } from '../../ingest/sources.ts';
import { BreakevenError } from '../../errors.ts';

// Placeholder until this source lands (issue "Every source, production-grade").
export const awsConnector: SourceConnector = {
  name: 'aws',
  configured: () => ({ ok: false, why: 'the aws connector is not implemented yet' }),
  ingest: async () => {
    throw new BreakevenError('the aws connector is not implemented yet');
  },
};
