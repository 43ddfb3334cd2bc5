import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Decimal } from 'decimal.js';
import { systemClock } from '../clock.ts';
import { DEFAULT_SEED, DEPLOYMENTS, STREAMS } from './scenario.ts';

/**
 * AWS Cost Explorer on 127.0.0.1, speaking the real wire protocol (awsJson1_1: POST /,
 * `x-amz-target: AWSInsightsIndexService.GetCostAndUsage`), so the real SDK can be pointed at it
 * with fake credentials (any SigV4 signature is accepted). Serves the scenario's GPU bill:
 * every instance of every deployment runs every hour of every day, tagged with its feature, with a
 * Savings Plan covering part of it (NetAmortizedCost below UnblendedCost), plus untagged EC2 and S3
 * spend. Days of the current month (of `now`) are `Estimated: true`; days from today on have no data.
 */

export interface CostExplorerFaults {
  /** Answer the first N requests with 400 LimitExceededException. */
  limitExceeded?: number;
  /** Answer with 400 ValidationException (from the request number `afterRequests`, 0-based; default all). */
  validationException?: { message?: string; afterRequests?: number };
  /** Pulls after the first return different amounts for Estimated days (the bill is restated). */
  restatement?: boolean;
  /** Reject requests asking for these metrics (an account without NetAmortizedCost access). */
  rejectMetrics?: string[];
}

export interface CostExplorerSimulatorOptions {
  seed?: number;
  port?: number;
  now?: Date | (() => Date);
  faults?: CostExplorerFaults;
  /** Groups per page (small, so tests see several pages). */
  pageSize?: number;
  /** Also bill some Bedrock token usage (untagged): Llama on demand and Claude via Marketplace. */
  bedrock?: boolean;
}

export interface RecordedRequest {
  target: string;
  body: Record<string, unknown>;
  /** SigV4 credential scope (`AKID/20261124/us-east-1/ce/aws4_request`), or null when unsigned. */
  credentialScope: string | null;
  status: number;
}

export interface CostExplorerSimulator {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

const TARGET = 'AWSInsightsIndexService.GetCostAndUsage';
const TAG_KEY = 'feature';
const DAY_MS = 86_400_000;

/** On-demand hourly prices (us-east-1) of the scenario's instance types. */
export const HOURLY_PRICE: Record<string, string> = { 'g6e.xlarge': '1.861', 'p5.48xlarge': '55.04', 'm7i.xlarge': '0.2016' };
/** Savings Plan effect: amortized and net amortized cost as a share of on-demand (unblended). */
export const AMORTIZED_SHARE = '0.85';
export const NET_AMORTIZED_SHARE = '0.82';

interface BaseGroup {
  tag: string; // "feature$x" or "feature$"
  usageType: string;
  service: string;
  quantity: Decimal;
  unit: string;
  unblended: Decimal;
  amortized: Decimal;
  net: Decimal;
}

function jitter(seed: number, key: string): number {
  let h = seed >>> 0;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 2654435761) >>> 0;
  h = Math.imul(h ^ (h >>> 15), h | 1) >>> 0;
  return (h % 10_000) / 10_000;
}

function featureOf(deployment: string): string | null {
  return STREAMS.find((s) => s.dims.deployment === deployment)?.feature ?? null;
}

