import {
  type AnalyticsStore,
  type CompleteByIdOptions,
  type CompleteOptions,
  type ContextSkillFigures,
  type ExportResult,
  type Invocation,
  type InvocationHandle,
  type InvocationInput,
  type InvocationQuery,
  type MetricsSummary,
  type ProjectMetrics,
  type RecordBatchResult,
  type RecordOptions,
  type RecordResult,
  type SkillMetrics,
  type SkillOverview,
  StoreClosedError,
  type TimelineBucket,
  type TimelineOptions,
  type TrackOptions,
  type WorkflowPathMatch,
} from '@skill-metrics/core/contract';
import {
  type CheckedInvocation,
  checkInvocationBatch,
  checkInvocationInput,
  checkRecordOptions,
  type TrackErrorHandler,
  trackWith,
  warnOnce,
} from '@skill-metrics/core/engine';
import type { CallContext, ModeFlag } from './flag/mode-flag.js';
import type { Guardrail, GuardrailState } from './guardrail.js';
import type { RepairJournal } from './journal.js';
import type { DualLogger } from './logger.js';
import { ROUTES, type Side, type StorageMode } from './modes.js';
import { type ReconcileOptions, type RepairReport, reconcile } from './repair.js';
import { SecondaryWriter } from './secondary.js';
import type { Mismatch, NotesPublisher, Publisher } from './shadow/publisher.js';
import type { Verifier, VerifyStats } from './shadow/verifier.js';
import type { DualTelemetry } from './telemetry.js';

/** What `openDualStore` assembles a dual store from. */
export interface DualParts {
  stores: Record<Side, AnalyticsStore>;
  flag: ModeFlag;
  guardrail: Guardrail | null;
  verifier: Verifier;
  publisher: Publisher;
  /** The default publisher, when it is the one in use: it can list what it kept. */
  mismatchList: NotesPublisher | null;
  journal: RepairJournal;
  telemetry: DualTelemetry;
  logger: DualLogger;
  onError: TrackErrorHandler | undefined;
}

export interface DualStats {
  /** Invocations started in each mode since the store opened. */
  started: Record<StorageMode, number>;
  /** Writes queued for each store as the secondary, not yet made. */
  backlog: Record<Side, number>;
  /** Secondary writes that failed since the store opened. */
  secondaryFailures: number;
  verify: VerifyStats;
}

/**
 * A checked input, as the secondary is given it: canonical, with its status (for the writer's
 * batching), and `completedAt` only where the caller gave one (so both stores derive the rest alike).
 */
function asInvocation({ completedAtGiven, ...invocation }: CheckedInvocation): Invocation {
  return completedAtGiven ? invocation : { ...invocation, completedAt: null };
}

/** A checked input as the caller gave it (`completedAt` only when given). */
function asInput({ completedAtGiven, status: _, ...invocation }: CheckedInvocation): InvocationInput {
  return completedAtGiven ? invocation : { ...invocation, completedAt: null };
}

function contextOf(value: unknown): CallContext {
  if (value === null || typeof value !== 'object') return {};
  const { sessionId, projectPath } = value as Record<string, unknown>;
  return {
    sessionId: typeof sessionId === 'string' ? sessionId : null,
    projectPath: typeof projectPath === 'string' ? projectPath : null,
  };
}

/**
 * The legacy JSON store and a database store behind one `AnalyticsStore`. Each call gets its mode
 * from the flag (see `ROUTES`): the primary's answer or error is the caller's; the secondary is
 * written behind it with the same id and content, its failures logged, counted, journaled and left
 * for `repair()`; in `verify` and `db-primary` a sample of reads is also asked of the secondary and
 * compared. An invocation keeps the mode it started in until it completes.
 */
export class DualStore implements AnalyticsStore {
  readonly legacy: AnalyticsStore;
  readonly db: AnalyticsStore;
  readonly #p: DualParts;
  readonly #writers: Record<Side, SecondaryWriter>;
  readonly #started: Record<StorageMode, number> = { legacy: 0, 'dual-write': 0, verify: 0, 'db-primary': 0, db: 0 };
  readonly #onError: TrackErrorHandler;
  #closed = false;

