import { describe, expect, it } from 'vitest';
import { priceUsage } from '../../../src/prices/catalog.ts';
import { buildRetirementTable, retirementFor } from '../../../src/prices/lifecycle.ts';
import { SHIPPED_RETIREMENTS } from '../../../src/prices/lifecycle-data.ts';
import { parseOpenaiShutdowns, shutdownDate } from '../../../src/sources/openai/models.ts';
import { exampleConfig } from '../../helpers/db.ts';

describe('retirementFor', () => {
  it('knows the December 2026 OpenAI shutdowns: retired at the month, retiring within 60 days', () => {
    expect(retirementFor('gpt-5', 'openai', '2026-11')).toMatchObject({ status: 'retiring', date: '2026-12-11' });
    expect(retirementFor('gpt-5', 'openai', '2026-12')).toMatchObject({ status: 'retired', date: '2026-12-11' });
  });

  it('counts the window from the end of the report month', () => {
    // October ends 2026-11-01; +60 days = 2026-12-31: the 2026-12-11 shutdown is within, 2027-01-14 is not.
    expect(retirementFor('o3', 'openai', '2026-10', 60)).toMatchObject({ status: 'retiring' });
    expect(retirementFor('gpt-4o', 'openai', '2026-10', 60)).toBeNull();
    expect(retirementFor('gpt-4o', 'openai', '2026-11', 60)).toMatchObject({ status: 'retiring', date: '2027-01-14' });
    expect(retirementFor('gpt-4o', 'openai', '2026-11', 0)).toBeNull();
    expect(retirementFor('gpt-4o', 'openai', '2027-01')).toMatchObject({ status: 'retired' });
  });

  it('matches dated snapshots and provider prefixes, never a longer family name', () => {
    expect(retirementFor('gpt-4o-2024-08-06', 'openai', '2027-02')).toMatchObject({ status: 'retired', matched: 'gpt-4o' });
    expect(retirementFor('gpt-4o-mini-2024-07-18', 'openai', '2027-02')).toMatchObject({ matched: 'gpt-4o-mini' });
    expect(retirementFor('openai/gpt-4.1-mini', 'openai', '2027-02')).toMatchObject({ matched: 'gpt-4.1-mini' });
    expect(retirementFor('gpt-4.1-nano', 'openai', '2027-02')).toBeNull();
    expect(retirementFor('gpt-5.4-mini', 'openai', '2027-02')).toBeNull();
    expect(retirementFor('gpt-5-mini', 'openai', '2027-02')).toBeNull();
  });

  it('knows claude-sonnet-4 retired on 2026-06-15 with Sonnet 4.6 as the successor; not on Bedrock', () => {
    expect(retirementFor('claude-sonnet-4-20250514', 'anthropic', '2026-11')).toEqual({ status: 'retired', date: '2026-06-15', successor: 'claude-sonnet-4-6', origin: 'shipped', matched: 'claude-sonnet-4' });
    expect(retirementFor('claude-sonnet-4-20250514', 'anthropic', '2026-05')).toMatchObject({ status: 'retiring' });
    expect(retirementFor('claude-sonnet-4-20250514', 'anthropic', '2026-03')).toBeNull();
    expect(retirementFor('claude-sonnet-4-5', 'anthropic', '2026-11')).toBeNull();
    expect(retirementFor('anthropic.claude-sonnet-4-20250514-v1:0', 'aws-bedrock', '2026-11')).toBeNull();
  });

  it('lets config and /v1/models replace shipped entries (config wins), and handles unknown dates', () => {
    const config = exampleConfig();
    config.models.retirements = [
      { provider: 'openai', model: 'gpt-4.1', date: '2027-03-01', successor: 'gpt-5.4' },
      { provider: 'anthropic', model: 'claude-3-5-haiku', successor: 'claude-haiku-4-5' },
    ];
    const table = buildRetirementTable({ config, apiShutdowns: [{ provider: 'openai', model: 'gpt-4.1', date: '2027-02-01', origin: 'OpenAI /v1/models' }, { provider: 'openai', model: 'gpt-4o', date: '2027-02-15', origin: 'OpenAI /v1/models' }] });
    expect(retirementFor('gpt-4.1', 'openai', '2027-01', 60, table)).toMatchObject({ status: 'retiring', date: '2027-03-01', successor: 'gpt-5.4', origin: 'config' });
    expect(retirementFor('gpt-4o', 'openai', '2027-01', 60, table)).toMatchObject({ date: '2027-02-15', origin: 'OpenAI /v1/models' });
    expect(retirementFor('claude-3-5-haiku-20241022', 'anthropic', '2024-01', 60, table)).toMatchObject({ status: 'retired', date: null, successor: 'claude-haiku-4-5' });
  });

  it('refuses a malformed month or window', () => {
    expect(() => retirementFor('gpt-5', 'openai', '2026-13')).toThrow(/asOfMonth must be YYYY-MM/);
    expect(() => retirementFor('gpt-5', 'openai', '2026-11', -1)).toThrow(/windowDays/);
  });

  it('ships successors and example-config comparators the price catalog can price', () => {
    const M = 1_000_000;
    const priced = (provider: string, model: string) =>
      priceUsage({ provider, model, at: new Date('2026-11-15T00:00:00Z'), uncachedInputTokens: M, cacheReadTokens: 0, cacheWriteTokens: 0, outputTokens: M }, exampleConfig()).priced;
    for (const r of SHIPPED_RETIREMENTS) if (r.successor) expect(priced(r.provider, r.successor), `${r.provider}:${r.successor}`).toBe(true);
    for (const f of exampleConfig().features) {
      const c = f.counterfactual;
      if (c.api_model) {
        expect(priced(c.api_provider!, c.api_model), c.api_model).toBe(true);
        expect(retirementFor(c.api_model, c.api_provider!, '2026-11'), `${f.name} compares against a retiring model`).toBeNull();
      }
      // An API feature's successor is on the provider it runs on (its rules' source).
      if (c.successor) expect(priced(c.successor_provider ?? c.api_provider ?? f.rules[0]!.source, c.successor), c.successor).toBe(true);
    }
  });
});

describe('OpenAI /v1/models shutdown_date', () => {
  it('reads dates tolerantly and never guesses an unreadable one', () => {
    const r = parseOpenaiShutdowns({
      object: 'list',
      data: [
        { id: 'gpt-4o', object: 'model', created: 1715367049, owned_by: 'system', shutdown_date: '2027-01-14' },
        { id: 'o3', object: 'model', shutdown_date: 1796947200 },
        { id: 'gpt-5', shutdown_date: '2026-12-11T00:00:00Z' },
        { id: 'gpt-5.4', object: 'model' },
        { id: 'weird', shutdown_date: 'soon' },
        { id: 'none', shutdown_date: null },
      ],
    });
    expect(r.shutdowns).toEqual([
      { model: 'gpt-4o', date: '2027-01-14' },
      { model: 'o3', date: '2026-12-11' },
      { model: 'gpt-5', date: '2026-12-11' },
    ]);
    expect(r.unreadable).toEqual([{ model: 'weird', value: 'soon' }]);
    expect(r.undated).toEqual(['gpt-5.4', 'none']);
    expect(shutdownDate('1796947200')).toBe('2026-12-11');
    expect(() => parseOpenaiShutdowns({ data: 'x' })).toThrow();
  });
});