/** The bill of one UTC day (restated versions scale Estimated days' amounts). */
function dayGroups(seed: number, day: Date, bedrock: boolean): BaseGroup[] {
  const d = day.toISOString().slice(0, 10);
  const out: BaseGroup[] = [];
  const money = (qty: Decimal, price: string, share = '1') => qty.times(price).times(share);
  for (const dep of DEPLOYMENTS) {
    const qty = new Decimal(dep.instances * 24);
    const unblended = money(qty, HOURLY_PRICE[dep.instanceType]!);
    out.push({
      tag: `${TAG_KEY}$${featureOf(dep.name) ?? ''}`,
      usageType: `BoxUsage:${dep.instanceType}`,
      service: 'Amazon Elastic Compute Cloud - Compute',
      quantity: qty,
      unit: 'Hrs',
      unblended,
      amortized: unblended.times(AMORTIZED_SHARE),
      net: unblended.times(NET_AMORTIZED_SHARE),
    });
  }
  const plain = (usageType: string, service: string, qty: Decimal, unit: string, price: string): BaseGroup => {
    const cost = money(qty, price);
    return { tag: `${TAG_KEY}$`, usageType, service, quantity: qty, unit, unblended: cost, amortized: cost, net: cost };
  };
  out.push(plain('BoxUsage:m7i.xlarge', 'Amazon Elastic Compute Cloud - Compute', new Decimal(72 - Math.floor(jitter(seed, `ec2|${d}`) * 12)), 'Hrs', HOURLY_PRICE['m7i.xlarge']!));
  out.push(plain('TimedStorage-ByteHrs', 'Amazon Simple Storage Service', new Decimal(40).plus(new Decimal(jitter(seed, `s3|${d}`)).times(4)).toDecimalPlaces(6), 'GB-Mo', '0.023'));
  out.push(plain('Requests-Tier1', 'Amazon Simple Storage Service', new Decimal(180_000 + Math.floor(jitter(seed, `req|${d}`) * 40_000)), 'Requests', '0.000005'));
  if (bedrock) {
    const tokens = (k: string, base: number) => new Decimal(base + Math.floor(jitter(seed, `${k}|${d}`) * base * 0.2));
    out.push(plain('USE1-Llama3-3-70B-input-tokens', 'Amazon Bedrock', tokens('llin', 2_000_000), 'Tokens', '0.00000072'));
    out.push(plain('USE1-Llama3-3-70B-output-tokens', 'Amazon Bedrock', tokens('llout', 300_000), 'Tokens', '0.00000072'));
    out.push(plain('USE1-MP:USE1_InputTokenCount-Units', 'Claude 3.5 Sonnet (Amazon Bedrock Edition)', tokens('mpin', 1_000_000), 'Units', '0.000003'));
    out.push(plain('USE1-MP:USE1_OutputTokenCount-Units', 'Claude 3.5 Sonnet (Amazon Bedrock Edition)', tokens('mpout', 100_000), 'Units', '0.000015'));
  }
  return out;
}

interface PageToken {
  o: number; // offset into the flattened items
  v: number; // restatement version of the chain
  r: string; // request fingerprint
}

class ApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const METRICS = new Set(['UnblendedCost', 'AmortizedCost', 'NetAmortizedCost', 'NetUnblendedCost', 'BlendedCost', 'UsageQuantity', 'NormalizedUsageAmount']);

function metricValue(g: BaseGroup, metric: string): { Amount: string; Unit: string } {
  const fmt = (d: Decimal) => d.toDecimalPlaces(10).toFixed();
  switch (metric) {
    case 'AmortizedCost':
      return { Amount: fmt(g.amortized), Unit: 'USD' };
    case 'NetAmortizedCost':
      return { Amount: fmt(g.net), Unit: 'USD' };
    case 'UsageQuantity':
    case 'NormalizedUsageAmount':
      return { Amount: fmt(g.quantity), Unit: g.unit };
    default:
      return { Amount: fmt(g.unblended), Unit: 'USD' };
  }
}

function sumGroups(groups: BaseGroup[]): BaseGroup {
  const z = new Decimal(0);
  return groups.reduce(
    (a, g) => ({
      ...a,
      quantity: a.quantity.plus(g.quantity),
      unit: a.unit === '' || a.unit === g.unit ? g.unit : 'N/A',
      unblended: a.unblended.plus(g.unblended),
      amortized: a.amortized.plus(g.amortized),
      net: a.net.plus(g.net),
    }),
    { tag: '', usageType: '', service: '', quantity: z, unit: '', unblended: z, amortized: z, net: z },
  );
}

