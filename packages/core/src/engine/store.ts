import type { BulkImport } from '../contract/bulk.js';
import { describe, InvalidInputError, SkillMetricsError, StoreClosedError } from '../contract/errors.js';
import { formatEpochMs } from '../contract/time.js';
import type {
  AnalyticsStore,
  CompleteByIdOptions,
  CompleteOptions,
  ContextSkillFigures,
  ExportResult,
  Invocation,
  InvocationHandle,
  InvocationInput,
  InvocationQuery,
  MetricsSummary,
  ProjectMetrics,
  RecordBatchResult,
  RecordOptions,
  RecordResult,
  SkillMetrics,
  SkillOverview,
  TimelineBucket,
  TimelineOptions,
  TrackOptions,
  WorkflowPathMatch,
} from '../contract/types.js';
import type { NewInvocation, Outcome, StoreBackend } from './backend.js';
import { engineBulkImport } from './bulk.js';
import {
  checkCompleteById,
  checkCompleteOptions,
  checkIds,
  checkInvocationBatch,
  checkInvocationInput,
  checkOptions,
  checkRecordOptions,
  checkSkillName,
  checkText,
  checkTrackOptions,
} from './checks.js';
import { type ExportChunk, invocationChunks, writeLegacyExport } from './export.js';
import { checkCount, checkInvocationQuery, checkQuantiles } from './query.js';
import { recordInChunks } from './record.js';
import { formatReport } from './report.js';
import { checkSearch } from './search.js';
import { OperationTimer } from './telemetry.js';
import { timelineRange } from './timeline.js';
import { byContextUsage, summarize, toContextFigures, toProjectMetrics } from './totals.js';
import { type TrackErrorHandler, trackWith, warnOnce } from './track.js';

/** Where a store reads the time: wall clock for timestamps, a monotonic clock for durations. */
export interface Clock {
  /** Epoch milliseconds. @default Date.now */
  now(): number;
  /** Milliseconds from any fixed point, never going back. @default performance.now */
  monotonic(): number;
}

export const SYSTEM_CLOCK: Clock = { now: () => Date.now(), monotonic: () => performance.now() };

/** The options every store takes. */
export interface EngineOptions {
  /** The clocks the store reads (tests give their own). @default the system's */
  clock?: Clock;
  /**
   * Where `track()` sends a failure to record its invocation, which it keeps from the caller.
   * @default one warning line (`process.emitWarning`)
   */
  onError?: TrackErrorHandler;
  /**
   * `recordInvocations` commits a large batch this many invocations at a time, so that a long
   * import never holds the write lock long: each chunk is whole or not at all.
   * @default the store's (SQLite: 2000; the legacy file: the whole batch)
   */
  importChunkSize?: number;
}

/** The names of the engine's options, for the stores' own checks of theirs. */
export const ENGINE_OPTIONS = ['clock', 'onError', 'importChunkSize'] as const;

const PERCENTILE_OPTIONS: ReadonlySet<string> = new Set(['exact']);

/**
 * The part of every store that does not depend on the storage: it checks every input, starts and
 * times invocations, and turns what the backend stores into the contract's answers. A store is an
 * `EngineStore` over its own `StoreBackend`; a failure of the storage reaches the caller typed
 * (`StorageError`), never raw.
 */
export class EngineStore implements AnalyticsStore {
  readonly #backend: StoreBackend;
  readonly #clock: Clock;
  readonly #onError: TrackErrorHandler;
  readonly #chunkSize: number;
  readonly #timer = new OperationTimer();
  #closed = false;
  readonly #ensure = () => this.#ensureOpen();
  /** Importing with a checkpoint in every batch's transaction (see `BulkImport`), where the storage can. */
  readonly bulk: BulkImport | null;

