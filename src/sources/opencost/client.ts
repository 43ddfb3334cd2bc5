import { fetchJson, type HttpDeps, type PageRecord } from '../http.ts';
import { SourceHttpError, SourceSchemaError } from '../../errors.ts';
import { allocationResponse, inferenceCostResponse, type AllocationResponse, type InferenceCostResponse } from './schema.ts';

export const SOURCE = 'opencost';

export interface OpencostTarget {
  /** OPENCOST_URL without credentials, possibly with a path prefix (a UI proxy's /model). */
  baseUrl: string;
  /** Sent as a header, never part of a recorded URL. */
  authorization?: string | undefined;
}

/** OPENCOST_URL may carry user:password@ (an auth proxy in front of port 9003): moved into a header. */
export function opencostTarget(raw: string, bearerToken?: string): OpencostTarget {
  const u = new URL(raw);
  let authorization: string | undefined = bearerToken ? `Bearer ${bearerToken}` : undefined;
  if (!authorization && (u.username || u.password)) {
    authorization = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`;
  }
  u.username = '';
  u.password = '';
  return { baseUrl: u.toString().replace(/\/+$/, ''), authorization };
}

const rfc3339 = (d: Date) => d.toISOString().replace(/\.000Z$/, 'Z');

/** The /allocation request of one window: hourly sets, by cluster, node, namespace and the deployment label, idle per node. */
export function allocationUrl(target: OpencostTarget, w: { start: Date; end: Date }, deploymentLabel: string): URL {
  const url = new URL(`${target.baseUrl}/allocation`);
  url.searchParams.set('window', `${rfc3339(w.start)},${rfc3339(w.end)}`);
  url.searchParams.set('step', '1h');
  url.searchParams.set('aggregate', `cluster,node,namespace,label:${deploymentLabel}`);
  url.searchParams.set('accumulate', 'false');
  url.searchParams.set('includeIdle', 'true');
  url.searchParams.set('idleByNode', 'true');
  url.searchParams.set('shareIdle', 'false');
  // Kubecost-compatible servers merge per-node idle into one __idle__ unless asked not to.
  url.searchParams.set('splitIdle', 'true');
  // Keeps the pods' common labels (the node-pool label among them) on aggregated allocations.
  url.searchParams.set('includeAggregatedMetadata', 'true');
  return url;
}

export function inferenceCostUrl(target: OpencostTarget, w: { start: Date; end: Date }, costBasis: string): URL {
  const url = new URL(`${target.baseUrl}/inferenceCost/total`);
  url.searchParams.set('window', `${rfc3339(w.start)},${rfc3339(w.end)}`);
  url.searchParams.set('aggregate', 'model_name,namespace,cluster');
  url.searchParams.set('costBasis', costBasis);
  return url;
}

function headers(target: OpencostTarget): Record<string, string> {
  return { accept: 'application/json', ...(target.authorization ? { authorization: target.authorization } : {}) };
}

export async function fetchAllocations(http: HttpDeps, target: OpencostTarget, url: URL): Promise<{ data: AllocationResponse; page: PageRecord }> {
  const r = await fetchJson(http, { source: SOURCE, url, headers: headers(target), schema: allocationResponse });
  // OpenCost answers some failures with HTTP 200 and a non-200 `code` in the body.
  if (r.data.code !== undefined && r.data.code !== 200) {
    r.page.parseError = `code ${r.data.code}: ${r.data.message ?? 'no message'}`;
    throw new SourceSchemaError(SOURCE, url.toString(), r.page.parseError, r.page.body);
  }
  return r;
}

/**
 * /inferenceCost/total, or null when the server does not have it (404: OpenCost before 1.121 or
 * INFERENCE_COST_ENABLED unset) — the cross-check is optional, the shares are not.
 */
export async function fetchInferenceCosts(http: HttpDeps, target: OpencostTarget, url: URL): Promise<{ data: InferenceCostResponse; page: PageRecord } | null> {
  try {
    return await fetchJson(http, { source: SOURCE, url, headers: headers(target), schema: inferenceCostResponse });
  } catch (err) {
    if (err instanceof SourceHttpError && err.status === 404) return null;
    throw err;
  }
}
