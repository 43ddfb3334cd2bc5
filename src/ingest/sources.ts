import type { Ctx } from '../context.ts';
import type { WindowResult } from './window.ts';

/** The windowed sources (FOCUS is file-based: `ingest focus --file`). */
export const SOURCE_NAMES = ['openai', 'anthropic', 'aws', 'prometheus', 'opencost'] as const;
export type SourceName = (typeof SOURCE_NAMES)[number];

/**
 * A windowed source connector. `ingest` pulls [start, end) in windows of its own choosing (each one
 * transaction), and returns one result per window.
 */
export interface SourceConnector {
  name: SourceName;
  /** Whether the environment/config has what this source needs (credentials, URL); else why not. */
  configured(ctx: Ctx): { ok: true } | { ok: false; why: string };
  ingest(ctx: Ctx, range: { start: Date; end: Date }, onWindow?: (w: WindowResult) => void): Promise<WindowResult[]>;
}