  constructor(backend: StoreBackend, options: EngineOptions = {}, defaultChunkSize = Number.POSITIVE_INFINITY) {
    const checked = checkEngineOptions(options, defaultChunkSize);
    this.#backend = backend;
    this.#clock = checked.clock;
    this.#onError = checked.onError;
    this.#chunkSize = checked.importChunkSize;
    const guard = {
      ensureOpen: this.#ensure,
      call: <T>(ask: () => Promise<T>) => this.#call('bulk.recordInvocations', ask),
      chunkSize: this.#chunkSize,
    };
    this.bulk = backend.recordKeeping ? engineBulkImport(backend.recordKeeping.bind(backend), guard) : null;
  }

  /** Whether `close()` has been called. */
  get closed(): boolean {
    return this.#closed;
  }

  async trackInvocation(skillName: string, options?: TrackOptions): Promise<InvocationHandle> {
    this.#ensureOpen();
    checkSkillName(skillName);
    const o = checkTrackOptions(options);
    const clock = this.#clock;
    const startMs = clock.now();
    const started: NewInvocation = {
      skillName,
      invokedAt: formatEpochMs(startMs),
      workflowPath: o.workflowPath,
      sessionId: o.sessionId,
      projectPath: o.projectPath,
      userContext: o.userContext,
    };
    const id = await this.#call('trackInvocation', () => this.#backend.insertPending(started));
    const startedAt = clock.monotonic();
    const invocation = pendingInvocation(id, started);
    return {
      invocationId: id,
      invocation,
      complete: async (completeOptions?: CompleteOptions) => {
        this.#ensureOpen();
        const c = checkCompleteOptions(completeOptions);
        const durationSeconds = (clock.monotonic() - startedAt) / 1000;
        const outcome: Outcome = {
          completed: c.completed,
          // The start on the wall clock plus the duration on the monotonic one: a wall clock set
          // back while it ran cannot make an invocation end before it began.
          completedAt: formatEpochMs(startMs + durationSeconds * 1000),
          durationSeconds,
          errorType: c.errorType,
          followUpActions: c.followUpActions,
        };
        await this.#call('complete', () => this.#backend.finish(id, outcome));
        return finishedInvocation(invocation, outcome);
      },
    };
  }

