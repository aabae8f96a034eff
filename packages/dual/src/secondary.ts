import {
  InvalidInputError,
  type Invocation,
  InvocationAlreadyCompletedError,
  type RecordOptions,
  type SkillMetricsStore,
  UnknownInvocationError,
} from '@skill-metrics/core/contract';
import type { Side } from './modes.js';

/** The secondary takes what the primary took, the old tracker's quirks of an imported file included. */
const AS_THE_PRIMARY_TOOK_IT: RecordOptions = { legacyQuirks: true };

/** What became of one write to the secondary. */
export type WriteOutcome = (invocation: Invocation, error: Error | null) => void;

/** At most this many invocations go to the secondary in one `recordInvocations`. */
const MAX_BATCH = 500;

/**
 * The writes owed to one store as the secondary, made behind the caller (from the next turn of the
 * event loop), in order, as
 * `recordInvocations` batches of what has queued meanwhile (a group commit: one file rewrite, or
 * one transaction, for many calls). Each invocation is written with the primary's id and content,
 * so a later completion completes it and a later backfill adds nothing. A batch the store refuses
 * is written one by one, so that one bad invocation fails alone.
 */
export class SecondaryWriter {
  readonly side: Side;
  readonly #store: SkillMetricsStore;
  readonly #outcome: WriteOutcome;
  #queue: Invocation[] = [];
  #enqueued = 0;
  #written = 0;
  #draining = false;
  #scheduled = false;
  readonly #waiters: Array<{ upTo: number; resolve: () => void }> = [];

  constructor(side: Side, store: SkillMetricsStore, outcome: WriteOutcome) {
    this.side = side;
    this.#store = store;
    this.#outcome = outcome;
  }

  /** Invocations queued and not yet written (or failed). */
  get backlog(): number {
    return this.#enqueued - this.#written;
  }

  write(invocation: Invocation): void {
    this.#queue.push(invocation);
    this.#enqueued++;
    if (this.#draining || this.#scheduled) return;
    // After the caller's own work: the secondary is written behind it, never inside its call.
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      void this.#drain();
    });
  }

  /** Resolves once everything queued before this call has been written or has failed. */
  settled(): Promise<void> {
    const upTo = this.#enqueued;
    if (this.#written >= upTo) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ upTo, resolve }));
  }

  async #drain(): Promise<void> {
    if (this.#draining) return;
    this.#draining = true;
    try {
      while (this.#queue.length > 0) {
        const taken = this.#queue.splice(0, MAX_BATCH);
        await this.#writeBatch(latestOfEach(taken));
        this.#written += taken.length;
        this.#wake();
      }
    } finally {
      this.#draining = false;
    }
  }

  async #writeBatch(batch: Invocation[]): Promise<void> {
    const [only] = batch;
    // A completion that says when and how long (a live one) finishes the pending invocation directly.
    const direct = only && only.status !== 'pending' && only.completedAt !== null && only.durationSeconds !== null;
    if (batch.length === 1 && direct && (await this.#finish(only))) return;
    try {
      await this.#store.recordInvocations(batch, AS_THE_PRIMARY_TOOK_IT);
      for (const invocation of batch) this.#outcome(invocation, null);
      return;
    } catch {
      // One of them may be the cause: each alone, so the others are written.
    }
    for (const invocation of batch) {
      try {
        await this.#store.recordInvocation(invocation, AS_THE_PRIMARY_TOOK_IT);
        this.#outcome(invocation, null);
      } catch (error) {
        this.#outcome(invocation, error instanceof Error ? error : new Error(String(error)));
      }
    }
  }

  /**
   * Finishes the pending invocation the store holds, as the primary did: as cheap as a live
   * completion (no import's look-up of what is stored). False when that is not the case (the store
   * lacks it, or has it finished), and the import path must decide.
   */
  async #finish(invocation: Invocation): Promise<boolean> {
    try {
      await this.#store.completeInvocation(invocation.id, {
        completed: invocation.completed,
        completedAt: invocation.completedAt as string,
        durationSeconds: invocation.durationSeconds as number,
        errorType: invocation.errorType,
        followUpActions: invocation.followUpActions,
      });
    } catch (error) {
      if (
        error instanceof UnknownInvocationError ||
        error instanceof InvocationAlreadyCompletedError ||
        error instanceof InvalidInputError // a legacy quirk a live completion may not give: imported instead
      )
        return false;
      this.#outcome(invocation, error instanceof Error ? error : new Error(String(error)));
      return true;
    }
    this.#outcome(invocation, null);
    return true;
  }

  #wake(): void {
    for (let i = this.#waiters.length - 1; i >= 0; i--) {
      const waiter = this.#waiters[i] as { upTo: number; resolve: () => void };
      if (this.#written >= waiter.upTo) {
        this.#waiters.splice(i, 1);
        waiter.resolve();
      }
    }
  }
}

/**
 * One invocation per id, in first-seen order: a finished version over a pending one (recording a
 * pending invocation over a finished one changes nothing), else the latest.
 */
function latestOfEach(invocations: Invocation[]): Invocation[] {
  const byId = new Map<string, Invocation>();
  for (const invocation of invocations) {
    const seen = byId.get(invocation.id);
    if (seen === undefined || seen.status === 'pending' || invocation.status !== 'pending')
      byId.set(invocation.id, invocation);
  }
  return [...byId.values()];
}
