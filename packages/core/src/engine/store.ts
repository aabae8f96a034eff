import { describe, InvalidInputError, StoreClosedError } from '../contract/errors.js';
import { formatEpochMs } from '../contract/time.js';
import type {
  AnalyticsStore,
  CompleteOptions,
  ContextSkillFigures,
  Invocation,
  InvocationHandle,
  InvocationInput,
  InvocationQuery,
  MetricsSummary,
  ProjectMetrics,
  RecordBatchResult,
  RecordResult,
  SkillMetrics,
  TimelineBucket,
  TimelineOptions,
  TrackOptions,
  WorkflowPathMatch,
} from '../contract/types.js';
import type { StoreBackend } from './backend.js';
import {
  checkCompleteOptions,
  checkInvocationBatch,
  checkInvocationInput,
  checkOptions,
  checkSkillName,
  checkText,
  checkTrackOptions,
} from './checks.js';
import { writeLegacyExport } from './export.js';
import { checkInvocationQuery, checkQuantiles } from './query.js';
import { formatReport } from './report.js';
import { checkSearch } from './search.js';
import { timelineRange } from './timeline.js';
import { byContextUsage, summarize, toContextFigures, toProjectMetrics } from './totals.js';
import { trackWith } from './track.js';

/** Where a store reads the time: wall clock for timestamps, a monotonic clock for durations. */
export interface Clock {
  /** Epoch milliseconds. @default Date.now */
  now(): number;
  /** Milliseconds from any fixed point, never going back. @default performance.now */
  monotonic(): number;
}

const PERCENTILE_OPTIONS: ReadonlySet<string> = new Set(['exact']);

export const SYSTEM_CLOCK: Clock = { now: () => Date.now(), monotonic: () => performance.now() };

export interface EngineOptions {
  /** The clocks the store reads (tests give their own). @default the system's */
  clock?: Clock;
}

/**
 * The part of every store that does not depend on the storage: it checks every input, starts and
 * times invocations, and turns what the backend stores into the contract's answers. A store is an
 * `EngineStore` over its own `StoreBackend`.
 */
export class EngineStore implements AnalyticsStore {
  readonly #backend: StoreBackend;
  readonly #clock: Clock;
  #closed = false;

  constructor(backend: StoreBackend, options: EngineOptions = {}) {
    this.#backend = backend;
    this.#clock = options.clock ?? SYSTEM_CLOCK;
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
    const id = await this.#backend.insertPending({
      skillName,
      invokedAt: formatEpochMs(clock.now()),
      workflowPath: o.workflowPath,
      sessionId: o.sessionId,
      projectPath: o.projectPath,
      userContext: o.userContext,
    });
    const started = clock.monotonic();
    return {
      invocationId: id,
      complete: async (completeOptions?: CompleteOptions) => {
        this.#ensureOpen();
        const c = checkCompleteOptions(completeOptions);
        const durationSeconds = (clock.monotonic() - started) / 1000;
        await this.#backend.finish(id, {
          completed: c.completed,
          completedAt: formatEpochMs(clock.now()),
          durationSeconds,
          errorType: c.errorType,
          followUpActions: c.followUpActions,
        });
      },
    };
  }

  track<T>(skillName: string, fn: () => T | Promise<T>, options?: TrackOptions): Promise<T> {
    return trackWith(this, skillName, fn, options);
  }

  async recordInvocation(invocation: InvocationInput): Promise<RecordResult> {
    this.#ensureOpen();
    const [result] = await this.#backend.record([checkInvocationInput(invocation)]);
    return result as RecordResult;
  }

  async recordInvocations(invocations: Iterable<InvocationInput>): Promise<RecordBatchResult> {
    this.#ensureOpen();
    const batch = checkInvocationBatch(invocations);
    const counts = { inserted: 0, completed: 0, unchanged: 0 };
    if (batch.length === 0) return counts;
    for (const r of await this.#backend.record(batch)) counts[r.outcome] += 1;
    return counts;
  }

  async getSkillMetrics(skillName: string): Promise<SkillMetrics | null> {
    this.#ensureOpen();
    return this.#backend.skillMetrics(checkSkillName(skillName));
  }

  async getAllMetrics(): Promise<Map<string, SkillMetrics>> {
    this.#ensureOpen();
    const result = new Map<string, SkillMetrics>();
    for (const m of await this.#backend.allMetrics()) result.set(m.skillName, m);
    return result;
  }

  async getSummary(): Promise<MetricsSummary> {
    this.#ensureOpen();
    return summarize(await this.#backend.usage());
  }

  async *listInvocations(query: InvocationQuery = {}): AsyncGenerator<Invocation> {
    this.#ensureOpen();
    const { filter, pageSize } = checkInvocationQuery(query);
    for await (const invocation of this.#backend.list(filter, pageSize)) {
      this.#ensureOpen();
      yield invocation;
    }
  }

  async getDurationPercentiles(
    skillName: string,
    qs: readonly number[],
    options: { exact?: boolean } = {},
  ): Promise<Array<number | null>> {
    this.#ensureOpen();
    checkSkillName(skillName);
    checkQuantiles(qs);
    const { exact } = checkOptions(options, 'options', PERCENTILE_OPTIONS);
    if (exact !== undefined && typeof exact !== 'boolean') {
      throw new InvalidInputError('options.exact', `must be a boolean, got ${describe(exact)}`);
    }
    return this.#backend.durationPercentiles(skillName, qs, exact === true);
  }

  async getSkillTimeline(skillName: string, options?: TimelineOptions): Promise<TimelineBucket[]> {
    this.#ensureOpen();
    checkSkillName(skillName);
    return this.#backend.timeline(skillName, timelineRange(options, this.#clock.now()));
  }

  async getTimeline(options?: TimelineOptions): Promise<TimelineBucket[]> {
    this.#ensureOpen();
    return this.#backend.timeline(null, timelineRange(options, this.#clock.now()));
  }

  async searchWorkflowPaths(query: string, options?: { limit?: number }): Promise<WorkflowPathMatch[]> {
    this.#ensureOpen();
    const { words, limit } = checkSearch(query, options);
    return words.length === 0 ? [] : this.#backend.searchPaths(words, limit);
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

  async exportMetrics(path: string): Promise<void> {
    this.#ensureOpen();
    if (typeof path !== 'string' || path.length === 0) throw new InvalidInputError('path', 'must be a file path');
    await writeLegacyExport(path, {
      summary: await this.getSummary(),
      skills: (await this.getAllMetrics()).values(),
      invocations: this.listInvocations({ pageSize: 2000 }),
    });
  }

  /** Waits for what the backend still has to write, then closes it. Closing twice is quiet. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#backend.close();
  }

  async #contextFigures(kind: 'session' | 'project', key: string): Promise<ContextSkillFigures[]> {
    return (await this.#backend.contextTotals(kind, key)).sort(byContextUsage).map(toContextFigures);
  }

  #ensureOpen(): void {
    if (this.#closed) throw new StoreClosedError();
  }
}
