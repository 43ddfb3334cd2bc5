import { Decimal } from 'decimal.js';
import type { Ctx } from '../../context.ts';
import type { SourceConnector } from '../../ingest/sources.ts';
import { ingestWindow, type WindowResult } from '../../ingest/window.ts';
import type { PageRecord } from '../http.ts';
import { addDays, dayKey, startOfDay } from '../../time.ts';
import { createCostExplorerClient, fetchCostAndUsage, MetricNotPermittedError, REQUEST_PRICE_USD, type ClientOptions, type FetchDeps } from './client.ts';
import { AWS_COST_SOURCE, BEDROCK_PROVIDER, normalizeCostAndUsage } from './normalize.ts';
import { monthWindows } from './windows.ts';

const FALLBACK_METRIC = 'AmortizedCost';

export interface AwsConnectorOptions extends ClientOptions {
  /** Override the retry policy (tests); default 5 attempts, 1 s base, 30 s cap. */
  retry?: FetchDeps['retry'];
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * AWS Cost Explorer: DAILY GetCostAndUsage grouped by the cost-allocation tag and USAGE_TYPE, one
 * request chain per month window, each window one transaction that replaces what the window held
 * before (Estimated days are restated until the bill closes).
 */
export function createAwsConnector(opts: AwsConnectorOptions = {}): SourceConnector {
  return {
    name: 'aws',
    configured(ctx) {
      if (!ctx.config.sources.aws.enabled) return { ok: false, why: 'disabled in the config (sources.aws.enabled: false)' };
      // Credentials come from the SDK's standard chain (env, profile, SSO, instance role): they can
      // only be resolved by trying, so a missing credential fails the run with a clear message.
      return { ok: true };
    },
    async ingest(ctx, range, onWindow) {
      const cfg = ctx.config.sources.aws;
      const windows = monthWindows(range, ctx.clock.now());
      const { client, endpointLabel } = createCostExplorerClient(ctx, opts);
      // The metric in force for this run: a rejected NetAmortizedCost falls back once, for all windows.
      let costMetric: string = cfg.cost_metric;
      const out: WindowResult[] = [];
      try {
        for (const w of windows) {
          const result = await ingestWindow(ctx, { source: AWS_COST_SOURCE, start: w.start, end: w.end }, async (_http, pages) => {
            const deps = fetchDeps(ctx, client, endpointLabel, pages, opts.retry);
            const request = (metric: string) => ({
              start: dayKey(w.start),
              end: dayKey(w.end),
              granularity: 'DAILY' as const,
              metrics: [...new Set(['UnblendedCost', metric, 'UsageQuantity'])],
              groupBy: [
                { Type: 'TAG' as const, Key: cfg.tag_key },
                { Type: 'DIMENSION' as const, Key: 'USAGE_TYPE' },
              ],
            });
            let responses;
            try {
              responses = await fetchCostAndUsage(deps, request(costMetric));
            } catch (err) {
              if (!(err instanceof MetricNotPermittedError) || costMetric === FALLBACK_METRIC) throw err;
              ctx.log.warn({ source: 'aws', metric: costMetric, fallback: FALLBACK_METRIC, reason: err.message }, 'cost metric not permitted for this account; falling back');
              costMetric = FALLBACK_METRIC;
              responses = await fetchCostAndUsage(deps, request(costMetric));
            }
            const facts = normalizeCostAndUsage(responses, { costMetric, deployments: ctx.config.deployments });
            ctx.log.debug(
              { source: 'aws', window: `${dayKey(w.start)}..${dayKey(w.end)}`, pages: responses.length, requests: pages.length, requestCostUsd: new Decimal(REQUEST_PRICE_USD).times(pages.length).toFixed(2) },
              'Cost Explorer window fetched',
            );
            return {
              batch: { costs: facts.costs, usage: facts.usage },
              scope: { costSource: AWS_COST_SOURCE, usageProvider: BEDROCK_PROVIDER },
              requests: pages.length,
            };
          });
          out.push(result);
          onWindow?.(result);
        }
      } finally {
        client.destroy();
      }
      return out;
    },
    async probe(ctx) {
      // One GetCostAndUsage for yesterday, no grouping: one page, $0.01 on a real account.
      const { client, endpointLabel } = createCostExplorerClient(ctx, opts);
      try {
        const today = startOfDay(ctx.clock.now());
        const pages = await fetchCostAndUsage(fetchDeps(ctx, client, endpointLabel, [], { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 }), {
          start: dayKey(addDays(today, -1)),
          end: dayKey(today),
          granularity: 'DAILY',
          metrics: ['UnblendedCost'],
          groupBy: [],
        });
        return `${endpointLabel} answered GetCostAndUsage (${pages.length} page; $${REQUEST_PRICE_USD} a request on a real account)`;
      } finally {
        client.destroy();
      }
    },
  };
}

function fetchDeps(ctx: Pick<Ctx, 'clock' | 'sleep' | 'log' | 'env'>, client: FetchDeps['client'], endpointLabel: string, pages: PageRecord[], retry?: FetchDeps['retry']): FetchDeps {
  return {
    client,
    endpointLabel,
    now: () => ctx.clock.now(),
    sleep: ctx.sleep ?? defaultSleep,
    onPage: (p) => pages.push(p),
    log: ctx.log,
    maxPages: ctx.env.BREAKEVEN_HTTP_MAX_PAGES,
    ...(retry ? { retry } : {}),
  };
}

/** The connector the registry uses: the SDK's standard credential chain. */
export const awsConnector: SourceConnector = createAwsConnector();
