import { describe, expect, it } from 'vitest';
import { UnrecoverableError } from 'bullmq';
import { z } from 'zod';
import { escapeHtml, renderDashboard } from '../../../jobs/dashboard.ts';
import { isRetryable, toJobError } from '../../../jobs/errors.ts';
import { incrementalWindow, monthCloseWindow, reportMonthFor, schedulerSpecs } from '../../../jobs/schedules.ts';
import { ConfigError, SourceHttpError, SourceSchemaError } from '../../../src/errors.ts';
import { exampleConfig } from '../../helpers/db.ts';

describe('scheduled windows', () => {
  const now = new Date('2026-11-05T02:15:00Z');
  it('re-reads the lookback before the watermark, up to today (whole days)', () => {
    expect(incrementalWindow({ watermark: new Date('2026-11-04T00:00:00Z'), lookbackDays: 3, now })).toEqual({ from: '2026-11-01', to: '2026-11-05' });
    expect(incrementalWindow({ watermark: new Date('2026-11-04T13:00:00Z'), lookbackDays: 0, now })).toEqual({ from: '2026-11-04', to: '2026-11-05' });
  });
  it('starts a first run at the beginning of last month, and skips when there is nothing new', () => {
    expect(incrementalWindow({ watermark: null, lookbackDays: 3, now })).toEqual({ from: '2026-10-01', to: '2026-11-05' });
    expect(incrementalWindow({ watermark: new Date('2026-11-06T00:00:00Z'), lookbackDays: 0, now })).toBeNull();
  });
  it('re-pulls last month for AWS until the 10th only', () => {
    expect(monthCloseWindow(new Date('2026-01-10T23:00:00Z'))).toEqual({ from: '2025-12-01', to: '2026-01-01' });
    expect(monthCloseWindow(new Date('2026-01-11T00:00:00Z'))).toBeNull();
  });
  it('reports the last full month', () => {
    expect(reportMonthFor(new Date('2026-01-02T07:00:00Z'))).toBe('2025-12');
  });
  it('schedules enabled sources only, with stable ids and the configured cron and time zone', () => {
    const config = structuredClone(exampleConfig());
    config.sources.anthropic = { ...config.sources.anthropic, enabled: false };
    config.sources.aws = { ...config.sources.aws, enabled: false };
    config.schedule = { timezone: 'America/New_York', ingest_cron: '0 3 * * *', report_cron: '0 8 3 * *' };
    const { wanted, unwanted } = schedulerSpecs(config);
    expect(wanted.map((s) => `${s.queue} ${s.id} ${s.pattern} ${s.tz}`)).toEqual([
      'ingest-openai plan-ingest:openai 0 3 * * * America/New_York',
      'ingest-prometheus plan-ingest:prometheus 0 3 * * * America/New_York',
      'ingest-opencost plan-ingest:opencost 0 3 * * * America/New_York',
      'report monthly-report 0 8 3 * * America/New_York',
    ]);
    expect(unwanted.map((u) => u.id)).toEqual(['plan-ingest:anthropic', 'plan-ingest:aws', 'month-close:aws']);
  });
});

describe('job errors', () => {
  it('fails at once for what a retry cannot fix, retries the rest', () => {
    expect(isRetryable(new SourceHttpError('openai', 'https://x/v1', 401, 'bad key'))).toBe(false);
    expect(isRetryable(new SourceHttpError('openai', 'https://x/v1', 429, 'slow down', true))).toBe(true);
    expect(isRetryable(new SourceHttpError('openai', 'https://x/v1', 0, 'ECONNRESET', true))).toBe(true);
    expect(isRetryable(new ConfigError('no key'))).toBe(false);
    expect(isRetryable(new SourceSchemaError('aws', 'https://x', 'missing field', '{}'))).toBe(false);
    expect(isRetryable(z.object({ a: z.string() }).safeParse({}).error)).toBe(false);
    expect(isRetryable(new Error('Connection terminated unexpectedly'))).toBe(true);
  });
  it('wraps a non-retryable error in UnrecoverableError, keeping its message', () => {
    const e = toJobError(new ConfigError('openai: OPENAI_ADMIN_KEY is not set'));
    expect(e).toBeInstanceOf(UnrecoverableError);
    expect(e.message).toBe('ConfigError: openai: OPENAI_ADMIN_KEY is not set');
    const r = new Error('deadlock detected');
    expect(toJobError(r)).toBe(r);
  });
});

describe('dashboard', () => {
  it('escapes every value that came from Redis', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    const html = renderDashboard(
      { prefix: 'p', queues: [{ name: 'compute', counts: { failed: 1 }, failed: [{ id: 'compute:all:2026-01', name: 'compute', window: '2026-01', reason: '<img src=x onerror=alert(1)>', attemptsMade: 1, failedAt: null }], schedulers: [] }] },
      new Date('2026-01-01T00:00:00Z'),
    );
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain('<img');
  });
});
