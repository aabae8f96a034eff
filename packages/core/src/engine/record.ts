import { InvocationConflictError } from '../contract/errors.js';
import type { Invocation, RecordBatchResult, RecordResult } from '../contract/types.js';

/**
 * What `recordInvocation` does with an invocation whose id may be stored already: insert it, finish
 * the stored pending one, leave it as it is, or refuse it as a conflict. Every store imports with
 * `recordEach`; a store supplies only the storage steps.
 */

/** An invocation to import, checked and canonical (see `checkInvocationInput`). */
export interface CheckedInvocation extends Invocation {
  /** Whether the caller gave `completedAt` (otherwise it was derived as `invokedAt + durationSeconds`). */
  readonly completedAtGiven: boolean;
}

/** The storage steps of an import, run inside one transaction of the store's. */
export interface RecordSteps {
  /** Inserts the invocation unless its id is stored; true when it did. */
  insertIfNew(invocation: CheckedInvocation): boolean;
  /** The stored invocation with this id (called only for an id that is stored). */
  stored(id: string): Invocation;
  /** Finishes the stored pending invocation with the outcome of `invocation`. */
  complete(invocation: CheckedInvocation): void;
}

export interface RecordedBatch {
  results: RecordResult[];
  /** The invocations that became finished: what every figure must now count. */
  finished: CheckedInvocation[];
}

/** Imports a checked batch through `steps`; throws `InvocationConflictError` (the caller rolls back). */
export function recordEach(batch: readonly CheckedInvocation[], steps: RecordSteps): RecordedBatch {
  const results: RecordResult[] = [];
  const finished: CheckedInvocation[] = [];
  for (const item of batch) {
    let outcome: RecordResult['outcome'];
    if (steps.insertIfNew(item)) {
      outcome = 'inserted';
      if (item.status !== 'pending') finished.push(item);
    } else if (settleExisting(steps.stored(item.id), item) === 'complete') {
      steps.complete(item);
      finished.push(item);
      outcome = 'completed';
    } else {
      outcome = 'unchanged';
    }
    results.push({ id: item.id, outcome });
  }
  return { results, finished };
}

/**
 * What to do with `incoming` when an invocation with its id is stored: finish the stored one if it is
 * pending and `incoming` is not, else nothing. A pending invocation may be finished by a later
 * record; a finished one may be recorded again as pending (an earlier state of the same invocation).
 */
export function settleExisting(stored: Invocation, incoming: CheckedInvocation): 'complete' | 'unchanged' {
  const differs = conflictingFields(stored, incoming);
  if (differs.length > 0) throw new InvocationConflictError(incoming.id, differs);
  return stored.status === 'pending' && incoming.status !== 'pending' ? 'complete' : 'unchanged';
}

/** The fields in which a stored invocation differs from one being recorded with the same id. */
export function conflictingFields(stored: Invocation, incoming: CheckedInvocation): string[] {
  const fields: string[] = [];
  const same = <K extends keyof Invocation>(k: K) => {
    if (stored[k] !== incoming[k]) fields.push(k);
  };
  same('skillName');
  same('invokedAt');
  same('workflowPath');
  same('sessionId');
  same('projectPath');
  if (stableJson(stored.userContext) !== stableJson(incoming.userContext)) fields.push('userContext');
  if (stored.status !== 'pending' && incoming.status !== 'pending') {
    same('completed');
    same('durationSeconds');
    same('errorType');
    if (stableJson(stored.followUpActions) !== stableJson(incoming.followUpActions)) fields.push('followUpActions');
    if (incoming.completedAtGiven) same('completedAt');
  }
  return fields;
}

/** A JSON text with object keys sorted, so equal values give equal text. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

/**
 * How many invocations a database store's `recordInvocations` commits at a time: about 30 ms of
 * SQLite's write lock here. PostgreSQL takes the same, so that the sums a chunk adds to a session's
 * or a project's total are added in the same order in both.
 */
export const DATABASE_IMPORT_CHUNK = 2000;

/** How long an import leaves the write lock free between chunks, in ms. */
const CHUNK_PAUSE_MS = 4;

/**
 * Writes a checked batch `size` invocations at a time (`write(chunk, isLast)`), each chunk whole or
 * not at all, and counts what was done. Between chunks the lock is free for a moment, long enough
 * for a live writer waiting on it (a store polls every few milliseconds) to get its turn.
 */
export async function recordInChunks(
  batch: readonly CheckedInvocation[],
  size: number,
  write: (chunk: readonly CheckedInvocation[], isLast: boolean) => Promise<RecordResult[]>,
  ensureOpen: () => void,
): Promise<RecordBatchResult> {
  const results: RecordResult[] = [];
  for (let from = 0; from < batch.length; from += size) {
    if (from > 0) await new Promise((resolve) => setTimeout(resolve, CHUNK_PAUSE_MS));
    ensureOpen();
    results.push(...(await write(batch.slice(from, from + size), from + size >= batch.length)));
  }
  return countOutcomes(results);
}

/** The counts of a batch's results by outcome. */
export function countOutcomes(results: readonly RecordResult[]): RecordBatchResult {
  const counts = { inserted: 0, completed: 0, unchanged: 0 };
  for (const r of results) counts[r.outcome] += 1;
  return counts;
}
