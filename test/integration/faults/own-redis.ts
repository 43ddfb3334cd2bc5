import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { closedPort } from './fakes.ts';

/**
 * A redis-server of the test's own on a spare port, which the test stops and starts again (the
 * shared one on 6379 is never touched). AOF on, in a directory of its own, so a restart keeps the
 * queues as a production Redis does.
 */
export async function ownRedis(opts: { password?: string } = {}) {
  const port = await closedPort();
  const dir = await mkdtemp(join(tmpdir(), 'bk-redis-'));
  let child: ChildProcess | undefined;
  const url = `redis://${opts.password ? `:${opts.password}@` : ''}127.0.0.1:${port}`;
  const start = async () => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir];
    if (opts.password) args.push('--requirepass', opts.password);
    const c = spawn('redis-server', args, { stdio: 'ignore' });
    child = c;
    // Ready once it answers.
    for (let i = 0; i < 100; i++) {
      const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => {});
      try {
        await probe.connect();
        await probe.ping();
        probe.disconnect();
        return;
      } catch {
        probe.disconnect();
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    throw new Error(`redis-server on port ${port} did not start`);
  };
  const stop = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill('SIGTERM');
    await exited;
  };
  await start();
  return {
    port,
    url,
    start,
    stop,
    destroy: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