  constructor(parts: DualParts) {
    this.#p = parts;
    this.legacy = parts.stores.legacy;
    this.db = parts.stores.db;
    this.#onError = parts.onError ?? warnOnce;
    const outcome = (side: Side) => (invocation: Invocation, error: Error | null) => {
      parts.guardrail?.recordSecondaryWrite(error !== null);
      if (error) parts.journal.record(side, invocation.id, error);
    };
    this.#writers = {
      legacy: new SecondaryWriter('legacy', parts.stores.legacy, outcome('legacy')),
      db: new SecondaryWriter('db', parts.stores.db, outcome('db')),
    };
  }

  /** The mode a call with this context gets now: the flag's, stepped back while the guardrail holds. */
  async modeFor(context: CallContext = {}): Promise<StorageMode> {
    const mode = await this.#p.flag.modeFor(context);
    const guardrail = this.#p.guardrail;
    if (!guardrail) return mode;
    await guardrail.state(); // the state kept in the database, read again when it is due
    return guardrail.adjust(mode);
  }

  /**
   * The mode of a read: `modeFor` without waiting for the database (the guardrail's state is read
   * again in the background), and without a promise when the flag's mode is fixed.
   */
  #modeNow(context: CallContext): StorageMode | Promise<StorageMode> {
    const flagged = this.#p.flag.modeFor(context);
    const guardrail = this.#p.guardrail;
    if (typeof flagged === 'string') return guardrail ? guardrail.adjust(flagged) : flagged;
    return guardrail ? flagged.then((mode) => guardrail.adjust(mode)) : flagged;
  }

  async trackInvocation(skillName: string, options?: TrackOptions): Promise<InvocationHandle> {
    this.#ensureOpen();
    const mode = await this.modeFor(contextOf(options));
    const route = ROUTES[mode];
    const handle = await this.#p.stores[route.primary].trackInvocation(skillName, options);
    this.#started[mode]++;
    this.#p.telemetry.invocations(mode);
    if (route.secondary) this.#writers[route.secondary].write(handle.invocation);
    return {
      invocationId: handle.invocationId,
      invocation: handle.invocation,
      complete: async (completeOptions?: CompleteOptions) => {
        this.#ensureOpen();
        const finished = await handle.complete(completeOptions);
        if (route.secondary) this.#writers[route.secondary].write(finished);
        return finished;
      },
    };
  }

  /** Completes `id` in the primary of a call without context, then (behind) in its secondary. */
  async completeInvocation(id: string, options?: CompleteByIdOptions): Promise<void> {
    this.#ensureOpen();
    const route = ROUTES[await this.modeFor()];
    const primary = this.#p.stores[route.primary];
    await primary.completeInvocation(id, options);
    if (!route.secondary) return;
    const finished = await primary.getInvocation(id);
    if (finished) this.#writers[route.secondary].write(finished);
  }

  track<T>(skillName: string, fn: () => T | Promise<T>, options?: TrackOptions): Promise<T> {
    return trackWith(this, this.#onError, skillName, fn, options);
  }

  async recordInvocation(invocation: InvocationInput, options?: RecordOptions): Promise<RecordResult> {
    this.#ensureOpen();
    // Checked here as the primary checks it, for the canonical copy the secondary is given.
    const { legacyQuirks } = checkRecordOptions(options);
    const checked = asInvocation(checkInvocationInput(invocation, 'invocation', legacyQuirks));
    const mode = await this.modeFor(checked);
    const route = ROUTES[mode];
    const result = await this.#p.stores[route.primary].recordInvocation(invocation, { legacyQuirks });
    this.#p.telemetry.invocations(mode);
    if (route.secondary) this.#writers[route.secondary].write(checked);
    return result;
  }

  /** Imports a batch in the mode of a call without context; the secondary gets it behind. */
  async recordInvocations(invocations: Iterable<InvocationInput>, options?: RecordOptions): Promise<RecordBatchResult> {
    this.#ensureOpen();
    const { legacyQuirks } = checkRecordOptions(options);
    const checked = checkInvocationBatch(invocations, legacyQuirks);
    const batch = checked.map(asInvocation);
    const mode = await this.modeFor();
    const route = ROUTES[mode];
    const result = await this.#p.stores[route.primary].recordInvocations(checked.map(asInput), { legacyQuirks });
    this.#p.telemetry.invocations(mode, batch.length);
    if (route.secondary) for (const invocation of batch) this.#writers[route.secondary].write(invocation);
    return result;
  }

  getInvocation(id: string): Promise<Invocation | null> {
    return this.#read('getInvocation', [id], {}, (s) => s.getInvocation(id));
  }

  getInvocations(ids: readonly string[]): Promise<Array<Invocation | null>> {
    return this.#read('getInvocations', [ids], {}, (s) => s.getInvocations(ids));
  }

  getSkillMetrics(skillName: string): Promise<SkillMetrics | null> {
    return this.#read('getSkillMetrics', [skillName], {}, (s) => s.getSkillMetrics(skillName));
  }

  getAllMetrics(): Promise<Map<string, SkillMetrics>> {
    return this.#read('getAllMetrics', [], {}, (s) => s.getAllMetrics());
  }

  getSummary(): Promise<MetricsSummary> {
    return this.#read('getSummary', [], {}, (s) => s.getSummary());
  }

  getSkillOverview(): Promise<SkillOverview[]> {
    return this.#read('getSkillOverview', [], {}, (s) => s.getSkillOverview());
  }

  countInvocations(query?: InvocationQuery): Promise<number> {
    return this.#read('countInvocations', [query], contextOf(query), (s) => s.countInvocations(query));
  }

  async *listInvocations(query?: InvocationQuery): AsyncGenerator<Invocation> {
    this.#ensureOpen();
    const route = ROUTES[await this.modeFor(contextOf(query))];
    yield* this.#p.stores[route.primary].listInvocations(query);
  }

  getDurationPercentiles(skillName: string, qs: readonly number[], options?: { exact?: boolean }) {
    const percentiles = (options as { exact?: unknown } | undefined)?.exact !== true;
    return this.#read(
      'getDurationPercentiles',
      [skillName, qs, options],
      {},
      (s) => s.getDurationPercentiles(skillName, qs, options),
      percentiles,
    );
  }

  getSkillTimeline(skillName: string, options?: TimelineOptions): Promise<TimelineBucket[]> {
    return this.#read('getSkillTimeline', [skillName, options], {}, (s) => s.getSkillTimeline(skillName, options));
  }

  getTimeline(options?: TimelineOptions): Promise<TimelineBucket[]> {
    return this.#read('getTimeline', [options], {}, (s) => s.getTimeline(options));
  }

  searchWorkflowPaths(query: string, options?: { limit?: number }): Promise<WorkflowPathMatch[]> {
    return this.#read('searchWorkflowPaths', [query, options], {}, (s) => s.searchWorkflowPaths(query, options));
  }

  getSessionSkills(sessionId: string): Promise<ContextSkillFigures[]> {
    return this.#read('getSessionSkills', [sessionId], { sessionId }, (s) => s.getSessionSkills(sessionId));
  }

  getProjectMetrics(projectPath: string): Promise<ProjectMetrics | null> {
    return this.#read('getProjectMetrics', [projectPath], { projectPath }, (s) => s.getProjectMetrics(projectPath));
  }

  async generateReport(): Promise<string> {
    this.#ensureOpen();
    return this.#p.stores[ROUTES[await this.modeFor()].primary].generateReport();
  }

  async exportMetrics(path: string): Promise<ExportResult> {
    this.#ensureOpen();
    return this.#p.stores[ROUTES[await this.modeFor()].primary].exportMetrics(path);
  }

  /**
   * Brings both stores to the same invocations (see `reconcile`), after the writes still queued,
   * and clears the repair journal. Safe to run at any time, and again.
   */
  async repair(options?: ReconcileOptions): Promise<RepairReport> {
    this.#ensureOpen();
    await this.flush();
    const report = await reconcile(this.#p.stores, options);
    report.journalCleared = await this.#p.journal.clear();
    return report;
  }

  /** What verification found, oldest first (from the database when it keeps notes). */
  async mismatches(limit = 1000): Promise<Mismatch[]> {
    return this.#p.mismatchList ? this.#p.mismatchList.list(limit) : [];
  }

  /** Why the rollout is held back a step, or `null`. */
  guardrailState(): Promise<GuardrailState | null> {
    return this.#p.guardrail ? this.#p.guardrail.state() : Promise.resolve(null);
  }

  /** Lifts the guardrail's hold, in every process. */
  async clearGuardrail(): Promise<void> {
    await this.#p.guardrail?.clear();
  }

  /** How many writes the secondaries missed and are owed, as the repair journal has them. */
  journalDepth(): Promise<number> {
    return this.#p.journal.depth();
  }

  stats(): DualStats {
    return {
      started: { ...this.#started },
      backlog: { legacy: this.#writers.legacy.backlog, db: this.#writers.db.backlog },
      secondaryFailures: this.#p.journal.failures,
      verify: { ...this.#p.verifier.stats },
    };
  }

  /** Waits for every write queued for a secondary and every comparison running. */
  async flush(): Promise<void> {
    await Promise.all([this.#writers.legacy.settled(), this.#writers.db.settled(), this.#p.verifier.settled()]);
  }

  /** Writes what is owed, then closes both stores. Closing twice is quiet. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.flush();
    this.#closed = true;
    await Promise.all([this.legacy.close(), this.db.close()]);
  }

  async #read<T>(
    read: string,
    args: unknown[],
    context: CallContext,
    ask: (store: AnalyticsStore) => Promise<T>,
    percentiles = false,
  ): Promise<T> {
    this.#ensureOpen();
    const now = this.#modeNow(context);
    const mode = typeof now === 'string' ? now : await now;
    const route = ROUTES[mode];
    const primary = this.#p.stores[route.primary];
    const secondary = route.secondary;
    if (!route.shadow || secondary === null) return ask(primary);
    return this.#p.verifier.run({
      read,
      args,
      mode,
      primary: route.primary,
      context,
      percentiles,
      fromPrimary: () => ask(primary),
      fromSecondary: () => ask(this.#p.stores[secondary]),
      catchUp: () => Promise.all([this.#writers.legacy.settled(), this.#writers.db.settled()]).then(() => undefined),
    });
  }

  #ensureOpen(): void {
    if (this.#closed) throw new StoreClosedError();
  }
}