  async completeInvocation(id: string, options?: CompleteByIdOptions): Promise<void> {
    this.#ensureOpen();
    checkSkillName(id, 'id');
    await this.#call('completeInvocation', () =>
      this.#backend.finish(id, checkCompleteById(options, this.#clock.now())),
    );
  }

  track<T>(skillName: string, fn: () => T | Promise<T>, options?: TrackOptions): Promise<T> {
    return trackWith(this, this.#onError, skillName, fn, options);
  }

  async recordInvocation(invocation: InvocationInput, options?: RecordOptions): Promise<RecordResult> {
    this.#ensureOpen();
    const { legacyQuirks } = checkRecordOptions(options);
    const checked = checkInvocationInput(invocation, 'invocation', legacyQuirks);
    const [result] = await this.#call('recordInvocation', () => this.#backend.record([checked]));
    return result as RecordResult;
  }

  async recordInvocations(invocations: Iterable<InvocationInput>, options?: RecordOptions): Promise<RecordBatchResult> {
    this.#ensureOpen();
    const batch = checkInvocationBatch(invocations, checkRecordOptions(options).legacyQuirks);
    return recordInChunks(
      batch,
      this.#chunkSize,
      (chunk) => this.#call('recordInvocations', () => this.#backend.record(chunk)),
      this.#ensure,
    );
  }

  async getInvocation(id: string): Promise<Invocation | null> {
    this.#ensureOpen();
    const [found] = await this.#call('getInvocation', () => this.#backend.invocations([checkSkillName(id, 'id')]));
    return found ?? null;
  }

  async getInvocations(ids: readonly string[]): Promise<Array<Invocation | null>> {
    this.#ensureOpen();
    const checked = checkIds(ids);
    return checked.length === 0 ? [] : this.#call('getInvocations', () => this.#backend.invocations(checked));
  }

  async getSkillMetrics(skillName: string): Promise<SkillMetrics | null> {
    this.#ensureOpen();
    return this.#call('getSkillMetrics', () => this.#backend.skillMetrics(checkSkillName(skillName)));
  }

  async getAllMetrics(): Promise<Map<string, SkillMetrics>> {
    this.#ensureOpen();
    const result = new Map<string, SkillMetrics>();
    for (const m of await this.#call('getAllMetrics', () => this.#backend.allMetrics())) result.set(m.skillName, m);
    return result;
  }

  async getSummary(): Promise<MetricsSummary> {
    this.#ensureOpen();
    return summarize(await this.#call('getSummary', () => this.#backend.usage()));
  }

  async getSkillOverview(): Promise<SkillOverview[]> {
    this.#ensureOpen();
    return this.#call('getSkillOverview', () => this.#backend.overview());
  }

  async countInvocations(query?: InvocationQuery): Promise<number> {
    this.#ensureOpen();
    return this.#call('countInvocations', () => this.#backend.count(checkInvocationQuery(query).filter));
  }

  async *listInvocations(query: InvocationQuery = {}): AsyncGenerator<Invocation> {
    this.#ensureOpen();
    const { filter, pageSize } = checkInvocationQuery(query);
    const pages = this.#backend.list(filter, pageSize)[Symbol.asyncIterator]();
    for (;;) {
      let next: IteratorResult<Invocation>;
      try {
        next = await pages.next();
      } catch (error) {
        throw this.#typed(error);
      }
      if (next.done) return;
      this.#ensureOpen();
      yield next.value;
    }
  }

  async getDurationPercentiles(
    skillName: string,
    qs: readonly number[],
    options?: { exact?: boolean },
  ): Promise<Array<number | null>> {
    this.#ensureOpen();
    checkSkillName(skillName);
    checkQuantiles(qs);
    const { exact } = checkOptions(options, 'options', PERCENTILE_OPTIONS);
    if (exact !== undefined && typeof exact !== 'boolean') {
      throw new InvalidInputError('options.exact', `must be a boolean, got ${describe(exact)}`);
    }
    return this.#call('getDurationPercentiles', () => this.#backend.durationPercentiles(skillName, qs, exact === true));
  }

  async getSkillTimeline(skillName: string, options?: TimelineOptions): Promise<TimelineBucket[]> {
    this.#ensureOpen();
    checkSkillName(skillName);
    return this.#call('getSkillTimeline', () =>
      this.#backend.timeline(skillName, timelineRange(options, this.#clock.now())),
    );
  }

  async getTimeline(options?: TimelineOptions): Promise<TimelineBucket[]> {
    this.#ensureOpen();
    return this.#call('getTimeline', () => this.#backend.timeline(null, timelineRange(options, this.#clock.now())));
  }

  async searchWorkflowPaths(query: string, options?: { limit?: number }): Promise<WorkflowPathMatch[]> {
    this.#ensureOpen();
    const { words, limit } = checkSearch(query, options);
    return words.length === 0 ? [] : this.#call('searchWorkflowPaths', () => this.#backend.searchPaths(words, limit));
  }

  async getSessionSkills(sessionId: string): Promise<ContextSkillFigures[]> {
    this.#ensureOpen();
    return this.#contextFigures('session', checkText(sessionId, 'sessionId'));
  }

  async getProjectMetrics(projectPath: string): Promise<ProjectMetrics | null> {
    this.#ensureOpen();
    const path = checkText(projectPath, 'projectPath');
    return toProjectMetrics(path, await this.#contextFigures('project', path));
  }

  async generateReport(): Promise<string> {
    return formatReport(await this.getSummary(), await this.getAllMetrics());
  }

  /** Writes the legacy `export_metrics` JSON to `path` (see `writeLegacyExport`) and says what it wrote. */
  async exportMetrics(path: string): Promise<ExportResult> {
    this.#ensureOpen();
    if (typeof path !== 'string' || path.length === 0) throw new InvalidInputError('path', 'must be a file path');
    return writeLegacyExport(path, {
      summary: await this.getSummary(),
      skills: (await this.getAllMetrics()).values(),
      invocations: this.#exportChunks(),
    });
  }

  /** The invocations as export text: the backend's own when it has it, else `listInvocations` formatted. */
  async *#exportChunks(): AsyncGenerator<ExportChunk> {
    const own = this.#backend.exportInvocations?.();
    if (own === undefined) {
      yield* invocationChunks(this.listInvocations({ pageSize: 2000 }));
      return;
    }
    const chunks = own[Symbol.asyncIterator]();
    for (;;) {
      this.#ensureOpen();
      let next: IteratorResult<ExportChunk>;
      try {
        next = await chunks.next();
      } catch (error) {
        throw this.#typed(error);
      }
      if (next.done) return;
      yield next.value;
    }
  }

  /** Waits for what the backend still has to write, then closes it. Closing twice is quiet. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#call('close', () => this.#backend.close());
  }

  async #contextFigures(kind: 'session' | 'project', key: string): Promise<ContextSkillFigures[]> {
    return (
      await this.#call(kind === 'session' ? 'getSessionSkills' : 'getProjectMetrics', () =>
        this.#backend.contextTotals(kind, key),
      )
    )
      .sort(byContextUsage)
      .map(toContextFigures);
  }

  /** The backend's answer, or its failure typed; its time recorded as `operation`'s. */
  async #call<T>(operation: string, ask: () => Promise<T>): Promise<T> {
    const started = performance.now();
    let ok = false;
    try {
      const answer = await ask();
      ok = true;
      return answer;
    } catch (error) {
      throw this.#typed(error);
    } finally {
      this.#timer.record(operation, ok, started);
    }
  }

  #typed(error: unknown): SkillMetricsError {
    return error instanceof SkillMetricsError ? error : this.#backend.storageError(error);
  }

  #ensureOpen(): void {
    if (this.#closed) throw new StoreClosedError();
  }
}

