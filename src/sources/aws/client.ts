import { CostExplorerClient, GetCostAndUsageCommand, type CostExplorerClientConfig, type GetCostAndUsageCommandInput } from '@aws-sdk/client-cost-explorer';
import type { Ctx } from '../../context.ts';
import { BreakevenError, SourceHttpError, SourceSchemaError } from '../../errors.ts';
import { formatIssuePath } from '../../config/load.ts';
import { Readable } from 'node:stream';
import { httpLimitsFromEnv, NETWORK_ATTEMPTS, paginate, type PageRecord } from '../http.ts';
import { redact } from '../../redact.ts';
import { costAndUsageSchema, type CostAndUsagePage } from './schema.ts';

export const SOURCE_LABEL = 'AWS Cost Explorer';
export const OPERATION = 'GetCostAndUsage';
/** What one GetCostAndUsage request (one page) costs, in USD. */
export const REQUEST_PRICE_USD = '0.01';

export type AwsCredentials = NonNullable<CostExplorerClientConfig['credentials']>;

export interface ClientOptions {
  /** Explicit credentials; default: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY from ctx.env, else the SDK's standard chain. */
  credentials?: AwsCredentials;
}

/**
 * Static credentials from the validated environment when it carries them (the demo and tests give
 * the simulator fake ones this way); otherwise undefined and the SDK resolves its standard chain
 * (profile, SSO, instance role). Read loosely: the env schema may not declare these keys.
 */
export function envCredentials(env: Ctx['env']): AwsCredentials | undefined {
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN: sessionToken } = env;
  if (!accessKeyId || !secretAccessKey) return undefined;
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}

/**
 * The SDK client: region from config, endpoint from AWS_ENDPOINT_URL_COST_EXPLORER when set (passed
 * explicitly so the validated env is the one source of truth). The SDK's own retries are off
 * (maxAttempts 1): our loop retries with the injected sleep and counts every request, each of which
 * AWS bills at $0.01.
 */
export function createCostExplorerClient(ctx: Pick<Ctx, 'env' | 'config'>, opts: ClientOptions = {}): { client: CostExplorerClient; endpointLabel: string } {
  const region = ctx.config.sources.aws.region;
  const endpoint = ctx.env.AWS_ENDPOINT_URL_COST_EXPLORER;
  const credentials = opts.credentials ?? envCredentials(ctx.env);
  const timeoutMs = httpLimitsFromEnv(ctx.env).timeoutMs;
  const client = new CostExplorerClient({
    region,
    ...(endpoint ? { endpoint } : {}),
    ...(credentials ? { credentials } : {}),
    maxAttempts: 1,
    requestHandler: { connectionTimeout: timeoutMs, requestTimeout: timeoutMs },
  });
  keepRawBodies(client);
  return { client, endpointLabel: endpoint ?? `https://ce.${region}.amazonaws.com` };
}

/**
 * The SDK consumes a response body while deserializing it, so a body that is not JSON (a proxy's
 * HTML page, a truncated answer) would be lost. These two middlewares keep the raw text: the inner
 * one reads it before the deserializer does, the outer one attaches it to the error as $rawBody.
 */
function keepRawBodies(client: CostExplorerClient): void {
  type Holder = { __rawBody?: string };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const out = await next(args);
      const response = out.response as { body?: unknown };
      if (response.body && typeof (response.body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] === 'function') {
        const chunks: Buffer[] = [];
        for await (const c of response.body as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(c));
        const buf = Buffer.concat(chunks);
        (context as Holder).__rawBody = buf.toString('utf8');
        response.body = Readable.from([buf]);
      }
      return out;
    },
    { step: 'deserialize', priority: 'low', name: 'breakevenKeepRawBody' },
  );
  client.middlewareStack.add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (err) {
        const raw = (context as Holder).__rawBody;
        if (raw !== undefined && err && typeof err === 'object') Object.defineProperty(err, '$rawBody', { value: raw, enumerable: false });
        throw err;
      }
    },
    { step: 'deserialize', priority: 'high', name: 'breakevenRawBodyOnError' },
  );
}