function parseDay(s: unknown, what: string): Date {
  if (typeof s !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(s) || Number.isNaN(Date.parse(`${s}T00:00:00Z`))) {
    throw new ApiError('ValidationException', `${what} must be a date in the format yyyy-MM-dd`);
  }
  return new Date(`${s}T00:00:00Z`);
}

export async function startCostExplorerSimulator(opts: CostExplorerSimulatorOptions = {}): Promise<CostExplorerSimulator> {
  const seed = opts.seed ?? DEFAULT_SEED;
  const faults = opts.faults ?? {};
  const pageSize = opts.pageSize ?? 8;
  const fixed = opts.now instanceof Date ? opts.now : null;
  const now = typeof opts.now === 'function' ? opts.now : fixed ? () => fixed : () => systemClock.now();
  const requests: RecordedRequest[] = [];
  // Restatement version per request: how many chains with the same parameters were started before.
  const pulls = new Map<string, number>();

  function answer(body: Record<string, unknown>, index: number): Record<string, unknown> {
    if (faults.limitExceeded && index < faults.limitExceeded) throw new ApiError('LimitExceededException', 'You have exceeded the rate limit.');
    const v = faults.validationException;
    if (v && index >= (v.afterRequests ?? 0)) throw new ApiError('ValidationException', v.message ?? 'Start date is after end date');
    const tp = (body['TimePeriod'] ?? {}) as Record<string, unknown>;
    const start = parseDay(tp['Start'], 'TimePeriod.Start');
    const end = parseDay(tp['End'], 'TimePeriod.End');
    if (end <= start) throw new ApiError('ValidationException', 'Start date (and hour) should be before end date (and hour)');
    const granularity = body['Granularity'];
    if (granularity !== 'DAILY' && granularity !== 'MONTHLY') throw new ApiError('ValidationException', `Granularity ${String(granularity)} is not supported`);
    const metrics = (body['Metrics'] ?? []) as string[];
    if (!Array.isArray(metrics) || metrics.length === 0) throw new ApiError('ValidationException', 'Metrics must not be empty');
    for (const m of metrics) if (!METRICS.has(m)) throw new ApiError('ValidationException', `Metric ${m} is not supported`);
    for (const m of faults.rejectMetrics ?? []) {
      if (metrics.includes(m)) throw new ApiError('AccessDeniedException', `User is not authorized to request metric ${m} for this account`);
    }
    const groupBy = (body['GroupBy'] ?? []) as Array<{ Type?: string; Key?: string }>;
    if (groupBy.length > 2) throw new ApiError('ValidationException', 'GroupBy can contain at most two elements');

    const fingerprint = JSON.stringify({ ...body, NextPageToken: undefined });
    let token: PageToken = { o: 0, v: 0, r: fingerprint };
    if (typeof body['NextPageToken'] === 'string') {
      try {
        token = JSON.parse(Buffer.from(body['NextPageToken'], 'base64url').toString()) as PageToken;
      } catch {
        throw new ApiError('InvalidNextTokenException', 'The pagination token is invalid.');
      }
      if (token.r !== fingerprint) throw new ApiError('RequestChangedException', 'The request parameters changed between pages.');
    } else {
      const before = pulls.get(fingerprint) ?? 0;
      token.v = faults.restatement ? before : 0;
      pulls.set(fingerprint, before + 1);
    }

    const today = new Date(Math.floor(now().getTime() / DAY_MS) * DAY_MS);
    const currentMonth = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 1);
    // Periods: days (DAILY) or month slices (MONTHLY) of [start, end).
    const periods: Array<{ start: Date; end: Date }> = [];
    for (let s = start; s < end; ) {
      const next = granularity === 'DAILY' ? new Date(s.getTime() + DAY_MS) : new Date(Date.UTC(s.getUTCFullYear(), s.getUTCMonth() + 1, 1));
      const e = next < end ? next : end;
      periods.push({ start: s, end: e });
      s = e;
    }
    type Item = { period: number; keys: string[] | null; group: BaseGroup | null };
    const items: Item[] = [];
    const estimated: boolean[] = [];
    periods.forEach((p, i) => {
      estimated[i] = p.end.getTime() > currentMonth;
      const base: BaseGroup[] = [];
      for (let d = p.start; d < p.end && d < today; d = new Date(d.getTime() + DAY_MS)) {
        const isEstimated = d.getTime() >= currentMonth;
        const factor = new Decimal(1).plus(new Decimal('0.03').times(isEstimated ? token.v : 0));
        for (const g of dayGroups(seed, d, opts.bedrock ?? false)) {
          base.push({ ...g, unblended: g.unblended.times(factor), amortized: g.amortized.times(factor), net: g.net.times(factor) });
        }
      }
      const byKeys = new Map<string, { keys: string[]; groups: BaseGroup[] }>();
      for (const g of base) {
        const keys = groupBy.map((gb) =>
          gb.Type === 'TAG' ? (gb.Key === TAG_KEY ? g.tag : `${gb.Key}$`) : gb.Key === 'USAGE_TYPE' ? g.usageType : gb.Key === 'SERVICE' ? g.service : 'NoValue',
        );
        const k = JSON.stringify(keys);
        const entry = byKeys.get(k) ?? { keys, groups: [] };
        entry.groups.push(g);
        byKeys.set(k, entry);
      }
      if (byKeys.size === 0) items.push({ period: i, keys: null, group: null });
      for (const { keys, groups } of byKeys.values()) items.push({ period: i, keys, group: sumGroups(groups) });
    });

    const slice = items.slice(token.o, token.o + pageSize);
    const results: Array<Record<string, unknown>> = [];
    for (const it of slice) {
      let r = results.at(-1);
      const p = periods[it.period]!;
      if (!r || (r['TimePeriod'] as { Start: string }).Start !== p.start.toISOString().slice(0, 10)) {
        r = {
          TimePeriod: { Start: p.start.toISOString().slice(0, 10), End: p.end.toISOString().slice(0, 10) },
          Total: {},
          Groups: [],
          Estimated: estimated[it.period],
        };
        results.push(r);
      }
      if (it.group && it.keys) {
        if (groupBy.length === 0) r['Total'] = Object.fromEntries(metrics.map((m) => [m, metricValue(it.group!, m)]));
        else (r['Groups'] as unknown[]).push({ Keys: it.keys, Metrics: Object.fromEntries(metrics.map((m) => [m, metricValue(it.group!, m)])) });
      }
    }
    const next = token.o + pageSize < items.length ? Buffer.from(JSON.stringify({ ...token, o: token.o + pageSize })).toString('base64url') : undefined;
    return {
      GroupDefinitions: groupBy,
      ResultsByTime: results,
      DimensionValueAttributes: [],
      ...(next ? { NextPageToken: next } : {}),
    };
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, { __type: 'InternalServerException', message: `simulator error: ${err instanceof Error ? err.message : String(err)}` });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const target = String(req.headers['x-amz-target'] ?? '');
    const auth = String(req.headers['authorization'] ?? '');
    const scope = /Credential=([^,\s]+)/.exec(auth)?.[1] ?? null;
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, unknown>;
    } catch {
      /* judged below */
    }
    const rec: RecordedRequest = { target, body, credentialScope: scope, status: 0 };
    const index = requests.length;
    requests.push(rec);
    if (req.method !== 'POST' || target !== TARGET) {
      rec.status = 400;
      return send(res, 400, { __type: 'UnknownOperationException', message: `unsupported operation ${target || '(none)'}` });
    }
    try {
      const out = answer(body, index);
      rec.status = 200;
      send(res, 200, out);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      rec.status = 400;
      send(res, 400, { __type: `com.amazonaws.awsinsightsindexservice#${err.type}`, message: err.message });
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': `sim-${Math.random().toString(16).slice(2)}`,
  });
  res.end(text);
}
