import type { Invocation, RecordOptions, SkillMetricsStore } from '@skill-metrics/core/contract';
import type { Side } from './modes.js';
import { diffAnswers, type FieldDiff } from './shadow/diff.js';

/** A copy is of what one store holds: the old tracker's quirks of an imported file included. */
const COPY_AS_STORED: RecordOptions = { legacyQuirks: true };

/** What a repair found and did. */
export interface RepairReport {
  /** Invocations looked at in each store. */
  checked: Record<Side, number>;
  /** Invocations one store lacked, copied into it. */
  copied: Record<Side, number>;
  /** Invocations pending in one store and finished in the other, finished where they were pending. */
  completed: Record<Side, number>;
  /** Finished in both, differently: left as they are, for a person to decide. */
  conflicts: Array<{ id: string; diff: FieldDiff[] }>;
  /** Copies a store refused. */
  failed: Array<{ id: string; side: Side; error: string }>;
  /** Entries of the repair journal cleared. */
  journalCleared: number;
}

export interface ReconcileOptions {
  /** Invocations looked up in the other store at a time. @default 1000 */
  batchSize?: number;
  /** Called after each batch with the counts so far. */
  onProgress?: (report: RepairReport) => void;
}

async function* inBatches<T>(items: AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  let batch: T[] = [];
  for await (const item of items) {
    batch.push(item);
    if (batch.length === size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/**
 * Brings two stores to the same invocations: every invocation of each is looked up by id in the
 * other; what one lacks is copied into it, and one pending there but finished here is finished.
 * Both sides, whatever the mode was, so a step back (or a crash between the two writes of a dual
 * write) loses nothing. Idempotent: run again, it copies nothing.
 */
export async function reconcile(
  stores: Record<Side, SkillMetricsStore>,
  options: ReconcileOptions = {},
): Promise<RepairReport> {
  const batchSize = options.batchSize ?? 1000;
  const report: RepairReport = {
    checked: { legacy: 0, db: 0 },
    copied: { legacy: 0, db: 0 },
    completed: { legacy: 0, db: 0 },
    conflicts: [],
    failed: [],
    journalCleared: 0,
  };
  for (const [from, to] of [
    ['legacy', 'db'],
    ['db', 'legacy'],
  ] as const) {
    for await (const batch of inBatches(stores[from].listInvocations({ pageSize: batchSize }), batchSize)) {
      report.checked[from] += batch.length;
      const there = await stores[to].getInvocations(batch.map((i) => i.id));
      const copies: Invocation[] = [];
      batch.forEach((here, i) => {
        const other = there[i] ?? null;
        if (other === null) copies.push(here);
        else if (here.status !== 'pending' && other.status === 'pending') copies.push(here);
        else if (from === 'legacy' && here.status !== 'pending' && other.status !== 'pending') {
          const diff = diffAnswers(here, other);
          if (diff.length > 0) report.conflicts.push({ id: here.id, diff });
        }
      });
      if (copies.length > 0) await copyInto(stores[to], to, copies, report);
      options.onProgress?.(report);
    }
  }
  return report;
}

async function copyInto(store: SkillMetricsStore, side: Side, copies: Invocation[], report: RepairReport) {
  const count = (outcome: string) => {
    if (outcome === 'inserted') report.copied[side]++;
    else if (outcome === 'completed') report.completed[side]++;
  };
  try {
    const done = await store.recordInvocations(copies, COPY_AS_STORED);
    report.copied[side] += done.inserted;
    report.completed[side] += done.completed;
    return;
  } catch {
    // One of them may be refused: each alone, so that the others are copied.
  }
  for (const invocation of copies) {
    try {
      count((await store.recordInvocation(invocation, COPY_AS_STORED)).outcome);
    } catch (error) {
      report.failed.push({ id: invocation.id, side, error: (error as Error).message });
    }
  }
}
