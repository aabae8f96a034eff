import { formatEpochMs } from '@skill-metrics/core/contract';
import { acquireLock, type HeldLock, removeStaleTemporaries, writeAtomically } from '../file.js';
import { refreshDerived } from '../format.js';
import { toLegacyTimestamp } from '../legacy-time.js';
import { legacyFileChunks } from '../writer.js';
import type { LoadedFile } from './loaded-file.js';
import { UndoLog } from './undo-log.js';

export interface CommitOptions {
  lockStaleMs: number;
  lockTimeoutMs: number;
  durable: boolean;
}

interface QueuedChange {
  apply(log: UndoLog): unknown;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/**
 * Writes to the file, safely: every write takes the inter-process lock, reads the file again if
 * another process replaced it (so no other writer's update is lost), applies its changes and
 * replaces the file atomically. Changes that arrive while a write waits for the lock or is in flight
 * go together into the next one (group commit); each resolves once it is on disk, and a change that
 * fails is undone without touching the others.
 */
export class CommitQueue {
  readonly #queue: QueuedChange[] = [];
  #flushing: Promise<void> | null = null;

  constructor(
    readonly file: LoadedFile,
    readonly options: CommitOptions,
  ) {}

  /** Queues a change for the next write; resolves with what `apply` returned once it is on disk. */
  change<T>(apply: (log: UndoLog) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ apply, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#flushing) {
        this.#flushing = this.#flush().finally(() => {
          this.#flushing = null;
        });
      }
    });
  }

  /** Resolves once every change queued so far is written (or has failed). */
  async drain(): Promise<void> {
    while (this.#flushing) await this.#flushing;
  }

  /** Writes queued changes, one locked read-apply-replace per round, until the queue is empty. */
  async #flush(): Promise<void> {
    const { path } = this.file;
    while (this.#queue.length > 0) {
      let lock: HeldLock;
      try {
        lock = await acquireLock(path, { staleMs: this.options.lockStaleMs, timeoutMs: this.options.lockTimeoutMs });
      } catch (error) {
        for (const change of this.#queue.splice(0)) change.reject(error);
        continue;
      }
      // Everything queued while the lock was awaited goes into this one write.
      const batch = this.#queue.splice(0);
      let settle: () => void;
      try {
        settle = await this.file.exclusive(() => this.#applyAndWrite(batch, lock));
      } catch (error) {
        settle = rejectAll(batch, error);
      } finally {
        await lock.release();
      }
      // Callers go on once their change is on disk and the lock is free again.
      settle();
    }
  }

  /** Applies a batch under the lock and writes it; returns what settles each caller's promise. */
  async #applyAndWrite(batch: QueuedChange[], lock: HeldLock): Promise<() => void> {
    const file = this.file;
    let log: UndoLog;
    try {
      log = new UndoLog(await file.currentUnderLock(), file.timeZone);
    } catch (error) {
      return rejectAll(batch, error);
    }
    const outcomes = batch.map((change) => {
      const mark = log.mark();
      try {
        return { ok: true as const, value: change.apply(log) };
      } catch (error) {
        log.rollback(mark);
        return { ok: false as const, error };
      }
    });
    if (log.dirty) {
      const state = log.state;
      // The old tracker wrote every skill's derived figures from its counters on every save.
      for (const skill of state.skills.values()) refreshDerived(skill);
      try {
        await removeStaleTemporaries(file.path);
        const lastUpdated = toLegacyTimestamp(formatEpochMs(Date.now()), file.timeZone);
        state.digest = await writeAtomically(file.path, legacyFileChunks(state, lastUpdated), {
          durable: this.options.durable,
          lock,
          digest: file.needsDigest,
        });
        state.fingerprint = await file.fingerprint();
        file.stats.rewrites += 1;
      } catch (error) {
        // What is on disk is the truth; read it again next time.
        file.forget();
        return rejectAll(batch, error);
      }
    }
    file.stats.changes += outcomes.filter((o) => o.ok).length;
    return () => {
      outcomes.forEach((outcome, i) => {
        const change = batch[i] as QueuedChange;
        if (outcome.ok) change.resolve(outcome.value);
        else change.reject(outcome.error);
      });
    };
  }
}

function rejectAll(batch: QueuedChange[], error: unknown): () => void {
  return () => {
    for (const change of batch) change.reject(error);
  };
}
