import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { LockedError } from '../errors.ts';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * An exclusive lock file beside the embedded data directory. PGlite has no multi-process
 * protection: a second process on the same directory would corrupt it, so it gets a clear error.
 * A lock left by a dead process is taken over.
 */
export function acquireDirLock(dataDir: string): () => void {
  const path = `${dataDir.replace(/\/+$/, '')}.lock`;
  mkdirSync(dirname(path), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        process.off('exit', release);
        try {
          if (readFileSync(path, 'utf8') === String(process.pid)) unlinkSync(path);
        } catch {
          /* already gone */
        }
      };
      process.on('exit', release);
      return release;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
      if (Number.isFinite(pid) && pid !== process.pid && alive(pid)) {
        throw new LockedError(
          `embedded database ${dataDir} is in use by process ${pid}; stop that process, or set BREAKEVEN_DATA_DIR to another directory or DATABASE_URL to a Postgres server`,
        );
      }
      if (pid === process.pid) {
        throw new LockedError(`embedded database ${dataDir} is already open in this process`);
      }
      unlinkSync(path); // stale: its owner is gone
    }
  }
  throw new LockedError(`could not lock embedded database ${dataDir}`);
}
