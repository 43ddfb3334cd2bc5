import type { z } from 'zod';
import { SourceHttpError, SourceSchemaError } from '../../errors.ts';
import { fetchJson, paginate as paginatePages, type HttpDeps } from '../http.ts';
import { ANTHROPIC_PATHS, ANTHROPIC_VERSION, COST_GROUP_BY, MAX_LIMIT, USAGE_GROUP_BY, anthropicUrl } from './endpoints.ts';
import { costPageSchema, usagePageSchema, type CostPage, type UsagePage } from './schema.ts';

export const SOURCE = 'anthropic';

export interface AnthropicClientOptions {
  baseUrl: string;
  /** Admin API key; sent as x-api-key, never recorded. */
  apiKey: string;
}

/** RFC 3339 without milliseconds, as Anthropic spells its own timestamps. */
export const rfc3339 = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

function headers(opts: AnthropicClientOptions, extra: Record<string, string> = {}): Record<string, string> {
  return { 'x-api-key': opts.apiKey, 'anthropic-version': ANTHROPIC_VERSION, accept: 'application/json', ...extra };
}

/**
 * Pages of one report as an async generator: follows `next_page` while `has_more`, through the
 * shared page cap and repeated-cursor check. Each page is validated by fetchJson (retries, typed
 * errors, raw archive through deps.onPage) before it is yielded.
 */
export function paginate<S extends z.ZodType<{ has_more: boolean; next_page?: string | null | undefined }>>(
  http: HttpDeps,
  opts: AnthropicClientOptions,
  path: string,
  params: Array<[string, string]>,
  schema: S,
  extraHeaders: Record<string, string> = {},
): AsyncGenerator<z.infer<S>> {
  return paginatePages({ source: SOURCE, what: path, maxPages: http.limits?.maxPages }, async (cursor) => {
    const url = anthropicUrl(opts.baseUrl, path);
    for (const [k, v] of params) url.searchParams.append(k, v);
    if (cursor) url.searchParams.set('page', cursor);
    let data: z.infer<S>;
    try {
      ({ data } = await fetchJson(http, { source: SOURCE, url, headers: headers(opts, extraHeaders), schema, endpoint: { baseUrl: opts.baseUrl, envVar: 'ANTHROPIC_BASE_URL' } }));
    } catch (err) {
      if (err instanceof SourceHttpError && (err.status === 401 || err.status === 403)) {
        // Fail fast with the fix: retrying a rejected key only burns time.
        const prefix = `${SOURCE}: HTTP ${err.status} from ${err.url}: `;
        const detail = err.message.startsWith(prefix) ? err.message.slice(prefix.length) : 'key rejected';
        throw new SourceHttpError(SOURCE, err.url, err.status, `${detail}; check ANTHROPIC_ADMIN_KEY (an Admin API key, sk-ant-admin…)`);
      }
      throw err;
    }
    if (data.has_more && !data.next_page) throw new SourceSchemaError(SOURCE, url.toString(), 'has_more is true but next_page is missing', JSON.stringify(data));
    return { page: data, next: data.has_more ? data.next_page : null };
  });
}

/** Hourly message usage for [start, end), grouped by every dimension usage_facts keys on. */
export function usagePages(http: HttpDeps, opts: AnthropicClientOptions, window: { start: Date; end: Date }): AsyncGenerator<UsagePage> {
  const hours = Math.ceil((window.end.getTime() - window.start.getTime()) / 3_600_000);
  const params: Array<[string, string]> = [
    ['starting_at', rfc3339(window.start)],
    ['ending_at', rfc3339(window.end)],
    ['bucket_width', '1h'],
    ...USAGE_GROUP_BY.map((g): [string, string] => ['group_by[]', g]),
    ['limit', String(Math.max(1, Math.min(MAX_LIMIT['1h'], hours)))],
  ];
  return paginate(http, opts, ANTHROPIC_PATHS.usageMessages, params, usagePageSchema);
}

/** Daily cost for [start, end) (whole UTC days), grouped by workspace and description. */
export function costPages(http: HttpDeps, opts: AnthropicClientOptions, window: { start: Date; end: Date }): AsyncGenerator<CostPage> {
  const days = Math.ceil((window.end.getTime() - window.start.getTime()) / 86_400_000);
  const params: Array<[string, string]> = [
    ['starting_at', rfc3339(window.start)],
    ['ending_at', rfc3339(window.end)],
    ['bucket_width', '1d'],
    ...COST_GROUP_BY.map((g): [string, string] => ['group_by[]', g]),
    ['limit', String(Math.max(1, Math.min(MAX_LIMIT['1d'], days)))],
  ];
  return paginate(http, opts, ANTHROPIC_PATHS.costReport, params, costPageSchema);
}
