import type { SourceDescriptor } from '../descriptor.ts';
import { opencostConnector } from './connector.ts';

/** OpenCost: GPU-hour shares per deployment and idle per node on shared Kubernetes GPU nodes (docs/opencost.md). */
export const opencostSource: SourceDescriptor = {
  name: 'opencost',
  connector: opencostConnector,
  feeds: ['gpu_shares'],
  env: { endpoint: 'OPENCOST_URL', credentials: ['OPENCOST_BEARER_TOKEN'] },
};
