import { LegacyFileError } from '../errors.js';
import { digestOf, fingerprintOf, hasFineTimes } from '../file.js';
import { emptyState, type FileState, readState } from './state.js';

/** Counters of what the store did, for tests and benchmarks. */
export interface LegacyStoreStats {
  /** Files written (each replaces the whole file). */
  rewrites: number;
  /** Changes applied: one per track, complete or record call that was accepted. */
  changes: number;
  /** Times the file was read and parsed (on open, and after another process wrote it). */
  loads: number;
}

/**
 * The file as last read or written by this process, read again only when another process has
 * replaced it. Loads, reads and writes of the state take turns (`exclusive`).
 */
export class LoadedFile {
  readonly stats: LegacyStoreStats = { rewrites: 0, changes: 0, loads: 0 };
  #state: FileState | null = null;
  #turn: Promise<void> = Promise.resolve();

  constructor(
    readonly path: string,
    readonly timeZone: string,
  ) {}

  /** Runs `fn` alone among this file's loads, reads and writes. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#turn.then(fn);
    this.#turn = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** The file as it is now: read again when another process has replaced it. */
  current(): Promise<FileState> {
    return this.exclusive(async () => {
      const fingerprint = await this.#io(() => fingerprintOf(this.path));
      if (this.#state && this.#state.fingerprint === fingerprint) return this.#state;
      return this.#load(fingerprint);
    });
  }

  /** Under the lock (inside `exclusive`): the file as it is now, re-read unless it is byte-for-byte what is held. */
  async currentUnderLock(): Promise<FileState> {
    const fingerprint = await this.#io(() => fingerprintOf(this.path));
    const held = this.#state;
    if (held && fingerprint !== null && held.fingerprint === fingerprint) {
      // Same inode, size and times; on a file system with whole-second times, the digest rules out
      // a replacement that happens to match them.
      if (hasFineTimes(fingerprint) || (await this.#io(() => digestOf(this.path))) === held.digest) return held;
    }
    if (held && fingerprint === null && held.fingerprint === null) return held;
    return this.#load(fingerprint);
  }

  /** Whether a write must hash the file: the file system keeps whole-second times (or it is not known yet). */
  get needsDigest(): boolean {
    const known = this.#state?.fingerprint;
    return !known || !hasFineTimes(known);
  }

  /** The file's fingerprint now (after this process wrote it). */
  fingerprint(): Promise<string | null> {
    return fingerprintOf(this.path);
  }

  /** Forgets what is held (after a failed write, what is on disk is the truth). */
  forget(): void {
    this.#state = null;
  }

  async #load(fingerprint: string | null): Promise<FileState> {
    if (fingerprint === null) {
      this.#state = emptyState();
      return this.#state;
    }
    this.stats.loads += 1;
    this.#state = await readState(this.path, this.timeZone, fingerprint, this.#state, !hasFineTimes(fingerprint));
    return this.#state;
  }

  /** Runs a file system call, turning an I/O error into the typed error of a file that cannot be read. */
  async #io<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw new LegacyFileError(this.path, `cannot be read: ${(error as Error).message}`, {}, { cause: error });
    }
  }
}
