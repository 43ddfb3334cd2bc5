import type { SourceName } from '../ingest/sources.ts';
import type { SourceDescriptor } from './descriptor.ts';
import { openaiSource } from './openai/index.ts';
import { anthropicSource } from './anthropic/index.ts';
import { awsSource } from './aws/index.ts';
import { prometheusSource } from './prometheus/index.ts';
import { opencostSource } from './opencost/index.ts';

/** Every windowed source, by name (a missing or extra entry is a type error). */
export const SOURCES: Record<SourceName, SourceDescriptor> = {
  openai: openaiSource,
  anthropic: anthropicSource,
  aws: awsSource,
  prometheus: prometheusSource,
  opencost: opencostSource,
};
