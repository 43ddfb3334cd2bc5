import type { SourceDescriptor } from '../descriptor.ts';
import { awsConnector } from './connector.ts';

/** AWS Cost Explorer: GPU capacity, Bedrock token usage and its spend, feature-tagged lines. */
export const awsSource: SourceDescriptor = {
  name: 'aws',
  connector: awsConnector,
  feeds: ['usage', 'costs'],
  monthClose: true,
  requestCostUsd: '0.01',
  env: { endpoint: 'AWS_ENDPOINT_URL_COST_EXPLORER', credentials: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_PROFILE'] },
};