function pendingInvocation(id: string, started: NewInvocation): Invocation {
  return {
    id,
    ...started,
    // The caller's copy: what the backend keeps is not theirs to change.
    userContext: started.userContext === null ? null : structuredClone(started.userContext),
    status: 'pending',
    completed: false,
    completedAt: null,
    durationSeconds: null,
    errorType: null,
    followUpActions: [],
  };
}

function finishedInvocation(pending: Invocation, outcome: Outcome): Invocation {
  return {
    ...pending,
    status: outcome.completed ? 'completed' : 'abandoned',
    completed: outcome.completed,
    completedAt: outcome.completedAt,
    durationSeconds: outcome.durationSeconds,
    errorType: outcome.errorType,
    followUpActions: [...outcome.followUpActions],
  };
}

/**
 * The engine's options, checked, with their defaults. A store checks them before it opens its
 * storage, so that a bad option leaves nothing open.
 */
export function checkEngineOptions(options: EngineOptions, defaultChunkSize = Number.POSITIVE_INFINITY) {
  const c = options.clock as Partial<Clock> | null | undefined;
  if (
    c !== undefined &&
    (c === null || typeof c !== 'object' || typeof c.now !== 'function' || typeof c.monotonic !== 'function')
  ) {
    throw new InvalidInputError('clock', 'must be an object with now() and monotonic()');
  }
  if (options.onError !== undefined && typeof options.onError !== 'function') {
    throw new InvalidInputError('onError', `must be a function, got ${describe(options.onError)}`);
  }
  return {
    clock: (c as Clock | undefined) ?? SYSTEM_CLOCK,
    onError: options.onError ?? warnOnce,
    importChunkSize:
      options.importChunkSize === undefined ? defaultChunkSize : checkCount(options.importChunkSize, 'importChunkSize'),
  };
}
