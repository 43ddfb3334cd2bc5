import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeMonth } from '../../../src/compute/month.ts';
import { createTestContext, type TestCtx } from '../../helpers/db.ts';
import { SEED_MONTH, seedConfig, seedMonth } from '../../helpers/seed-month.ts';

interface Panel {
  title: string;
  datasource: { uid: string };
  targets: Array<{ rawSql: string; format: string }>;
  breakevenExpectedColumns: string[];
}
const dashboard = JSON.parse(readFileSync(new URL('../../../deploy/grafana/dashboards/breakeven.json', import.meta.url), 'utf8')) as { uid: string; panels: Panel[] };
const datasources = parseYaml(readFileSync(new URL('../../../deploy/grafana/provisioning/datasources/breakeven.yaml', import.meta.url), 'utf8')) as { datasources: Array<{ uid: string; type: string }> };

/** Grafana's $__timeFilter(col) for the seeded month, as its PostgreSQL data source expands it. */
const FROM = '2026-09-01T00:00:00Z';
const TO = '2026-10-01T00:00:00Z';
const expandMacros = (sql: string) => sql.replace(/\$__timeFilter\(([^)]+)\)/g, (_m, col: string) => `${col.trim()} BETWEEN '${FROM}' AND '${TO}'`);

let ctx: TestCtx;
let client: pg.Client;
const role = `grafana_${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  ctx = await createTestContext({ config: seedConfig });
  await seedMonth(ctx.db);
  await computeMonth(ctx, SEED_MONTH);
  // What deploy/postgres/10-grafana-role.sql does: a LOGIN role that is only breakeven_analyst.
  const admin = new pg.Client({ connectionString: ctx.testDb.url });
  await admin.connect();
  await admin.query(`create role ${role} login password 'test-only'`);
  await admin.query(`grant breakeven_analyst to ${role}`);
  await admin.end();
  const url = new URL(ctx.testDb.url);
  url.username = role;
  url.password = 'test-only';
  client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
});

afterAll(async () => {
  await client?.end();
  const admin = new pg.Client({ connectionString: ctx.testDb.url });
  await admin.connect();
  await admin.query(`drop owned by ${role}`).catch(() => {});
  await admin.end();
  await ctx?.destroy();
  const server = new pg.Client({ connectionString: ctx.testDb.url.replace(/\/[^/]*$/, '/postgres') });
  await server.connect();
  await server.query(`drop role if exists ${role}`).catch(() => {});
  await server.end();
});

describe('Grafana dashboard (deploy/grafana)', () => {
  it('every panel queries the provisioned breakeven data source', () => {
    expect(dashboard.panels.length).toBeGreaterThanOrEqual(6);
    const uid = datasources.datasources[0]!.uid;
    expect(datasources.datasources[0]!.type).toBe('grafana-postgresql-datasource');
    for (const p of dashboard.panels) expect(p.datasource.uid, p.title).toBe(uid);
  });

  it('covers spend, rate vs counterfactual, break-even distance, utilization tax, utilization and coverage', () => {
    const titles = dashboard.panels.map((p) => p.title.toLowerCase()).join('\n');
    for (const topic of ['spend by feature and architecture', 'blended rate vs counterfactual', 'break-even distance', 'utilization tax', 'gpu and token utilization', 'data coverage']) {
      expect(titles).toContain(topic);
    }
  });

  it.each(dashboard.panels.map((p) => [p.title, p] as const))('panel "%s" runs as a login role granted breakeven_analyst and returns rows with its columns', async (_title, panel) => {
    for (const t of panel.targets) {
      const r = await client.query(expandMacros(t.rawSql));
      expect(r.rows.length).toBeGreaterThan(0);
      expect(r.fields.map((f) => f.name)).toEqual(panel.breakevenExpectedColumns);
      if (t.format === 'time_series') expect(r.fields[0]!.name).toBe('time');
    }
  });

  it('the utilization tax panel shows unused capacity (§10), not only idle hours; the headline panel is the sum of recommended_saving', async () => {
    const tax = dashboard.panels.find((p) => p.title.startsWith('Utilization tax'))!;
    const rows = (await client.query(expandMacros(tax.targets[0]!.rawSql))).rows as Array<{ deployment: string; utilization_tax: string; gpu_cost: string }>;
    const util = (await client.query('select deployment, token_utilization from deployment_monthly')).rows as Array<{ deployment: string; token_utilization: number | null }>;
    let underused = 0;
    for (const r of rows) {
      const u = util.find((x) => x.deployment === r.deployment)?.token_utilization;
      if (u !== null && u !== undefined && u < 0.95 && Number(r.gpu_cost) > 0) {
        underused++;
        expect(Number(r.utilization_tax), r.deployment).toBeGreaterThan(0);
      }
    }
    expect(underused).toBeGreaterThan(0);
    const headline = dashboard.panels.find((p) => p.title.startsWith('Recommended saving'))!;
    const [h] = (await client.query(expandMacros(headline.targets[0]!.rawSql))).rows as Array<{ recommended_saving: string }>;
    const sum = (await client.query('select sum(recommended_saving)::text as s from feature_monthly')).rows[0] as { s: string };
    expect(h!.recommended_saving).toBe(sum.s);
  });
});
