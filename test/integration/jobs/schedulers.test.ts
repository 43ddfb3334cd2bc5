import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerSchedulers } from '../../../jobs/schedules.ts';
import { queueStatus } from '../../../jobs/status.ts';
import { jobOptions } from '../../../jobs/queues.ts';
import { startWorkers, type WorkersHandle } from '../../../jobs/workers.ts';
import { fixedClock } from '../../../src/clock.ts';
import type { StepName } from '../../../src/pipeline/steps.ts';
import { createTestContext, exampleConfig, type TestCtx } from '../../helpers/db.ts';
import { redisUrl } from '../../helpers/env.ts';
import { adminRedis, deletePrefix, testPrefix, waitFor } from './helpers/redis.ts';

const prefix = testPrefix();
let ctx: TestCtx;
let workers: WorkersHandle;
let admin: Redis;
const calls: Array<{ name: StepName; payload: Record<string, unknown> }> = [];

beforeAll(async () => {
  const config = structuredClone(exampleConfig());
  config.schedule = { timezone: 'Europe/Berlin', ingest_cron: '*/1 * * * * *', report_cron: '*/1 * * * * *' };
  config.sources.openai = { ...config.sources.openai, enabled: true, lookback_days: 3 };
  config.sources.anthropic = { ...config.sources.anthropic, enabled: false };
  config.sources.prometheus = { ...config.sources.prometheus, enabled: false };
  config.sources.opencost = { ...config.sources.opencost, enabled: false };
  config.report.recipients = ['finops@example.com'];
  ctx = await createTestContext({ config, clock: fixedClock('2026-11-05T12:00:00Z') });
  admin = adminRedis();
  workers = await startWorkers(ctx, {
    redisUrl: redisUrl(),
    prefix,
    retry: { attempts: 1, backoffMs: 50 },
    runStep: async (_c, name, payload) => {
      calls.push({ name, payload: payload as Record<string, unknown> });
      return { rows: 0, requests: 0 };
    },
  });
});

afterAll(async () => {
  await workers?.close({ graceMs: 5_000 });
  await deletePrefix(admin, prefix);
  admin.disconnect();
  await ctx?.destroy();
});

const schedulerIds = async (queue: string) => (await workers.queues.get(queue).getJobSchedulers(0, -1, true)).map((s) => `${s.key} ${s.pattern} ${s.tz}`).sort();

describe('job schedulers', () => {
  it('registers one scheduler per enabled source, the AWS month close and the monthly report; registering again leaves one of each', async () => {
    await registerSchedulers(ctx, workers.queues);
    await registerSchedulers(ctx, workers.queues);
    expect(await schedulerIds('ingest-openai')).toEqual(['plan-ingest:openai */1 * * * * * Europe/Berlin']);
    expect(await schedulerIds('ingest-aws')).toEqual(['month-close:aws 45 3 1-10 * * Europe/Berlin', 'plan-ingest:aws */1 * * * * * Europe/Berlin']);
    expect(await schedulerIds('ingest-anthropic')).toEqual([]);
    expect(await schedulerIds('report')).toEqual(['monthly-report */1 * * * * * Europe/Berlin']);
    const status = await queueStatus(redisUrl(), { prefix });
    const next = status.queues.find((q) => q.name === 'report')!.schedulers[0]!;
    expect(next).toMatchObject({ id: 'monthly-report', jobName: 'monthly-report', pattern: '*/1 * * * * *', tz: 'Europe/Berlin' });
    expect(Math.abs(Date.parse(next.next!) - Date.now())).toBeLessThan(5_000);
  });

  it('fires the daily ingest with its window computed at run time from the watermark and the lookback', async () => {
    // No watermark yet: from the start of last month to today (whole days).
    await waitFor('a scheduled openai ingest', async () => calls.find((c) => c.name === 'ingest' && c.payload.source === 'openai'));
    expect(calls.find((c) => c.name === 'ingest' && c.payload.source === 'openai')!.payload).toEqual({ source: 'openai', from: '2026-10-01', to: '2026-11-05' });
    await ctx.db.insertInto('sync_state').values({ source: 'openai', watermark: new Date('2026-11-04T00:00:00Z') }).execute();
    const next = await waitFor('an ingest re-reading the lookback', async () => calls.find((c) => c.name === 'ingest' && c.payload.from === '2026-11-01'));
    expect(next.payload).toEqual({ source: 'openai', from: '2026-11-01', to: '2026-11-05' });
    // A disabled source is not scheduled.
    expect(calls.some((c) => c.payload.source === 'anthropic')).toBe(false);
  });

  it("fires the monthly report: compute → report → deliver of last month, in that order", async () => {
    await waitFor('a delivered report', async () => calls.find((c) => c.name === 'deliver'));
    const flow = calls.filter((c) => c.name !== 'ingest').slice(0, 3);
    expect(flow).toEqual([
      { name: 'compute', payload: { month: '2026-10' } },
      { name: 'report', payload: { month: '2026-10' } },
      { name: 'deliver', payload: { month: '2026-10' } },
    ]);
  });

  it('re-pulls last month for AWS while its bill may be restated (until the 10th)', async () => {
    const q = workers.queues.get('ingest-aws');
    const job = await q.add('month-close', { source: 'aws' }, jobOptions({ attempts: 1, backoffMs: 50 }));
    await waitFor('the month-close job', async () => (await q.getJobState(job.id!)) === 'completed');
    expect((await q.getJob(job.id!))!.returnvalue).toMatchObject({ source: 'aws', from: '2026-10-01', to: '2026-11-01' });
  });
});
