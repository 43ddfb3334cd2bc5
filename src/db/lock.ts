import { linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { LockedError } from '../errors.ts';

/** Directories this process holds: a second open in the same process is refused without asking the OS. */
const heldHere = new Set<string>();

interface Owner {
  pid: number;
  host: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(path: string): Owner | null {
  try {
    const [pid, host] = readFileSync(path, 'utf8').split('\n');
    return { pid: Number.parseInt(pid ?? '', 10), host: host ?? '' };
  } catch {
    return null; // gone meanwhile
  }
}

/** Live unless provably dead: same host and no such process. Another host's lock is never taken over. */
function ownerIsLive(o: Owner): boolean {
  if (o.host !== hostname()) return true;
  // Our own pid but not held by this process: a restart reused the pid (pid 1 in a container).
  if (o.pid === process.pid) return false;
  return Number.isFinite(o.pid) && alive(o.pid);
}

/**
 * An exclusive lock file beside the embedded data directory. PGlite has no multi-process
 * protection: a second process on the same directory would corrupt it, so it gets a clear error.
 * The lock is created complete (written to a temporary file, then hard-linked into place, which
 * fails if it exists), so nobody ever reads a half-written one; a lock left by a dead process on
 * this host is taken over by renaming it away (atomic: one taker wins), then re-checked.
 */
export function acquireDirLock(dataDir: string): () => void {
  const dir = dataDir.replace(/\/+$/, '');
  const path = `${dir}.lock`;
  if (heldHere.has(path)) throw new LockedError(`embedded database ${dataDir} is already open in this process`);
  mkdirSync(dirname(path), { recursive: true });
  const me = `${process.pid}\n${hostname()}\n`;
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(tmp, me);
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        linkSync(tmp, path);
        heldHere.add(path);
        let released = false;
        const release = () => {
          if (released) return;
          released = true;
          heldHere.delete(path);
          process.off('exit', release);
          try {
            if (readFileSync(path, 'utf8') === me) unlinkSync(path);
          } catch {
            /* already gone */
          }
        };
        process.on('exit', release);
        return release;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const owner = readOwner(path);
      if (!owner) continue; // released meanwhile: try again
      if (ownerIsLive(owner)) {
        const where = owner.host === hostname() ? `process ${owner.pid}` : `process ${owner.pid} on ${owner.host}`;
        throw new LockedError(
          `embedded database ${dataDir} is in use by ${where}; stop that process, or set BREAKEVEN_DATA_DIR to another directory or DATABASE_URL to a Postgres server (if it is gone, delete ${path})`,
        );
      }
      // Stale: move it aside. Only one process can rename this file; whoever did checks what it moved.
      const aside = `${path}.stale.${process.pid}.${randomBytes(4).toString('hex')}`;
      try {
        renameSync(path, aside);
      } catch {
        continue; // someone else moved it first
      }
      const moved = readOwner(aside);
      if (moved && ownerIsLive(moved)) {
        // We moved a live lock that replaced the stale one meanwhile: put it back and give way.
        try {
          linkSync(aside, path);
        } finally {
          unlinkSync(aside);
        }
        throw new LockedError(`embedded database ${dataDir} is in use by process ${moved.pid}`);
      }
      unlinkSync(aside);
    }
    throw new LockedError(`could not lock embedded database ${dataDir}: the lock file ${path} keeps changing`);
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      /* ignore */
    }
  }
}
