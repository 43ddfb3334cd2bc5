import { ConfigError } from '../errors.ts';
import type { SourceConnector, SourceName } from './sources.ts';
import { SOURCES } from '../sources/registry.ts';

/** The connectors of the source descriptors (src/sources/registry.ts). */
export const CONNECTORS = Object.fromEntries(Object.entries(SOURCES).map(([name, d]) => [name, d.connector])) as Record<SourceName, SourceConnector>;

export function connectorFor(name: string): SourceConnector {
  const c = (CONNECTORS as Record<string, SourceConnector | undefined>)[name];
  if (!c) throw new ConfigError(`unknown source "${name}" (expected one of ${Object.keys(CONNECTORS).join(', ')})`);
  return c;
}
