import { SOURCES } from '../src/sources/registry.ts';
import { Decimal } from 'decimal.js';
import { Counter, Gauge, Registry } from 'prom-client';
import type { Ctx } from '../src/context.ts';
import type { QueueSet } from './enqueue.ts';
import { QUEUE_NAMES } from './queues.ts';
import { registerAlertMetrics } from './alert-metrics.ts';


export interface WorkerMetrics {
  registry: Registry;
  jobs: Counter<'queue' | 'outcome'>;
  rowsIngested: Counter<'source'>;
  vendorRequests: Counter<'source'>;
}

/**
 * One registry per worker process (no global default registry: tests start several in one
 * process). Counters count this process's work; the gauges are read at scrape time from the
 * shared state (sync_state and the queues), so every worker reports the same fleet-wide values.
 */
export function createWorkerMetrics(ctx: Ctx, queues: QueueSet): WorkerMetrics {
  const registry = new Registry();
  const jobs = new Counter({ name: 'breakeven_jobs_total', help: 'Jobs finished by this worker, by queue and outcome (completed, failed, retried)', labelNames: ['queue', 'outcome'] as const, registers: [registry] });
  const rowsIngested = new Counter({ name: 'breakeven_rows_ingested_total', help: 'Fact rows written by ingest jobs of this worker', labelNames: ['source'] as const, registers: [registry] });
  const vendorRequests = new Counter({ name: 'breakeven_vendor_requests_total', help: 'Vendor API requests made by ingest jobs of this worker', labelNames: ['source'] as const, registers: [registry] });

  new Gauge({
    name: 'breakeven_queue_jobs',
    help: 'Jobs per queue and state',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const name of QUEUE_NAMES) {
        const counts = await queues.get(name).getJobCounts();
        for (const [state, n] of Object.entries(counts)) this.set({ queue: name, state }, n);
      }
    },
  });

  const syncState = async () =>
    ctx.db.selectFrom('sync_state').select(['source', 'watermark', 'requests_total']).execute();

  new Gauge({
    name: 'breakeven_ingest_lag_seconds',
    help: 'Now minus the ingest watermark (end of the last committed window), per source',
    labelNames: ['source'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const now = ctx.clock.now().getTime();
      const oldest = new Map<string, number>();
      for (const r of await syncState()) {
        if (!r.watermark) continue;
        const lag = (now - new Date(r.watermark).getTime()) / 1000;
        oldest.set(r.source, Math.max(oldest.get(r.source) ?? lag, lag));
      }
      for (const [source, lag] of oldest) this.set({ source }, lag);
    },
  });

  new Gauge({
    name: 'breakeven_vendor_requests_recorded',
    help: 'Vendor API requests recorded in sync_state since the first run (all workers), per source',
    labelNames: ['source'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const [source, n] of sumBySource(await syncState())) this.set({ source }, n.toNumber());
    },
  });

  new Gauge({
    name: 'breakeven_cost_explorer_spend_usd',
    help: 'What our AWS Cost Explorer requests have cost: recorded requests x $0.01',
    registers: [registry],
    async collect() {
      // Sources that charge per request (Cost Explorer: $0.01 a page), from their descriptors.
      let usd = new Decimal(0);
      for (const [source, n] of sumBySource(await syncState())) {
        const price = (SOURCES as Record<string, { requestCostUsd?: string } | undefined>)[source]?.requestCostUsd;
        if (price) usd = usd.add(n.mul(price));
      }
      this.set(usd.toNumber());
    },
  });

  registerAlertMetrics(ctx, registry);
  return { registry, jobs, rowsIngested, vendorRequests };
}

function sumBySource(rows: Array<{ source: string; requests_total: string }>): Map<string, Decimal> {
  const out = new Map<string, Decimal>();
  for (const r of rows) out.set(r.source, (out.get(r.source) ?? new Decimal(0)).add(r.requests_total));
  return out;
}
