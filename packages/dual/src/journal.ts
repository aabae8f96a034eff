import { formatEpochMs, type StoreNotes } from '@skill-metrics/core/contract';
import type { DualLogger } from './logger.js';
import type { Side } from './modes.js';

/** The note kind of a write the secondary missed. */
export const OWED_NOTE = 'dual.owed';

/** A write one store missed: the invocation it is owed, and why it failed. */
export interface OwedWrite {
  /** The store that missed it. */
  side: Side;
  id: string;
  error: string;
  /** Canonical timestamp. */
  at: string;
}

/**
 * The repair journal: every write a secondary missed, kept as a note in the database when it
 * keeps notes (so `status` shows the depth from any process), else here. It is what `repair()`
 * reports and clears; what repair copies comes from comparing the stores themselves, so a write
 * lost with a crashed process — which no journal saw — is repaired too.
 */
export class RepairJournal {
  readonly #notes: StoreNotes | null;
  readonly #logger: DualLogger;
  readonly #here: OwedWrite[] = [];
  #failures = 0;

  constructor(notes: StoreNotes | null, logger: DualLogger) {
    this.#notes = notes;
    this.#logger = logger;
  }

  /** Secondary writes failed since this store opened. */
  get failures(): number {
    return this.#failures;
  }

  /** Called with each failure, for telemetry. */
  onFailure: (side: Side) => void = () => {};

  record(side: Side, id: string, error: Error): void {
    this.#failures++;
    this.onFailure(side);
    const owed: OwedWrite = { side, id, error: error.message, at: formatEpochMs(Date.now()) };
    this.#logger.warn(`the ${side} store missed invocation ${id}: ${error.message} (kept for repair)`);
    // In the database unless the database is what failed; the store comparison finds it either way.
    if (this.#notes === null || side === 'db') {
      this.#here.push(owed);
      if (this.#here.length > 10_000) this.#here.shift();
      return;
    }
    this.#notes.add(OWED_NOTE, owed).catch(() => this.#here.push(owed));
  }

  /** The writes owed, oldest first. */
  async owed(limit = 1000): Promise<OwedWrite[]> {
    const kept = this.#notes ? (await this.#notes.list(OWED_NOTE, { limit })).map((n) => n.body as OwedWrite) : [];
    return [...kept, ...this.#here].slice(0, limit);
  }

  /** The writes owed to each side: the legacy file's in the database's notes, the database's here. */
  async depthBySide(): Promise<Record<Side, number>> {
    const here = { legacy: 0, db: 0 };
    for (const owed of this.#here) here[owed.side]++;
    return { legacy: here.legacy + (this.#notes ? await this.#notes.count(OWED_NOTE) : 0), db: here.db };
  }

  async depth(): Promise<number> {
    return (this.#notes ? await this.#notes.count(OWED_NOTE) : 0) + this.#here.length;
  }

  /** Forgets what is owed, once a repair has copied it; resolves with how many entries it held. */
  async clear(): Promise<number> {
    const held = this.#here.length + (this.#notes ? await this.#notes.clear(OWED_NOTE) : 0);
    this.#here.length = 0;
    return held;
  }
}
