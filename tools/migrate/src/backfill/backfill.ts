import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  bulkImportOf,
  InvalidInputError,
  type Invocation,
  notesOf,
  type SkillMetricsStore,
  systemTimeZone,
} from '@skill-metrics/core/contract';
import { type LegacyQuirk, readLegacyFile } from '@skill-metrics/json-legacy';

/** The state key under which a backfill keeps how far it got, per file. */
export const CHECKPOINT_KEY = 'backfill.checkpoint';

export interface BackfillOptions {
  /** The legacy `skill_metrics.json`. */
  file: string;
  /** The database store to fill; nothing is written to it with `dryRun`. */
  db: SkillMetricsStore;
  /** The zone of the file's naive times. @default the machine's */
  timeZone?: string;
  /** Invocations per `recordInvocations` (and per checkpoint). @default 2000 */
  batchSize?: number;
  /** Read and count, write nothing. */
  dryRun?: boolean;
  /** Start again from the first invocation, whatever a checkpoint says. */
  restart?: boolean;
  /** Called after each batch. */
  onProgress?: (progress: BackfillProgress) => void;
  /** Stops at the next batch boundary; the checkpoint says where to resume. */
  signal?: AbortSignal;
}

export interface BackfillProgress {
  /** Invocations read so far (those skipped by a resume included). */
  read: number;
  /** The file's size and how far into it the reader is, in bytes. */
  bytes: number;
  offset: number;
}

/** Where a backfill of one file got to: every invocation before `ordinal` is in the database. */
export interface Checkpoint {
  path: string;
  ordinal: number;
  /** The id of the invocation at `ordinal - 1`: a file replaced since does not resume. */
  lastId: string;
  at: string;
}

export interface BackfillReport {
  file: string;
  timeZone: string;
  dryRun: boolean;
  /** Invocations in the file. */
  read: number;
  /** Invocations skipped because a checkpoint said they were in already. */
  resumedFrom: number;
  /** What the database did with the rest (with `dryRun`: what it would be given). */
  inserted: number;
  completed: number;
  unchanged: number;
  pending: number;
  quirks: LegacyQuirk[];
  /** Whether the run stopped early (a signal); `resumedFrom` of the next run picks it up. */
  stopped: boolean;
  elapsedMs: number;
}

function checkBatchSize(value: unknown): number {
  if (value === undefined) return 2000;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 10_000) {
    throw new InvalidInputError('batchSize', `must be a whole number from 1 to 10000, got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * Streams a legacy file into a database: the same ids every reader gives the file's invocations, so a
 * second run adds nothing, pending invocations stay pending, and an invocation the database already
 * holds finished is never turned back. After each batch the database keeps a checkpoint, so a run
 * killed at any point resumes where its last batch ended.
 */
export async function backfill(options: BackfillOptions): Promise<BackfillReport> {
  const started = Date.now();
  const file = resolve(options.file);
  const batchSize = checkBatchSize(options.batchSize);
  const timeZone = options.timeZone ?? systemTimeZone();
  const dryRun = options.dryRun === true;
  const notes = notesOf(options.db);
  const bytes = statSync(file).size;
  const saved = notes && !options.restart ? ((await notes.getState(CHECKPOINT_KEY)) as Checkpoint | null) : null;
  const resumeAt = saved?.path === file ? saved.ordinal : 0;
  const reader = readLegacyFile(file, { timeZone });
  const report: BackfillReport = {
    file,
    timeZone: reader.timeZone,
    dryRun,
    read: 0,
    resumedFrom: resumeAt,
    inserted: 0,
    completed: 0,
    unchanged: 0,
    pending: 0,
    quirks: [],
    stopped: false,
    elapsedMs: 0,
  };
  // A database that imports in bulk keeps each batch's checkpoint in the batch's own transaction.
  const bulk = dryRun ? null : bulkImportOf(options.db);

  let batch: Invocation[] = [];
  let offset = 0;
  let lastId = '';
  const flush = async (upTo: number) => {
    const checkpoint: Checkpoint = { path: file, ordinal: upTo, lastId, at: new Date().toISOString() };
    if (batch.length > 0 && !dryRun) {
      // The old tracker's values a live caller may not give (a negative duration, an empty skill
      // name, a pending entry with an outcome) are kept as they were and counted as it counted them.
      const done = bulk
        ? await bulk.recordInvocations(batch, { legacyQuirks: true, keep: { key: CHECKPOINT_KEY, value: checkpoint } })
        : await options.db.recordInvocations(batch, { legacyQuirks: true });
      report.inserted += done.inserted;
      report.completed += done.completed;
      report.unchanged += done.unchanged;
    } else if (dryRun) report.inserted += batch.length;
    batch = [];
    if (!dryRun && notes && !bulk) await notes.setState(CHECKPOINT_KEY, checkpoint);
    options.onProgress?.({ read: report.read, bytes, offset });
  };

  for await (const entries of reader.batches()) {
    for (const entry of entries) {
      report.read++;
      offset = entry.offset;
      if (entry.ordinal < resumeAt) {
        // Not the file the checkpoint was taken of: read it all.
        if (entry.ordinal === resumeAt - 1 && entry.id !== saved?.lastId) {
          await reader.finish().catch(() => undefined);
          return backfill({ ...options, restart: true });
        }
        continue;
      }
      lastId = entry.id;
      const inv = entry.invocation;
      if (inv.status === 'pending') report.pending++;
      batch.push(inv);
      if (batch.length === batchSize) {
        await flush(entry.ordinal + 1);
        if (options.signal?.aborted) {
          report.stopped = true;
          await reader.finish().catch(() => undefined);
          report.elapsedMs = Date.now() - started;
          return report;
        }
      }
    }
  }
  if (report.read < resumeAt) return backfill({ ...options, restart: true }); // a shorter file: another one
  await flush(report.read);
  // A whole run leaves no checkpoint: the next run reads the file again from the start (adding
  // nothing it holds), so completions the file has gained since are not skipped.
  if (!dryRun) await notes?.setState(CHECKPOINT_KEY, null);
  report.quirks = reader.summary().quirks;
  report.elapsedMs = Date.now() - started;
  return report;
}
