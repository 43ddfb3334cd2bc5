import type { SourceConnector, SourceName } from '../ingest/sources.ts';

/**
 * A source, described once (ARCHITECTURE.md "A source is one descriptor"): everything the rest of
 * breakeven needs to know about it, so nothing outside src/sources/ spells its name or its wire
 * strings. Adding a source is one folder with an index.ts and one line in ./registry.ts.
 */
export interface SourceDescriptor {
  name: SourceName;
  /** The windowed connector (fetch → validate → normalize → one transaction per window). */
  connector: SourceConnector;
  /** The fact tables it writes. */
  feeds: ReadonlyArray<'usage' | 'costs' | 'serving' | 'gpu' | 'latency' | 'gpu_shares'>;
  /**
   * Its cost lines are API invoices coarser than the feature rules: compute splits each line over
   * the usage that explains it (same day, project, model, token class, tier). `workspaceScoped`:
   * lines belong to one workspace (null = the default workspace).
   */
  invoice?: { splitByUsage: true; workspaceScoped?: boolean };
  /** Restates last month until the bill closes: a scheduled month-close re-pull runs for it. */
  monthClose?: boolean;
  /** What each vendor request costs (USD), for the request counters (Cost Explorer: $0.01 a page). */
  requestCostUsd?: string;
  /** The variables that point it somewhere and let it in, named when `breakeven check` fails. */
  env: { endpoint: string; credentials: readonly string[] };
}
