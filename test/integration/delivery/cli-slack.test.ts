import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportFixture } from '../../factories/report-fixture.ts';
import { seedReportFixture } from '../../factories/seed-report.ts';
import { createTestContext, type TestCtx } from '../../helpers/db.ts';
import { startWebhookSink } from '../../helpers/webhook-sink.ts';

const run = promisify(execFile);
const BIN = new URL('../../../bin/breakeven.js', import.meta.url).pathname;
const EXAMPLE = new URL('../../../breakeven.config.example.yaml', import.meta.url).pathname;

let ctx: TestCtx;
let hook: Awaited<ReturnType<typeof startWebhookSink>>;
let dir: string;
let config: string;

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, DATABASE_URL: ctx.testDb.url, SLACK_WEBHOOK_URL: hook.url, LOG_LEVEL: 'info', SMTP_URL: '', REPORT_TO: '' };
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env, cwd: dir, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  hook = await startWebhookSink();
  ctx = await createTestContext();
  await seedReportFixture(ctx.db, reportFixture());
  dir = await mkdtemp(join(tmpdir(), 'bk-slack-'));
  config = join(dir, 'breakeven.config.yaml');
  // The example config with Slack as the only channel.
  const yaml = (await readFile(EXAMPLE, 'utf8')).replace('  recipients: [finops@example.com]\n', '  recipients: [finops@example.com]\n  channels: [{ type: slack }]\n');
  await writeFile(config, yaml);
});
afterAll(async () => {
  await ctx?.destroy();
  await hook?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('breakeven report --send with a slack channel', () => {
  it('posts to the webhook once; a second --send skips it; the URL is never printed or logged', async () => {
    const first = await cli(['report', '--month', '2026-10', '--send', '--config', config, '--out', join(dir, 'out')]);
    expect(first.stderr).not.toContain('breakeven: ');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/sent to slack webhook:[0-9a-f]{12} \(slack:[0-9a-f]{16}\)/);
    expect(hook.posts).toHaveLength(1);
    const second = await cli(['report', '--month', '2026-10', '--send', '--config', config, '--out', join(dir, 'out')]);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/skipped slack webhook:[0-9a-f]{12}: already sent/);
    expect(hook.posts).toHaveLength(1);
    for (const out of [first, second]) expect(out.stdout + out.stderr).not.toContain('secret-token');
  });
});
