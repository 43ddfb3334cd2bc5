import type { Ctx } from '../context.ts';
import type { WindowResult } from './window.ts';
import type { HttpDeps } from '../sources/http.ts';

/** The windowed sources (FOCUS is file-based: `ingest focus --file`). */
export const SOURCE_NAMES = ['openai', 'anthropic', 'aws', 'prometheus', 'opencost'] as const;
export type SourceName = (typeof SOURCE_NAMES)[number];

/** What a probe may use: no database (`check` tries the sources even when the database is down). */
export type ProbeCtx = Pick<Ctx, 'config' | 'env' | 'clock' | 'log' | 'fetch' | 'sleep'>;

/**
 * A windowed source connector. `ingest` pulls [start, end) in windows of its own choosing (each one
 * transaction), and returns one result per window.
 */
export interface SourceConnector {
  name: SourceName;
  /** Whether the environment/config has what this source needs (credentials, URL); else why not. */
  configured(ctx: ProbeCtx): { ok: true } | { ok: false; why: string };
  ingest(ctx: Ctx, range: { start: Date; end: Date }, onWindow?: (w: WindowResult) => void): Promise<WindowResult[]>;
  /**
   * One small read-only request (`breakeven check`): resolves to what answered, or throws what
   * failed. Writes nothing. `http` carries the check's short timeout and a single attempt.
   */
  probe(ctx: ProbeCtx, http: HttpDeps): Promise<string>;
}
