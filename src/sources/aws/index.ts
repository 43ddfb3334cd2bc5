import type { SourceDescriptor } from '../descriptor.ts';
import { awsConnector } from './connector.ts';

/** AWS Cost Explorer: GPU capacity, Bedrock token usage and its spend, feature-tagged lines. */
export const awsSource: SourceDescriptor = {
  name: 'aws',
  connector: awsConnector,
  feeds: ['usage', 'costs'],
  monthClose: true,
  requestCostUsd: '0.01',
};
