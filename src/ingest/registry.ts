import { ConfigError } from '../errors.ts';
import type { SourceConnector, SourceName } from './sources.ts';
import { openaiConnector } from '../sources/openai/connector.ts';
import { anthropicConnector } from '../sources/anthropic/connector.ts';
import { awsConnector } from '../sources/aws/connector.ts';
import { prometheusConnector } from '../sources/prometheus/connector.ts';

export const CONNECTORS: Record<SourceName, SourceConnector> = {
  openai: openaiConnector,
  anthropic: anthropicConnector,
  aws: awsConnector,
  prometheus: prometheusConnector,
};

export function connectorFor(name: string): SourceConnector {
  const c = (CONNECTORS as Record<string, SourceConnector | undefined>)[name];
  if (!c) throw new ConfigError(`unknown source "${name}" (expected one of ${Object.keys(CONNECTORS).join(', ')})`);
  return c;
}
