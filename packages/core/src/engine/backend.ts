import type { SkillMetricsError } from '../contract/errors.js';
import type {
  Invocation,
  RecordResult,
  SkillMetrics,
  SkillOverview,
  TimelineBucket,
  TrackOptions,
  WorkflowPathMatch,
} from '../contract/types.js';
import type { KeptState } from './bulk.js';
import type { ExportChunk } from './export.js';
import type { InvocationFilter } from './query.js';
import type { CheckedInvocation } from './record.js';
import type { TimelineRange } from './timeline.js';
import type { ContextKind, ContextSkillTotals, SummaryInput } from './totals.js';

/**
 * The seam between the engine and a storage: the few operations a store is made of. The engine
 * (`EngineStore`) checks every input, makes the handle and times it, and shapes every answer; a
 * backend only stores and fetches. Each write is atomic: it happens whole, or not at all and
 * rejects. Arguments arrive checked and canonical.
 */
export interface StoreBackend {
  /** Stores a new pending invocation and returns its id (a backend may derive its own). */
  insertPending(invocation: NewInvocation): Promise<string>;
  /**
   * Finishes the pending invocation `id` and adds it to every figure. Rejects with
   * `UnknownInvocationError`, or `InvocationAlreadyCompletedError` when it is finished already.
   * `outcome` may be worked out from the stored invocation, within the write (it may throw, and
   * then nothing is written).
   */
  finish(id: string, outcome: Outcome | OutcomeOf): Promise<void>;
  /** Imports a batch whole through `recordEach`, or nothing of it. */
  record(batch: readonly CheckedInvocation[]): Promise<RecordResult[]>;

  /** The invocations with these ids, in their order; `null` where there is none. */
  invocations(ids: readonly string[]): Promise<Array<Invocation | null>>;
  skillMetrics(skillName: string): Promise<SkillMetrics | null>;
  /** Every skill's metrics in `byUsage` order. */
  allMetrics(): Promise<SkillMetrics[]>;
  /** Every skill's usage in `byUsage` order. */
  usage(): Promise<SummaryInput[]>;
  /** Every skill with an invocation, pending ones included, by name in code-point order, in one read. */
  overview(): Promise<SkillOverview[]>;
  /** How many invocations pass `filter`. */
  count(filter: InvocationFilter): Promise<number>;
  /** The invocations that pass `filter`, in `byStartThenId` order, fetched `pageSize` at a time. */
  list(filter: InvocationFilter, pageSize: number): AsyncIterable<Invocation>;
  /**
   * Every invocation in `byStartThenId` order as export text, for a backend that writes it faster
   * than `list` and the engine's formatting; without it, the export formats what `list` gives.
   */
  exportInvocations?(): AsyncIterable<ExportChunk>;

  durationPercentiles(skillName: string, qs: readonly number[], exact: boolean): Promise<Array<number | null>>;
  /** Every bucket of `range`, for one skill or (null) all of them. */
  timeline(skillName: string | null, range: TimelineRange): Promise<TimelineBucket[]>;
  /** The (skill, path) pairs where every word is the start of a word of the path, best `limit` by `byMatchRank`. */
  searchPaths(words: readonly string[], limit: number): Promise<WorkflowPathMatch[]>;
  /** The skills' totals in one session or project. */
  contextTotals(kind: ContextKind, key: string): Promise<ContextSkillTotals[]>;

  /**
   * `record`, keeping `keep` in the same transaction (see `BulkImport`), for a storage that keeps
   * state beside the metrics.
   */
  recordKeeping?(batch: readonly CheckedInvocation[], keep: KeptState | null): Promise<RecordResult[]>;

  close(): Promise<void>;
  /** The typed error for a failure of the storage itself (what a backend's driver throws). */
  storageError(error: unknown): SkillMetricsError;
}

/** A new invocation, as `trackInvocation` starts it. */
export interface NewInvocation extends Required<{ [K in keyof TrackOptions]: NonNullable<TrackOptions[K]> | null }> {
  skillName: string;
  /** Canonical. */
  invokedAt: string;
}

/** An outcome worked out from the pending invocation as stored (`completeInvocation`). */
export type OutcomeOf = (stored: { invokedAt: string }) => Outcome;

/** How a live invocation ended, as its handle measured it. */
export interface Outcome {
  completed: boolean;
  /** Canonical. */
  completedAt: string;
  durationSeconds: number;
  errorType: string | null;
  followUpActions: string[];
}