export interface FetchDeps {
  client: Pick<CostExplorerClient, 'send'>;
  endpointLabel: string;
  now(): Date;
  sleep(ms: number): Promise<void>;
  /** Every response (and failed attempt) for the raw archive; its length is the request count. */
  onPage(page: PageRecord): void;
  log: Ctx['log'];
  retry?: { attempts: number; baseDelayMs: number; maxDelayMs: number };
  /** Page cap of one request chain (default HTTP_DEFAULTS.maxPages). */
  maxPages?: number;
}

export interface CostAndUsageRequest {
  start: string;
  end: string;
  granularity: 'DAILY' | 'MONTHLY';
  metrics: string[];
  groupBy: Array<{ Type: 'TAG' | 'DIMENSION' | 'COST_CATEGORY'; Key: string }>;
}

const DEFAULT_RETRY = { attempts: 5, baseDelayMs: 1_000, maxDelayMs: 30_000 };
const THROTTLING = new Set(['LimitExceededException', 'ThrottlingException', 'Throttling', 'TooManyRequestsException', 'RequestLimitExceeded']);

interface AwsError {
  name: string;
  message: string;
  status: number;
}

function describe(err: unknown): AwsError {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  return { name: e?.name ?? 'Error', message: e?.message ?? String(err), status: e?.$metadata?.httpStatusCode ?? 0 };
}

function isRetryable(e: AwsError): boolean {
  return THROTTLING.has(e.name) || e.status === 429 || e.status >= 500 || e.status === 0;
}

function backoff(p: typeof DEFAULT_RETRY, attempt: number): number {
  const cap = Math.min(p.maxDelayMs, p.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(cap / 2 + Math.random() * (cap / 2));
}

/** Thrown when the account may not use a metric (NetAmortizedCost needs permissions some accounts lack). */
export class MetricNotPermittedError extends BreakevenError {
  constructor(
    readonly metric: string,
    detail: string,
  ) {
    super(`${SOURCE_LABEL}: ${OPERATION} rejected metric ${metric}: ${detail}`);
  }
}

function rejectsMetric(e: AwsError, metric: string): boolean {
  if (e.name !== 'ValidationException' && e.name !== 'AccessDeniedException') return false;
  return e.message.toLowerCase().includes(metric.toLowerCase());
}

/** A response the SDK could not deserialize (HTML, truncated JSON): its raw text, when we kept it. */
function rawBodyOf(err: unknown): string | undefined {
  if (!(err instanceof Error) || err.name !== 'SyntaxError') return undefined;
  return (err as { $rawBody?: string }).$rawBody ?? '';
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'TimeoutError', 'RequestTimeout']);

function networkCode(err: unknown): string | undefined {
  const e = err as { code?: string; name?: string; cause?: { code?: string } };
  const code = e?.code ?? e?.cause?.code ?? e?.name;
  return code && NETWORK_CODES.has(code) ? code : undefined;
}

