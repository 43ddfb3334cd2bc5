import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const M = 1_000_000;

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/breakeven.js', ...args], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'silent' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function json(args: string[]): Promise<any> {
  const r = await run([...args, '--json']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}

describe.concurrent('breakeven calc (CLI)', () => {
  it.each([
    ['1.50', '1500', 0.28, 0.36],
    ['3.50', '700', 1.39, 1.81],
    ['96', '1200', 22.22, 28.89],
  ])('selfhost --gpu-hourly %s --tps %s → %s / %s (COST-MODEL §2)', async (gpu, tps, before, after) => {
    const out = await json(['calc', 'selfhost', '--gpu-hourly', gpu, '--tps', tps]);
    expect(out.rounded).toEqual({ beforeOverhead: before, afterOverhead: after });
    expect(out.overhead).toBe(0.3);
  });

  it('selfhost --utilization scales effective tok/s', async () => {
    const out = await json(['calc', 'selfhost', '--gpu-hourly', '1.50', '--tps', '3000', '--utilization', '0.5', '--overhead', '0']);
    expect(out.effectiveTokensPerSecond).toBe(1500);
    expect(out.rounded).toEqual({ beforeOverhead: 0.28, afterOverhead: 0.28 });
  });

  it.each([
    ['10', 540 * M, 'capacity'],
    ['2.50', 2160 * M, 'capacity'],
    ['3.20', 1687.5 * M, 'capacity'],
    ['0.075', 72_000 * M, 'price'],
  ])('breakeven at %s/1M on the §5 node: simple %s, never with capacity, %s binds', async (price, simple, binding) => {
    const out = await json(['calc', 'breakeven', '--monthly-fixed', '5400', '--api-price', price, '--tps', '150', '--hours', '720']);
    expect(out.capacityPerReplicaMonth).toBe(388.8 * M);
    expect(out.simpleVolume).toBeCloseTo(simple, 0);
    expect(out.steppedVolume).toBeNull();
    expect(out.binding).toBe(binding);
    expect(out.selfCostPer1MAtFullCapacity).toBeCloseTo(13.889, 3);
    expect(out.inputs).toEqual({ monthlyFixed: 5400, apiPricePer1M: Number(price), tps: 150, utilization: 1, hoursInMonth: 720 });
  });

  it('breakeven without --tps gives the simple reading only', async () => {
    const out = await json(['calc', 'breakeven', '--monthly-fixed', '5400', '--api-price', '10']);
    expect(out.capacityPerReplicaMonth).toBeNull();
    expect(out.steppedVolume).toBeCloseTo(540 * M, 0);
    expect(out.binding).toBe('volume');
  });

  it('kv: 524,288 B per token, 4 GiB per 8,192-token session (COST-MODEL §3)', async () => {
    const out = await json(['calc', 'kv', '--layers', '32', '--kv-heads', '32', '--head-dim', '128', '--sessions', '10']);
    expect(out).toMatchObject({ bytesPerToken: 524_288, context: 8192, bytesPerSession: 4 * 1024 ** 3, gibPerSession: 4, sessions: 10, gibTotal: 40 });
  });

  it('human output is an aligned table', async () => {
    const r = await run(['calc', 'selfhost', '--gpu-hourly', '3.50', '--tps', '700']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[2]).toMatch(/^per 1M before overhead\s+1\.39$/);
    expect(lines[3]).toMatch(/^per 1M with 30 % overhead\s+1\.81$/);
    // every value starts in the same column
    const starts = lines.map((l) => l.match(/^(.*?\S)\s{2,}/)![0].length);
    expect(new Set(starts).size).toBe(1);
  });

  it.each([
    [['calc', 'selfhost', '--gpu-hourly', 'abc', '--tps', '700'], '--gpu-hourly'],
    [['calc', 'selfhost', '--gpu-hourly', '1', '--tps', '0'], '--tps'],
    [['calc', 'selfhost', '--gpu-hourly', '1', '--tps', '10', '--utilization', '1.5'], '--utilization'],
    [['calc', 'breakeven', '--monthly-fixed', '-5', '--api-price', '1'], '--monthly-fixed'],
    [['calc', 'kv', '--layers', '32.5', '--kv-heads', '8', '--head-dim', '128'], '--layers'],
  ])('bad numbers exit 2 naming the flag: %j', async (args, flag) => {
    const r = await run([...args, '--json']);
    expect(r.code).toBe(2);
    // With --json the failure is JSON on stdout too, and the same line on stderr.
    const out = JSON.parse(r.stdout) as { error: string; exit_code: number };
    expect(out.exit_code).toBe(2);
    expect(out.error).toContain(flag);
    expect(r.stderr).toBe(`breakeven: ${out.error}\n`);
  });

  it('a missing required flag is a usage error (exit 2)', async () => {
    const r = await run(['calc', 'kv', '--layers', '32']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--kv-heads');
  });
});
