import {
  exactPercentiles,
  type Invocation,
  InvocationAlreadyCompletedError,
  type RecordResult,
  type SkillMetrics,
  type SkillOverview,
  type StorageError,
  StoreFullError,
  StoreIOError,
  StoreReadOnlyError,
  type TimelineBucket,
  UnknownInvocationError,
  type WorkflowPathMatch,
} from '@skill-metrics/core/contract';
import {
  byStartThenId,
  byUsage,
  type CheckedInvocation,
  type ContextKind,
  type ContextSkillTotals,
  contextTotalsOfKey,
  copyTotals,
  type DurationPercentiles,
  type InvocationFilter,
  METRIC_PERCENTILES,
  matchesFilter,
  type NewInvocation,
  NO_PERCENTILES,
  type Outcome,
  type OutcomeOf,
  recordEach,
  type StoreBackend,
  type SummaryInput,
  searchPathsOf,
  type TimelineRange,
  timelineOf,
  toDurationPercentiles,
  toSkillMetrics,
  withPendingCounts,
} from '@skill-metrics/core/engine';
import { completedAtToWrite, toRaw } from '../format.js';
import { cloneJson } from '../pyjson.js';
import { type CommitOptions, CommitQueue } from './commit-queue.js';
import { LoadedFile } from './loaded-file.js';
import { type FileState, finishedViewsOf, ordinalOf, viewAt, viewsOf } from './state.js';

/**
 * The legacy file as a storage: writes go through the commit queue (locked, atomic, grouped), reads
 * are answered from the file as last read, folded by the engine's in-memory analytics. Percentiles
 * are exact: the file holds every duration.
 */
export class LegacyFileBackend implements StoreBackend {
  readonly file: LoadedFile;
  readonly #commits: CommitQueue;
  readonly #timeZone: string;
  /** Where each invocation this process started is in the list: `finish` looks there first. */
  readonly #started = new Map<string, number>();
  readonly #pathWords = new Map<string, string[]>();
  #percentiles: { state: FileState; version: number; bySkill: Map<string, DurationPercentiles> } | null = null;

  constructor(path: string, timeZone: string, options: CommitOptions) {
    this.#timeZone = timeZone;
    this.file = new LoadedFile(path, timeZone);
    this.#commits = new CommitQueue(this.file, options);
  }

  async insertPending(invocation: NewInvocation): Promise<string> {
    const raw = toRaw(
      {
        ...invocation,
        status: 'pending',
        completed: false,
        durationSeconds: null,
        errorType: null,
        followUpActions: [],
      },
      this.#timeZone,
    );
    const { id, ordinal } = await this.#commits.change((log) => log.append(raw, null));
    this.#started.set(id, ordinal);
    return id;
  }

