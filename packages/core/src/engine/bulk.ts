import type { BulkImport, BulkRecordOptions } from '../contract/bulk.js';
import { describe, InvalidInputError } from '../contract/errors.js';
import type { InvocationInput, RecordResult } from '../contract/types.js';
import { checkInvocationBatch, checkRecordOptions, checkSkillName } from './checks.js';
import { jsonText } from './json-value.js';
import { type CheckedInvocation, recordInChunks } from './record.js';

/** State to keep with a batch, its value as JSON text (`'null'` removes it). */
export interface KeptState {
  key: string;
  json: string;
}

/** How the engine's store lends its guards to the bulk import: open checks, typed failures, chunks. */
export interface StoreGuard {
  ensureOpen(): void;
  call<T>(ask: () => Promise<T>): Promise<T>;
  chunkSize: number;
}

/** The engine's `BulkImport` over a backend that keeps state with a batch: every input checked first. */
export function engineBulkImport(
  record: (batch: readonly CheckedInvocation[], keep: KeptState | null) => Promise<RecordResult[]>,
  guard: StoreGuard,
): BulkImport {
  return {
    async recordInvocations(invocations: Iterable<InvocationInput>, options?: BulkRecordOptions) {
      guard.ensureOpen();
      let recordOptions: unknown = options;
      let kept: KeptState | null = null;
      if (options !== null && typeof options === 'object' && 'keep' in options) {
        const { keep, ...rest } = options;
        kept = checkKeep(keep);
        recordOptions = rest;
      }
      const batch = checkInvocationBatch(invocations, checkRecordOptions(recordOptions).legacyQuirks);
      if (batch.length === 0) {
        if (kept) await guard.call(() => record([], kept));
        return { inserted: 0, completed: 0, unchanged: 0 };
      }
      return recordInChunks(
        batch,
        guard.chunkSize,
        (chunk, isLast) => guard.call(() => record(chunk, isLast ? kept : null)),
        guard.ensureOpen,
      );
    },
  };
}

function checkKeep(keep: unknown): KeptState | null {
  if (keep === undefined) return null;
  if (keep === null || typeof keep !== 'object' || !('key' in keep) || !('value' in keep)) {
    throw new InvalidInputError('keep', `must be { key, value }, got ${describe(keep)}`);
  }
  const key = checkSkillName((keep as { key: unknown }).key, 'keep.key');
  return { key, json: jsonText((keep as { value: unknown }).value, 'keep.value') };
}
