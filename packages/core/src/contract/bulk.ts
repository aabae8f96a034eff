import type { InvocationInput, RecordBatchResult, RecordOptions } from './types.js';

/**
 * Importing a long stream of invocations — a legacy file of millions — into a database store so
 * that a run killed at any point resumes where it stopped: each batch commits together with the
 * state that says how far the import got (a checkpoint), in one transaction.
 */
export interface BulkImport {
  /** `recordInvocations`, keeping `options.keep` in the transaction that writes the last of them. */
  recordInvocations(invocations: Iterable<InvocationInput>, options?: BulkRecordOptions): Promise<RecordBatchResult>;
}

export interface BulkRecordOptions extends RecordOptions {
  /**
   * State to keep (as `notes.setState` keeps it; `null` removes it) with the invocations: a
   * checkpoint that can neither get ahead of them nor fall behind. Kept even for an empty batch.
   */
  keep?: { key: string; value: unknown };
}

/** The store's bulk import (`store.bulk`), or `null` for a store without one (the legacy file). */
export function bulkImportOf(store: unknown): BulkImport | null {
  const bulk = (store as { bulk?: unknown } | null)?.bulk;
  return bulk !== null && typeof bulk === 'object' && typeof (bulk as BulkImport).recordInvocations === 'function'
    ? (bulk as BulkImport)
    : null;
}