/** One request with bounded retries on throttling, 5xx and network failures (network: at most NETWORK_ATTEMPTS). */
async function sendOnce(deps: FetchDeps, input: GetCostAndUsageCommandInput, costMetric: string): Promise<CostAndUsagePage> {
  const policy = deps.retry ?? DEFAULT_RETRY;
  const request = { method: 'POST', url: `${deps.endpointLabel}#${OPERATION}`, params: input };
  for (let attempt = 1; ; attempt++) {
    let output: Record<string, unknown>;
    try {
      output = (await deps.client.send(new GetCostAndUsageCommand(input))) as unknown as Record<string, unknown>;
    } catch (err) {
      if (err instanceof Error && err.name === 'CredentialsProviderError') {
        throw new BreakevenError(`${SOURCE_LABEL}: no AWS credentials found (set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE, or run with an IAM role): ${redact(err.message)}`);
      }
      const e = describe(err);
      const raw = rawBodyOf(err);
      if (raw !== undefined) {
        // Not JSON (a proxy's HTML page, a truncated answer): archived like any other bad page, never retried as if throttled.
        const body = redact(raw);
        const excerpt = body.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 160);
        const parseError = `not JSON (HTTP ${e.status}): ${excerpt || '(empty body)'}`;
        deps.onPage({ request, status: e.status, body, fetchedAt: deps.now(), parseError });
        throw new SourceSchemaError(SOURCE_LABEL, `${deps.endpointLabel} ${OPERATION}`, parseError, body);
      }
      const net = networkCode(err);
      const message = redact(e.message.split('\n')[0]!);
      deps.onPage({ request, status: e.status, body: JSON.stringify({ __type: e.name, message }), fetchedAt: deps.now() });
      const maxAttempts = net ? Math.min(policy.attempts, NETWORK_ATTEMPTS) : policy.attempts;
      if (isRetryable(e) && attempt < maxAttempts) {
        const delay = backoff(policy, attempt);
        deps.log.warn({ source: 'aws', error: e.name, status: e.status, attempt, delayMs: delay }, 'Cost Explorer request throttled or failed; retrying');
        await deps.sleep(delay);
        continue;
      }
      if (net) {
        const what = net === 'TimeoutError' || net === 'RequestTimeout' || net === 'ETIMEDOUT' ? 'no answer from' : `cannot reach`;
        throw new SourceHttpError(SOURCE_LABEL, OPERATION, 0, '', true).withMessage(
          `${SOURCE_LABEL}: ${what} ${deps.endpointLabel} (${net}), ${attempt} attempts; check AWS_ENDPOINT_URL_COST_EXPLORER (or sources.aws.region)${what === 'no answer from' ? ' or raise BREAKEVEN_HTTP_TIMEOUT_MS' : ''}`,
        );
      }
      if (rejectsMetric(e, costMetric)) throw new MetricNotPermittedError(costMetric, `${e.name}: ${message}`);
      const detail = `${e.name}: ${message}${isRetryable(e) ? ` (after ${attempt} attempts)` : ''}`;
      throw new SourceHttpError(SOURCE_LABEL, OPERATION, e.status, detail, isRetryable(e));
    }
    const { $metadata, ...body } = output;
    const text = redact(JSON.stringify(body));
    const page: PageRecord = { request, status: (($metadata as { httpStatusCode?: number }) ?? {}).httpStatusCode ?? 200, body: text, fetchedAt: deps.now() };
    const parsed = costAndUsageSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      page.parseError = `${formatIssuePath(issue.path)}: ${issue.message}`;
      deps.onPage(page);
      throw new SourceSchemaError(SOURCE_LABEL, OPERATION, page.parseError, text);
    }
    deps.onPage(page);
    return parsed.data;
  }
}

/**
 * Every page of one GetCostAndUsage request chain (the SDK has no paginator for it: loop on
 * NextPageToken). The first metric of `metrics` that is not UnblendedCost/UsageQuantity is the
 * cost metric whose rejection raises MetricNotPermittedError.
 */
export async function fetchCostAndUsage(deps: FetchDeps, req: CostAndUsageRequest): Promise<CostAndUsagePage[]> {
  const costMetric = req.metrics.find((m) => m !== 'UnblendedCost' && m !== 'UsageQuantity') ?? 'UnblendedCost';
  const pages: CostAndUsagePage[] = [];
  // The shared page cap and repeated-token check: a NextPageToken handed out twice fails at once
  // (each request is billed $0.01) instead of looping.
  const chain = paginate({ source: SOURCE_LABEL, what: `${OPERATION} ${req.start}..${req.end}`, maxPages: deps.maxPages }, async (token) => {
    const input: GetCostAndUsageCommandInput = {
      TimePeriod: { Start: req.start, End: req.end },
      Granularity: req.granularity,
      Metrics: req.metrics,
      GroupBy: req.groupBy,
      ...(token ? { NextPageToken: token } : {}),
    };
    const page = await sendOnce(deps, input, costMetric);
    return { page, next: page.NextPageToken };
  });
  for await (const page of chain) pages.push(page);
  return pages;
}
