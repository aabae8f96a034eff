import type { StoreNotes } from '@skill-metrics/core/contract';
import type { DualLogger } from '../logger.js';
import type { Side, StorageMode } from '../modes.js';
import type { FieldDiff } from './diff.js';

/** A read whose two answers differed, twice, with what it was asked and where they differ. */
export interface Mismatch {
  /** The method: `getSkillMetrics`, `getSummary`, … */
  read: string;
  args: unknown[];
  mode: StorageMode;
  /** The store that answered the caller. */
  primary: Side;
  /** The call's context: the session or project, when it had one. */
  context: { sessionId?: string | null; projectPath?: string | null; skillName?: string };
  /** Canonical timestamp. */
  at: string;
  diff: FieldDiff[];
}

/** Where mismatches go. A publisher's failure is logged, never the caller's. */
export interface Publisher {
  publish(mismatch: Mismatch): void | Promise<void>;
}

/** The note kind the default publisher keeps mismatches under. */
export const MISMATCH_NOTE = 'dual.mismatch';

/** One line that says what differed. */
export function describeMismatch(m: Mismatch): string {
  const first = m.diff[0];
  const where = first
    ? `${first.path || '(the answer)'} ${JSON.stringify(first.primary)} (${m.primary}) ≠ ${JSON.stringify(first.secondary)}`
    : 'no detail';
  const more = m.diff.length > 1 ? ` (+${m.diff.length - 1} more)` : '';
  return `mismatch in ${m.read}(${m.args.map((a) => JSON.stringify(a)).join(', ')}) [${m.mode}]: ${where}${more}`;
}

/**
 * The default publisher: each mismatch kept as a note in the database (so `status`, the CLI and
 * every process see them) and said in one log line. Without notes, the last 1,000 are kept here.
 */
export class NotesPublisher implements Publisher {
  readonly #notes: StoreNotes | null;
  readonly #logger: DualLogger;
  readonly #recent: Mismatch[] = [];

  constructor(notes: StoreNotes | null, logger: DualLogger) {
    this.#notes = notes;
    this.#logger = logger;
  }

  async publish(mismatch: Mismatch): Promise<void> {
    this.#logger.warn(describeMismatch(mismatch));
    if (this.#notes === null) {
      this.#recent.push(mismatch);
      if (this.#recent.length > 1000) this.#recent.shift();
      return;
    }
    await this.#notes.add(MISMATCH_NOTE, mismatch);
  }

  /** The mismatches published, oldest first: from the database when it keeps notes. */
  async list(limit = 1000): Promise<Mismatch[]> {
    if (this.#notes === null) return this.#recent.slice(-limit);
    return (await this.#notes.list(MISMATCH_NOTE, { limit })).map((note) => note.body as Mismatch);
  }
}
