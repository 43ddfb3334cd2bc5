import type { z } from 'zod';
import { SourceSchemaError } from '../../errors.ts';
import { fetchJson, paginate as paginatePages, type HttpDeps } from '../http.ts';
import {
  costsPageSchema,
  spendLimitSchema,
  usageDecisionsPageSchema,
  usagePageSchema,
  type CostsBucket,
  type OpenAIPage,
  type SpendLimit,
  type UsageBucket,
  type UsageDecisionsBucket,
} from './schema.ts';

export const SOURCE = 'openai';

/** Every OpenAI endpoint the connector calls, relative to OPENAI_BASE_URL (which includes /v1). */
export const OPENAI_ENDPOINTS = {
  usageCompletions: '/organization/usage/completions',
  usageDecisions: '/organization/usage/decisions',
  costs: '/organization/costs',
  organizationSpendLimit: '/organization/spend_limit',
  projectSpendLimit: (projectId: string) => `/organization/projects/${encodeURIComponent(projectId)}/spend_limit`,
  models: '/models',
} as const;

/** What we ask for: hourly usage per key/model/tier, daily costs per project and line item. */
export const USAGE_GROUP_BY = ['project_id', 'api_key_id', 'model', 'batch', 'service_tier'] as const;
export const COSTS_GROUP_BY = ['project_id', 'line_item'] as const;
/** Decisions usage: the completions grouping plus where the call came from. */
export const DECISIONS_GROUP_BY = [...USAGE_GROUP_BY, 'api_source'] as const;
/** The API's maximum number of buckets per page for each query. */
export const USAGE_HOURLY_LIMIT = 168;
export const COSTS_DAILY_LIMIT = 180;

export interface OpenAIClient {
  http: HttpDeps;
  baseUrl: string;
  /** Sent in the Authorization header only; never part of a URL, a log line or an archived page. */
  adminKey: string;
}

export interface BucketQuery {
  start: Date;
  end: Date;
  bucketWidth: '1m' | '1h' | '1d';
  groupBy: readonly string[];
  limit: number;
}

const unix = (d: Date) => Math.floor(d.getTime() / 1000);

export function buildUrl(baseUrl: string, path: string, q: BucketQuery): URL {
  const url = new URL(baseUrl.replace(/\/+$/, '') + path);
  url.searchParams.set('start_time', String(unix(q.start)));
  url.searchParams.set('end_time', String(unix(q.end)));
  url.searchParams.set('bucket_width', q.bucketWidth);
  // Arrays travel as repeated keys: group_by=project_id&group_by=model.
  for (const g of q.groupBy) url.searchParams.append('group_by', g);
  url.searchParams.set('limit', String(q.limit));
  return url;
}

/**
 * Follows `next_page` while `has_more`, yielding each validated page, through the shared page cap
 * and repeated-cursor check. A page that claims more without a cursor is an API contract break:
 * fail rather than stop short.
 */
export function paginate<S extends z.ZodType<OpenAIPage<unknown>>>(client: OpenAIClient, firstUrl: URL, schema: S): AsyncGenerator<z.infer<S>> {
  return paginatePages({ source: SOURCE, what: firstUrl.pathname, maxPages: client.http.limits?.maxPages }, async (cursor) => {
    const url = new URL(firstUrl);
    if (cursor) url.searchParams.set('page', cursor);
    const { data } = await fetchJson(client.http, {
      source: SOURCE,
      url,
      headers: { Authorization: `Bearer ${client.adminKey}`, Accept: 'application/json' },
      schema,
      endpoint: { baseUrl: client.baseUrl, envVar: 'OPENAI_BASE_URL' },
    });
    if (data.has_more && !data.next_page) throw new SourceSchemaError(SOURCE, url.toString(), 'has_more is true but next_page is missing', '');
    return { page: data, next: data.has_more ? data.next_page : null };
  });
}

/** Every hourly completions-usage bucket of [start, end), all pages. */
export async function fetchUsageBuckets(client: OpenAIClient, range: { start: Date; end: Date }): Promise<UsageBucket[]> {
  const url = buildUrl(client.baseUrl, OPENAI_ENDPOINTS.usageCompletions, {
    ...range,
    bucketWidth: '1h',
    groupBy: USAGE_GROUP_BY,
    limit: USAGE_HOURLY_LIMIT,
  });
  const out: UsageBucket[] = [];
  for await (const page of paginate(client, url, usagePageSchema)) out.push(...page.data);
  return out;
}

/** Every daily cost bucket of [start, end), all pages. */
export async function fetchCostBuckets(client: OpenAIClient, range: { start: Date; end: Date }): Promise<CostsBucket[]> {
  const url = buildUrl(client.baseUrl, OPENAI_ENDPOINTS.costs, { ...range, bucketWidth: '1d', groupBy: COSTS_GROUP_BY, limit: COSTS_DAILY_LIMIT });
  const out: CostsBucket[] = [];
  for await (const page of paginate(client, url, costsPageSchema)) out.push(...page.data);
  return out;
}

/** Every hourly Decisions-usage bucket of [start, end), all pages. */
export async function fetchDecisionsBuckets(client: OpenAIClient, range: { start: Date; end: Date }): Promise<UsageDecisionsBucket[]> {
  const url = buildUrl(client.baseUrl, OPENAI_ENDPOINTS.usageDecisions, { ...range, bucketWidth: '1h', groupBy: DECISIONS_GROUP_BY, limit: USAGE_HOURLY_LIMIT });
  const out: UsageDecisionsBucket[] = [];
  for await (const page of paginate(client, url, usageDecisionsPageSchema)) out.push(...page.data);
  return out;
}

/** One spend-limit object (organization when projectId is absent). */
export async function fetchSpendLimit(client: OpenAIClient, projectId?: string): Promise<SpendLimit> {
  const path = projectId ? OPENAI_ENDPOINTS.projectSpendLimit(projectId) : OPENAI_ENDPOINTS.organizationSpendLimit;
  const url = new URL(client.baseUrl.replace(/\/+$/, '') + path);
  const { data } = await fetchJson(client.http, {
    source: SOURCE,
    url,
    headers: { Authorization: `Bearer ${client.adminKey}`, Accept: 'application/json' },
    schema: spendLimitSchema,
  });
  return data;
}
