import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

/**
 * A REAL Prometheus (the Debian `prometheus` package, 2.42 on bookworm) for integration tests:
 * samples are backfilled with `promtool tsdb create-blocks-from openmetrics`, then the server is
 * started on a free 127.0.0.1 port with an empty scrape config and the data dir as its TSDB.
 */
const run = promisify(execFile);

const INSTALL_HINT = 'run `apt-get install -y prometheus` (Debian bookworm ships 2.42; CI installs it)';

async function which(bin: string): Promise<string | null> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      await access(join(dir, bin), constants.X_OK);
      return join(dir, bin);
    } catch {
      /* not here */
    }
  }
  return null;
}

/** Throws (never skips) when the binaries are missing: this test must run in CI. */
export async function requirePrometheusBinaries(): Promise<{ prometheus: string; promtool: string }> {
  const [prometheus, promtool] = await Promise.all([which('prometheus'), which('promtool')]);
  if (!prometheus || !promtool) {
    throw new Error(`the Prometheus integration test needs the prometheus and promtool binaries on PATH (missing: ${[!prometheus && 'prometheus', !promtool && 'promtool'].filter(Boolean).join(', ')}): ${INSTALL_HINT}`);
  }
  return { prometheus, promtool };
}

/**
 * promtool accepts bad input silently (millisecond timestamps become the year ~56970, out-of-order
 * samples are dropped; see shared/fixtures/prometheus-2.42/promtool-backfill-cases.txt), so a
 * generated file is checked before it is written: `# EOF` last, every sample with a timestamp in
 * seconds, timestamps strictly ascending per series.
 */
export function validateOpenMetrics(text: string): { samples: number; series: number } {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines[lines.length - 1] !== '# EOF') throw new Error('OpenMetrics: the file must end with "# EOF"');
  const last = new Map<string, number>();
  let samples = 0;
  for (let i = 0; i < lines.length - 1; i++) {
    const line = lines[i]!;
    if (line.startsWith('#') || line === '') continue;
    const m = /^([^\s{]+(?:\{[^}]*\})?)\s+(\S+)\s+(\S+)$/.exec(line);
    if (!m) throw new Error(`OpenMetrics line ${i + 1}: expected "series value timestamp", got: ${line.slice(0, 120)}`);
    const [, series, , tsText] = m as unknown as [string, string, string, string];
    const ts = Number(tsText);
    if (!Number.isFinite(ts)) throw new Error(`OpenMetrics line ${i + 1}: bad timestamp ${tsText}`);
    if (ts > 1e11) throw new Error(`OpenMetrics line ${i + 1}: timestamp ${tsText} looks like milliseconds; OpenMetrics wants seconds`);
    const prev = last.get(series);
    if (prev !== undefined && ts <= prev) throw new Error(`OpenMetrics line ${i + 1}: timestamp ${tsText} not after ${prev} for ${series} (promtool would drop it)`);
    last.set(series, ts);
    samples++;
  }
  return { samples, series: last.size };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface PrometheusServer {
  url: string;
  dataDir: string;
  close(): Promise<void>;
}

export async function startPrometheusServer(opts: { openMetrics: string; readyTimeoutMs?: number }): Promise<PrometheusServer> {
  const bins = await requirePrometheusBinaries();
  validateOpenMetrics(opts.openMetrics);
  const dir = await mkdtemp(join(tmpdir(), 'breakeven-prom-'));
  const dataDir = join(dir, 'data');
  const input = join(dir, 'backfill.om');
  const configFile = join(dir, 'prometheus.yml');
  await writeFile(input, opts.openMetrics);
  await writeFile(configFile, 'global: {}\nscrape_configs: []\n');

  // --max-block-duration arrived after 2.42; use it only where promtool knows it (fewer, larger blocks).
  const help = await run(bins.promtool, ['tsdb', 'create-blocks-from', 'openmetrics', '--help']).then((r) => r.stdout + r.stderr, (e: { stdout?: string; stderr?: string }) => `${e.stdout ?? ''}${e.stderr ?? ''}`);
  const extra = help.includes('max-block-duration') ? ['--max-block-duration=24h'] : [];
  try {
    await run(bins.promtool, ['tsdb', 'create-blocks-from', 'openmetrics', ...extra, '--quiet', input, dataDir], { maxBuffer: 64 << 20 });
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    const e = err as { stderr?: string; message: string };
    throw new Error(`promtool tsdb create-blocks-from openmetrics failed: ${e.stderr || e.message}`);
  }

  const port = await freePort();
  const child: ChildProcess = spawn(
    bins.prometheus,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${dataDir}`,
      '--storage.tsdb.retention.time=100y',
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null) {
      await close();
      throw new Error(`prometheus exited with code ${child.exitCode} before becoming ready: ${stderr}`);
    }
    try {
      const res = await fetch(`${url}/-/ready`);
      if (res.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await close();
      throw new Error(`prometheus did not become ready on ${url}: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, dataDir, close };
}