  async finish(id: string, given: Outcome | OutcomeOf): Promise<void> {
    const hint = this.#started.get(id);
    await this.#commits.change((log) => {
      const at = log.find(id, hint);
      if (at === undefined) throw new UnknownInvocationError(id);
      if (!log.isPending(at)) throw new InvocationAlreadyCompletedError(id);
      const { invokedAt } = viewAt(log.state, at, this.#timeZone);
      const outcome = typeof given === 'function' ? given({ invokedAt }) : given;
      const finished = { invokedAt, status: 'completed' as const, ...outcome };
      log.finish(at, {
        completed: outcome.completed,
        durationSeconds: outcome.durationSeconds,
        followUpActions: outcome.followUpActions,
        errorType: outcome.errorType,
        // Kept only when `invoked_at + duration` does not give it (a completion given by id, say).
        completedAt: completedAtToWrite(finished as Invocation, true),
      });
    });
    this.#started.delete(id);
  }

  record(batch: readonly CheckedInvocation[]): Promise<RecordResult[]> {
    return this.#commits.change((log) => recordEach(batch, log.recordSteps()).results);
  }

  async invocations(ids: readonly string[]): Promise<Array<Invocation | null>> {
    const state = await this.file.current();
    return ids.map((id) => {
      const ordinal = ordinalOf(state, id);
      return ordinal === undefined ? null : copyInvocation(viewAt(state, ordinal, this.#timeZone));
    });
  }

  async skillMetrics(skillName: string): Promise<SkillMetrics | null> {
    const state = await this.file.current();
    const totals = state.totals.get(skillName);
    return totals ? toSkillMetrics(copyTotals(totals), this.#percentilesOf(state).get(skillName)) : null;
  }

  async allMetrics(): Promise<SkillMetrics[]> {
    const state = await this.file.current();
    const percentiles = this.#percentilesOf(state);
    return [...state.totals.values()]
      .sort(byUsage)
      .map((t) => toSkillMetrics(copyTotals(t), percentiles.get(t.skillName)));
  }

  async usage(): Promise<SummaryInput[]> {
    return [...(await this.file.current()).totals.values()].sort(byUsage);
  }

  async overview(): Promise<SkillOverview[]> {
    const state = await this.file.current();
    const percentiles = this.#percentilesOf(state);
    const pending = new Map<string, number>();
    for (const view of viewsOf(state, this.#timeZone)) {
      if (view.status === 'pending') pending.set(view.skillName, (pending.get(view.skillName) ?? 0) + 1);
    }
    const totals = [...state.totals.values()].map((t) => ({
      skillName: t.skillName,
      completedInvocations: t.completedInvocations,
      abandonedInvocations: t.abandonedInvocations,
      pendingInvocations: 0,
      totalDurationSeconds: t.totalDurationSeconds,
      ...(percentiles.get(t.skillName) ?? NO_PERCENTILES),
    }));
    return withPendingCounts(totals, pending);
  }

  async count(filter: InvocationFilter): Promise<number> {
    let n = 0;
    for (const view of viewsOf(await this.file.current(), this.#timeZone)) if (matchesFilter(view, filter)) n++;
    return n;
  }

  async *list(filter: InvocationFilter): AsyncGenerator<Invocation> {
    const state = await this.file.current();
    const selected: Invocation[] = [];
    for (const view of viewsOf(state, this.#timeZone)) if (matchesFilter(view, filter)) selected.push(view);
    // A file store sorts what it read; the order is the one every store gives.
    selected.sort(byStartThenId);
    for (const view of selected) yield copyInvocation(view);
  }

  async durationPercentiles(skillName: string, qs: readonly number[]): Promise<Array<number | null>> {
    return exactPercentiles(durationsOf(await this.file.current()).get(skillName) ?? [], qs);
  }

  async timeline(skillName: string | null, range: TimelineRange): Promise<TimelineBucket[]> {
    return timelineOf(finishedViewsOf(await this.file.current(), this.#timeZone), skillName, range);
  }

  async searchPaths(words: readonly string[], limit: number): Promise<WorkflowPathMatch[]> {
    return searchPathsOf((await this.file.current()).totals.values(), words, limit, this.#pathWords);
  }

  async contextTotals(kind: ContextKind, key: string): Promise<ContextSkillTotals[]> {
    return contextTotalsOfKey(finishedViewsOf(await this.file.current(), this.#timeZone), kind, key);
  }

  /** Waits for every change already made to be written. */
  async close(): Promise<void> {
    await this.#commits.drain();
  }

  storageError(error: unknown): StorageError {
    const code = (error as NodeJS.ErrnoException).code;
    const message = `${this.file.path}: ${(error as Error).message ?? String(error)}`;
    if (code === 'ENOSPC' || code === 'EDQUOT') return new StoreFullError(message, { cause: error });
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')
      return new StoreReadOnlyError(message, { cause: error });
    return new StoreIOError(message, { cause: error });
  }

  /** p50, p95 and p99 of every skill, exact, from one pass over the list; kept until the state changes. */
  #percentilesOf(state: FileState): Map<string, DurationPercentiles> {
    const cached = this.#percentiles;
    if (cached && cached.state === state && cached.version === state.version) return cached.bySkill;
    const bySkill = new Map<string, DurationPercentiles>();
    for (const [name, durations] of durationsOf(state)) {
      bySkill.set(name, toDurationPercentiles(exactPercentiles(durations, METRIC_PERCENTILES)));
    }
    this.#percentiles = { state, version: state.version, bySkill };
    return bySkill;
  }
}

/** Each skill's completed durations, read straight from the raw list (no views needed). */
function durationsOf(state: FileState): Map<string, number[]> {
  const durations = new Map<string, number[]>();
  for (const raw of state.invocations) {
    if (raw.completed !== true || typeof raw.duration_seconds !== 'number') continue;
    const name = raw.skill_name as string;
    let list = durations.get(name);
    if (!list) {
      list = [];
      durations.set(name, list);
    }
    list.push(raw.duration_seconds);
  }
  return durations;
}

function copyInvocation(inv: Invocation): Invocation {
  return {
    ...inv,
    followUpActions: [...inv.followUpActions],
    userContext: inv.userContext === null ? null : cloneJson(inv.userContext),
  };
}
