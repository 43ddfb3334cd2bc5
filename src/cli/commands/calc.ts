import type { Command } from 'commander';
import { withGlobalOptions, runCommand, type CommandIO, type GlobalOptions } from '../output.ts';
import { ConfigError } from '../../errors.ts';
import { selfHostedCostPer1M } from '../../model/selfhost.ts';
import { breakEven } from '../../model/break-even.ts';
import { GIB, kvBytesPerToken } from '../../model/kv.ts';
import { roundCents, roundTo } from '../../model/num.ts';
import { formatTokens } from '../../model/format.ts';

/** Defaults of the calculators (no config is read: they work on a fresh clone without a database). */
const DEFAULT_OVERHEAD = 0.3; // COST-MODEL §1: middle of the commonly observed 20–40 %
const DEFAULT_HOURS = 730; // 8,760 h ÷ 12: an average month; §5's worked example passes --hours 720
const DEFAULT_CONTEXT = 8192;

export function registerCalc(program: Command): void {
  const calc = withGlobalOptions(program.command('calc').description('pure calculators: self-hosted unit cost, break-even, KV-cache memory'));

  withGlobalOptions(
    calc
      .command('selfhost')
      .description('cost per 1M tokens of self-hosted capacity, before and after overhead')
      .requiredOption('--gpu-hourly <cost>', 'GPU (replica) cost per hour')
      .requiredOption('--tps <tokens>', 'sustained tokens/s of that capacity, all streams')
      .option('--overhead <fraction>', 'overhead on GPU cost (0.30 = 30 %)', String(DEFAULT_OVERHEAD))
      .option('--utilization <fraction>', 'share of --tps actually achieved (effective tok/s = tps × utilization)', '1'),
  ).action((_opts, cmd: Command) => {
    const opts = cmd.optsWithGlobals();
    return runCommand(opts as GlobalOptions, async (io) => {
      const gpuHourly = parseNumber('--gpu-hourly', opts.gpuHourly, { min: 0 });
      const tps = parseNumber('--tps', opts.tps, { gt: 0 });
      const overhead = parseNumber('--overhead', opts.overhead, { min: 0 });
      const utilization = parseNumber('--utilization', opts.utilization, { gt: 0, max: 1 });
      const effective = tps * utilization;
      const cost = selfHostedCostPer1M({ gpuHourly, tokensPerSecond: effective, overhead });
      const rounded = { beforeOverhead: roundCents(cost.beforeOverhead), afterOverhead: roundCents(cost.afterOverhead) };
      printTable(io, [
        ['GPU cost per hour', gpuHourly.toFixed(2)],
        ['effective tokens/s', `${fmtNumber(effective)}${utilization < 1 ? ` (${fmtNumber(tps)} × ${utilization})` : ''}`],
        ['per 1M before overhead', rounded.beforeOverhead.toFixed(2)],
        [`per 1M with ${roundTo(overhead * 100, 2)} % overhead`, rounded.afterOverhead.toFixed(2)],
      ]);
      return { gpuHourly, tokensPerSecond: tps, utilization, effectiveTokensPerSecond: effective, overhead, costPer1M: cost, rounded };
    });
  });

  withGlobalOptions(
    calc
      .command('breakeven')
      .description('break-even tokens/month of a fixed monthly cost against an API price per 1M tokens')
      .requiredOption('--monthly-fixed <cost>', 'fixed monthly cost of one deployment (all-in)')
      .requiredOption('--api-price <per1M>', 'API price per 1M tokens')
      .option('--tps <tokens>', 'sustained tokens/s of the deployment (omit to ignore capacity)')
      .option('--utilization <fraction>', 'max utilization of the deployment', '1')
      .option('--hours <hours>', 'hours in the month', String(DEFAULT_HOURS)),
  ).action((_opts, cmd: Command) => {
    const opts = cmd.optsWithGlobals();
    return runCommand(opts as GlobalOptions, async (io) => {
      const monthlyFixed = parseNumber('--monthly-fixed', opts.monthlyFixed, { min: 0 });
      const apiPrice = parseNumber('--api-price', opts.apiPrice, { min: 0 });
      const tps = opts.tps === undefined ? null : parseNumber('--tps', opts.tps, { gt: 0 });
      const utilization = parseNumber('--utilization', opts.utilization, { gt: 0, max: 1 });
      const hours = parseNumber('--hours', opts.hours, { gt: 0, max: 744 });
      const r = breakEven({ replicaMonthCost: monthlyFixed, overhead: 0, opsFixed: 0, tps, maxUtilization: utilization, hoursInMonth: hours, apiPricePer1M: apiPrice });
      const tokens = (v: number | null) => (v === null ? 'never' : `${formatTokens(v)} (${fmtNumber(Math.ceil(v))})`);
      printTable(io, [
        ['capacity of one deployment', r.capacityPerReplicaMonth === null ? 'not checked (no --tps)' : `${tokens(r.capacityPerReplicaMonth)} tokens/month`],
        ['break-even, simple (ignores capacity)', r.simpleVolume === null ? 'never' : `${tokens(r.simpleVolume)} tokens/month`],
        ['break-even with capacity steps', r.steppedVolume === null ? 'never' : `${tokens(r.steppedVolume)} tokens/month`],
        ['self-hosted per 1M at full capacity', r.selfCostPer1MAtFullCapacity === null ? '–' : roundCents(r.selfCostPer1MAtFullCapacity).toFixed(2)],
        ['binding constraint', r.binding],
        ['verdict', r.verdict],
      ]);
      return { inputs: { monthlyFixed, apiPricePer1M: apiPrice, tps, utilization, hoursInMonth: hours }, ...r };
    });
  });

  withGlobalOptions(
    calc
      .command('kv')
      .description('KV-cache bytes per token, per session and for S concurrent sessions')
      .requiredOption('--layers <n>', 'transformer layers')
      .requiredOption('--kv-heads <n>', 'KV heads (grouped-query attention: fewer than attention heads)')
      .requiredOption('--head-dim <n>', 'head dimension')
      .option('--dtype-bytes <n>', 'bytes per element (2 = fp16/bf16, 1 = fp8)', '2')
      .option('--context <tokens>', 'context length per session', String(DEFAULT_CONTEXT))
      .option('--sessions <n>', 'concurrent sessions', '1'),
  ).action((_opts, cmd: Command) => {
    const opts = cmd.optsWithGlobals();
    return runCommand(opts as GlobalOptions, async (io) => {
      const layers = parseNumber('--layers', opts.layers, { gt: 0, integer: true });
      const kvHeads = parseNumber('--kv-heads', opts.kvHeads, { gt: 0, integer: true });
      const headDim = parseNumber('--head-dim', opts.headDim, { gt: 0, integer: true });
      const dtypeBytes = parseNumber('--dtype-bytes', opts.dtypeBytes, { gt: 0 });
      const context = parseNumber('--context', opts.context, { gt: 0, integer: true });
      const sessions = parseNumber('--sessions', opts.sessions, { min: 0, integer: true });
      const bytesPerToken = kvBytesPerToken({ layers, kvHeads, headDim, dtypeBytes });
      const bytesPerSession = bytesPerToken * context;
      const bytesTotal = bytesPerSession * sessions;
      printTable(io, [
        ['KV bytes per token', `${fmtNumber(bytesPerToken)} B (${fmtBytes(bytesPerToken)})`],
        [`per session (${fmtNumber(context)} tokens)`, `${fmtNumber(bytesPerSession)} B (${fmtBytes(bytesPerSession)})`],
        [`for ${fmtNumber(sessions)} session${sessions === 1 ? '' : 's'}`, `${fmtNumber(bytesTotal)} B (${fmtBytes(bytesTotal)})`],
      ]);
      return {
        layers,
        kvHeads,
        headDim,
        dtypeBytes,
        context,
        sessions,
        bytesPerToken,
        bytesPerSession,
        bytesTotal,
        gibPerSession: bytesPerSession / GIB,
        gibTotal: bytesTotal / GIB,
      };
    });
  });
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** Parses a numeric flag; bad input is a usage error (exit 2) naming the flag. */
export function parseNumber(flag: string, raw: unknown, rule: { min?: number; gt?: number; max?: number; integer?: boolean }): number {
  const text = String(raw ?? '').trim();
  const n = NUMBER.test(text) ? Number(text) : NaN;
  const bad = (why: string) => new ConfigError(`${flag} must be ${why}, got ${JSON.stringify(raw ?? '')}`);
  if (!Number.isFinite(n)) throw bad('a number');
  if (rule.integer && !Number.isInteger(n)) throw bad('a whole number');
  if (rule.gt !== undefined && !(n > rule.gt)) throw bad(`greater than ${rule.gt}`);
  if (rule.min !== undefined && n < rule.min) throw bad(`at least ${rule.min}`);
  if (rule.max !== undefined && n > rule.max) throw bad(`at most ${rule.max}`);
  return n;
}

function printTable(io: CommandIO, rows: Array<[string, string]>): void {
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) io.print(`${k.padEnd(width)}  ${v}`);
}

function fmtNumber(n: number): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

function fmtBytes(b: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = b;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${roundTo(v, 2)} ${units[i]}`;
}
