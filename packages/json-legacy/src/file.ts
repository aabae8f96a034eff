import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { lock } from 'proper-lockfile';
import { LegacyLockError, LegacyWriteError } from './errors.js';

/**
 * The file system side of the store: an inter-process lock (proper-lockfile: a `<path>.lock`
 * directory, made with an atomic mkdir and kept fresh while held, taken over when stale) and an
 * atomic replace (write a temporary file beside the target, fsync it, rename it over the target,
 * fsync the directory), so a reader sees the old file or the new one, never a torn one.
 */

/** Identifies one version of a file cheaply: device, inode, size, modification and change times. */
export async function fingerprintOf(path: string): Promise<string | null> {
  try {
    const s = await stat(path, { bigint: true });
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** SHA-256 of a file's bytes (hex), or null when it does not exist. */
export async function digestOf(path: string): Promise<string | null> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    const hash = createHash('sha256');
    const chunk = Buffer.allocUnsafe(1 << 20);
    for (let at = 0; ; ) {
      const { bytesRead } = await fh.read(chunk, 0, chunk.length, at);
      if (bytesRead === 0) break;
      hash.update(chunk.subarray(0, bytesRead));
      at += bytesRead;
    }
    return hash.digest('hex');
  } finally {
    await fh.close();
  }
}

export interface LockOptions {
  staleMs: number;
  timeoutMs: number;
}

/** A held lock: `compromised` is set if it was lost (taken over as stale) while held. */
export interface HeldLock {
  compromised: Error | null;
  release(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Takes the inter-process lock on `path`, waiting up to `timeoutMs` for another holder. */
export async function acquireLock(path: string, options: LockOptions): Promise<HeldLock> {
  try {
    await mkdir(dirname(path), { recursive: true });
  } catch (error) {
    throw new LegacyWriteError(path, `cannot create its folder: ${(error as Error).message}`, { cause: error });
  }
  const deadline = Date.now() + options.timeoutMs;
  const held: HeldLock = { compromised: null, release: async () => {} };
  for (let wait = 1; ; wait = Math.min(wait * 2, 8)) {
    try {
      const release = await lock(path, {
        realpath: false,
        lockfilePath: `${path}.lock`,
        stale: options.staleMs,
        retries: 0,
        onCompromised: (error) => {
          held.compromised = error;
        },
      });
      held.release = async () => {
        if (held.compromised) return; // the lock is someone else's now
        await release().catch(() => {});
      };
      return held;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') {
        throw new LegacyLockError(path, `cannot take the lock: ${(error as Error).message}`, { cause: error });
      }
      if (Date.now() >= deadline) {
        throw new LegacyLockError(path, `still locked by another process after ${options.timeoutMs} ms`, {
          cause: error,
        });
      }
      // Short, jittered waits: the holder's write is usually a few milliseconds.
      await sleep(wait * (0.5 + Math.random()));
    }
  }
}

/** Removes temporary files left by writers that died mid-write. Call only under the lock. */
export async function removeStaleTemporaries(path: string): Promise<number> {
  const prefix = `${basename(path)}.tmp-`;
  let removed = 0;
  let names: string[];
  try {
    names = await readdir(dirname(path));
  } catch {
    return 0;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    await unlink(join(dirname(path), name)).then(
      () => removed++,
      () => {},
    );
  }
  return removed;
}

export interface AtomicWriteOptions {
  /** fsync the file and its directory. */
  durable: boolean;
  /** Checked just before the rename: a lost lock must not replace the file. */
  lock: HeldLock;
  /** Hash what is written (SHA-256). */
  digest: boolean;
}

/**
 * Writes `chunks` to a temporary file beside `path` and renames it over `path`. Returns the
 * SHA-256 of what was written, when asked for. On any failure the temporary file is removed and
 * `path` is as it was.
 */
export async function writeAtomically(
  path: string,
  chunks: Iterable<string>,
  options: AtomicWriteOptions,
): Promise<string | null> {
  const temporary = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  let mode = 0o666;
  try {
    mode = (await stat(path)).mode & 0o777;
  } catch {
    // A new file gets the default mode (less the umask), as Python's open() gives it.
  }
  const hash = options.digest ? createHash('sha256') : null;
  try {
    const fh = await open(temporary, 'wx', mode);
    try {
      for (const chunk of chunks) {
        // Python's json.dumps writes ASCII only (ensure_ascii), so latin1 is the UTF-8 encoding here.
        const bytes = Buffer.from(chunk, 'latin1');
        hash?.update(bytes);
        await fh.write(bytes);
      }
      if (options.durable) await fh.sync();
    } finally {
      await fh.close();
    }
    if (options.lock.compromised) {
      throw new LegacyLockError(path, 'the lock was lost while writing (held past its stale time); nothing written', {
        cause: options.lock.compromised,
      });
    }
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => {});
    if (error instanceof LegacyLockError) throw error;
    throw new LegacyWriteError(path, `cannot write: ${(error as Error).message}`, { cause: error });
  }
  if (options.durable) await syncDirectory(dirname(path));
  return hash ? hash.digest('hex') : null;
}

/**
 * Whether a fingerprint's times have sub-second precision. On such a file system a replacement
 * with the same inode, size and nanosecond times cannot happen by chance, so a matching
 * fingerprint is proof enough; on one with whole seconds, the bytes are hashed to be sure.
 */
export function hasFineTimes(fingerprint: string): boolean {
  const mtimeNs = fingerprint.split(':')[3] ?? '0';
  return !mtimeNs.endsWith('000000000');
}

async function syncDirectory(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // Some platforms cannot fsync a directory; the rename itself is still atomic.
  }
}
