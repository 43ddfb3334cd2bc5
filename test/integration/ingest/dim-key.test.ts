import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { usageDimKey, writeFacts } from '../../../src/ingest/upsert.ts';
import { createTestContext, type TestCtx } from '../../helpers/db.ts';

// The write path spells a usage dimension's key in JS; the migration spelled existing rows' keys in SQL
// (json_build_array(...)::text). They must agree byte for byte, or one grouping would get two dimensions.
let ctx: TestCtx;
beforeAll(async () => {
  ctx = await createTestContext({});
});
afterAll(async () => {
  await ctx?.destroy();
});

describe('usageDimKey', () => {
  it.each([
    ['plain', { provider: 'openai', project_id: 'proj_1', model: 'gpt-4o', service_tier: 'default', batch: false }],
    ['nulls and a true batch', { provider: 'anthropic', account: 'org-2', api_key_id: null, workspace_id: null, batch: true, context_window: '0-200k' }],
    ['quotes, backslashes, control characters, unicode', { provider: 'openai', project_id: 'a"b\\c\nd\te\u0001f', model: 'mödel ✓ \u2028 x', workspace_id: 'comma, separated' }],
  ])('%s: the same spelling as Postgres json_build_array', async (_what, r) => {
    const d = { account: 'default', project_id: null, api_key_id: null, workspace_id: null, model: null, service_tier: null, batch: null, context_window: null, ...r };
    const pg = await sql<{ k: string }>`select json_build_array(${d.provider}::text, ${d.account}::text, ${d.project_id}::text, ${d.api_key_id}::text,
      ${d.workspace_id}::text, ${d.model}::text, ${d.service_tier}::text, ${d.batch}::boolean, ${d.context_window}::text)::text as k`.execute(ctx.db);
    expect(usageDimKey(d)).toBe(pg.rows[0]!.k);
  });
});

describe('usage write path', () => {
  const hourAt = (n: number) => new Date(Date.UTC(2026, 4, 1, n));
  const row = (key: string, h: number, extra: Record<string, unknown> = {}) => ({
    provider: 'openai', project_id: 'proj_w', api_key_id: key, model: 'gpt-4o-mini', service_tier: 'default', batch: false,
    bucket_start: hourAt(h), bucket_end: hourAt(h + 1), uncached_input_tokens: 100, output_tokens: 10, requests: 1, ...extra,
  });
  const facts = async () => Number((await sql<{ n: string }>`select count(*) as n from usage_facts where project_id = 'proj_w'`.execute(ctx.db)).rows[0]!.n);

  it('gives one grouping one dimension across batches, and facts reference it', async () => {
    await writeFacts(ctx.db, ctx.config, { usage: [row('k1', 0), row('k2', 0), row('k1', 1)] });
    await writeFacts(ctx.db, ctx.config, { usage: [row('k1', 2), row('k3', 2)] });
    const dims = await sql<{ api_key_id: string; n: string }>`
      select d.api_key_id, count(f.*) as n from usage_dims d join usage_facts f using (dim_id)
       where d.project_id = 'proj_w' group by 1 order by 1`.execute(ctx.db);
    expect(dims.rows.map((r) => [r.api_key_id, Number(r.n)])).toEqual([['k1', 3], ['k2', 1], ['k3', 1]]);
  });

  it('refuses a batch with one natural key twice, or a bucket that is empty, reversed, too long or not a date, writing nothing', async () => {
    const before = await facts();
    await expect(writeFacts(ctx.db, ctx.config, { usage: [row('k9', 5), row('k9', 5)] })).rejects.toThrow(/duplicate natural key in one batch: .*"k9".*2026-05-01T05:00:00.000Z/);
    await expect(writeFacts(ctx.db, ctx.config, { usage: [row('k9', 6), row('k9', 7, { bucket_end: hourAt(7) })] })).rejects.toThrow(/usage row 1 of openai gpt-4o-mini: bucket 2026-05-01T07:00:00.000Z → 2026-05-01T07:00:00.000Z must end after it starts/);
    await expect(writeFacts(ctx.db, ctx.config, { usage: [row('k9', 6, { bucket_end: new Date(Date.UTC(2026, 6, 1)) })] })).rejects.toThrow(/span at most 31 days/);
    await expect(writeFacts(ctx.db, ctx.config, { usage: [row('k9', 6, { bucket_start: 'yesterday' })] })).rejects.toThrow(/bucket "yesterday" \(not a date\)/);
    expect(await facts()).toBe(before);
  });

  it('marks every month a re-pulled window touches as stale, not only its first and last', async () => {
    await sql`update rollup_state set activity_stale = false`.execute(ctx.db);
    const jan = { ...row('k1', 0), bucket_start: new Date(Date.UTC(2026, 0, 10)), bucket_end: new Date(Date.UTC(2026, 0, 10, 1)) };
    const mar = { ...row('k1', 0), bucket_start: new Date(Date.UTC(2026, 2, 10)), bucket_end: new Date(Date.UTC(2026, 2, 10, 1)) };
    await writeFacts(ctx.db, ctx.config, { usage: [jan, mar] }, { start: new Date(Date.UTC(2026, 0, 1)), end: new Date(Date.UTC(2026, 3, 1)), usageProvider: 'openai' });
    const stale = await sql<{ m: string }>`select to_char(month, 'YYYY-MM') as m from rollup_state where activity_stale order by 1`.execute(ctx.db);
    expect(stale.rows.map((r) => r.m)).toEqual(['2026-01', '2026-02', '2026-03']);
  });
});

