/**
 * What a database store keeps for the tools around it, beside the metrics: notes (records of a
 * kind, oldest first) and named state. A dual store keeps its mismatches and the writes its other
 * side missed as notes, and its guardrail as state, so that every process — and the CLI — sees them.
 */
export interface StoreNote {
  /** Increasing: a later note has a larger `seq`. */
  seq: number;
  kind: string;
  /** Canonical timestamp. */
  recordedAt: string;
  body: unknown;
}

export interface StoreNotes {
  /** Adds a note; resolves with its `seq`. `body` is kept as JSON keeps it. */
  add(kind: string, body: unknown): Promise<number>;
  /** Notes of `kind` after `seq` `after` (default: from the first), oldest first, at most `limit` (default 1000). */
  list(kind: string, options?: { after?: number; limit?: number }): Promise<StoreNote[]>;
  count(kind: string): Promise<number>;
  /** Removes the notes of `kind` up to and including `seq` `through` (default: all); resolves with how many. */
  clear(kind: string, options?: { through?: number }): Promise<number>;
  /** The value kept under `key`, or `null`. */
  getState(key: string): Promise<unknown>;
  /** Keeps `value` under `key` (as JSON keeps it); `null` removes it. */
  setState(key: string, value: unknown): Promise<void>;
}

/** Whether `store` keeps notes (`store.notes`): the database stores do, the legacy file does not. */
export function notesOf(store: unknown): StoreNotes | null {
  const notes = (store as { notes?: unknown } | null)?.notes;
  return notes !== null && typeof notes === 'object' && typeof (notes as StoreNotes).add === 'function'
    ? (notes as StoreNotes)
    : null;
}
