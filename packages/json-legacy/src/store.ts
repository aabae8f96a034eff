import { resolve } from 'node:path';
import {
  addFinished,
  byUsage,
  type CompleteOptions,
  checkCompleteOptions,
  checkInvocationBatch,
  checkInvocationInput,
  checkSkillName,
  checkTrackOptions,
  conflictingFields,
  type DurationPercentiles,
  emptyTotals,
  exactPercentiles,
  formatEpochMs,
  hasCompletedAt,
  InvalidInputError,
  type Invocation,
  InvocationAlreadyCompletedError,
  InvocationConflictError,
  type InvocationHandle,
  type InvocationInput,
  type InvocationQuery,
  legacyInvocationId,
  type MetricsSummary,
  type RecordBatchResult,
  type RecordResult,
  type SkillMetrics,
  type SkillMetricsStore,
  type SkillTotals,
  StoreClosedError,
  summarize,
  systemTimeZone,
  type TrackOptions,
  timestampToEpochMs,
  toCanonicalTimestamp,
  toSkillMetrics,
  trackWith,
  UnknownInvocationError,
} from '@skill-metrics/core/contract';
import { LegacyFileError } from './errors.js';
import { acquireLock, digestOf, fingerprintOf, removeStaleTemporaries, writeAtomically } from './file.js';
import {
  addLegacyCompletion,
  checkTimeZone,
  invocationIdOf,
  isPendingRaw,
  type LegacyRawInvocation,
  type LegacyRawSkill,
  newLegacySkill,
  refreshDerived,
  toContractInvocation,
  toLegacyTimestamp,
} from './format.js';
import { cloneJson, defineKey } from './pyjson.js';
import type { LegacyQuirk } from './quirks.js';
import { readLegacyFile } from './reader.js';
import { legacyFileChunks } from './writer.js';

/** Where `openLegacyStore()` keeps its file when no path is given, relative to the working directory. */
export const DEFAULT_LEGACY_PATH = '.session-buddy/skill_metrics.json';

export interface LegacyStoreOptions {
  /**
   * The legacy JSON file. Created (with its folder) on the first write if missing.
   * @default '.session-buddy/skill_metrics.json'
   */
  path?: string;
  /**
   * The IANA zone the file's naive local times are read in and written in (the old tracker wrote
   * `datetime.now()`, the machine's local time). `store.timeZone` says which was used.
   * @default systemTimeZone() — this machine's zone
   */
  timeZone?: string;
  /** A lock not refreshed for this long is taken to be a dead writer's and taken over, in ms. @default 10000 */
  lockStaleMs?: number;
  /** How long a write waits for another process's lock before failing with `LegacyLockError`, in ms. @default 30000 */
  lockTimeoutMs?: number;
  /**
   * `true` fsyncs the new file and its directory before a write resolves, so it survives a power
   * loss too; `false` survives a crash of the process only.
   * @default true
   */
  durable?: boolean;
}

/** Counters of what the store did, for tests and benchmarks. */
export interface LegacyStoreStats {
  /** Files written (each replaces the whole file). */
  rewrites: number;
  /** Changes applied: one per track, complete or record call that was accepted. */
  changes: number;
  /** Times the file was read and parsed (on open, and after another process wrote it). */
  loads: number;
}

/** The file as read, with what the store keeps about it. */
interface FileState {
  /** `fingerprintOf` the file this state was read from or written to; null when there is no file. */
  fingerprint: string | null;
  /** SHA-256 of its bytes. */
  digest: string | null;
  root: Array<[string, unknown]>;
  invocations: LegacyRawInvocation[];
  /** The old tracker's counters, as written to the file. */
  skills: Map<string, LegacyRawSkill>;
  /** The contract's figures, from the invocation list: what the store reports. */
  totals: Map<string, SkillTotals>;
  ids: Array<string | undefined>;
  views: Array<Invocation | undefined>;
  byId: Map<string, number> | null;
  quirks: LegacyQuirk[];
}

function emptyState(): FileState {
  return {
    fingerprint: null,
    digest: null,
    root: [],
    invocations: [],
    skills: new Map(),
    totals: new Map(),
    ids: [],
    views: [],
    byId: null,
    quirks: [],
  };
}

interface QueuedChange {
  apply(tx: Tx): unknown;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/**
 * The store over the legacy `skill_metrics.json`, in the old tracker's format, made safe: every
 * write happens under an inter-process lock, re-reads the file first so no other writer's update is
 * lost, and replaces the file atomically. Changes that arrive while a write waits for the lock or is
 * in flight are written together in the next one (group commit); each call resolves once its change
 * is on disk. A file it cannot read rejects with `LegacyFileError` and is never written over.
 */
export class LegacyJsonStore implements SkillMetricsStore {
  /** The file's absolute path. */
  readonly path: string;
  /** The IANA zone naive times are read and written in. */
  readonly timeZone: string;
  readonly #lockStaleMs: number;
  readonly #lockTimeoutMs: number;
  readonly #durable: boolean;
  readonly #stats: LegacyStoreStats = { rewrites: 0, changes: 0, loads: 0 };
  #state: FileState | null = null;
  #percentileCache: { state: FileState; digest: string | null; bySkill: Map<string, DurationPercentiles> } | null =
    null;
  #closed = false;
  readonly #queue: QueuedChange[] = [];
  #flushing: Promise<void> | null = null;
  /** Serialises loads, reads and writes of `#state` inside this process. */
  #mutex: Promise<void> = Promise.resolve();

  constructor(options: LegacyStoreOptions = {}) {
    this.path = resolve(options.path ?? DEFAULT_LEGACY_PATH);
    this.timeZone = checkTimeZone(options.timeZone ?? systemTimeZone());
    this.#lockStaleMs = positive(options.lockStaleMs ?? 10_000, 'lockStaleMs');
    this.#lockTimeoutMs = positive(options.lockTimeoutMs ?? 30_000, 'lockTimeoutMs');
    this.#durable = options.durable ?? true;
  }

  /** What the store has done so far. */
  get stats(): Readonly<LegacyStoreStats> {
    return { ...this.#stats };
  }

  /** Reads the file (if any) so that a file it cannot read fails here. */
  async load(): Promise<void> {
    this.#ensureOpen();
    await this.#current();
  }

  /** The quirks of the file as last read (see `readLegacyFile`). */
  async quirks(): Promise<LegacyQuirk[]> {
    this.#ensureOpen();
    return structuredClone((await this.#current()).quirks);
  }

  async trackInvocation(skillName: string, options?: TrackOptions): Promise<InvocationHandle> {
    this.#ensureOpen();
    checkSkillName(skillName);
    const o = checkTrackOptions(options);
    const started = performance.now();
    const raw: LegacyRawInvocation = {};
    defineKey(raw, 'skill_name', skillName);
    raw.invoked_at = toLegacyTimestamp(formatEpochMs(Date.now()), this.timeZone);
    raw.workflow_path = o.workflowPath;
    raw.completed = false;
    raw.duration_seconds = null;
    raw.follow_up_actions = [];
    raw.error_type = null;
    if (o.sessionId !== null) raw.session_id = o.sessionId;
    if (o.projectPath !== null) raw.project_path = o.projectPath;
    if (o.userContext !== null) raw.user_context = jsonCopy(o.userContext);
    const { id, ordinal } = await this.#change((tx) => tx.append(raw, null));
    return {
      invocationId: id,
      complete: async (completeOptions?: CompleteOptions) => {
        this.#ensureOpen();
        const c = checkCompleteOptions(completeOptions);
        const durationSeconds = (performance.now() - started) / 1000;
        await this.#change((tx) => {
          const at = tx.find(id, ordinal);
          if (at === undefined) throw new UnknownInvocationError(id);
          const stored = tx.state.invocations[at] as LegacyRawInvocation;
          if (!isPendingRaw(stored)) throw new InvocationAlreadyCompletedError(id);
          tx.finish(at, {
            completed: c.completed,
            durationSeconds,
            followUpActions: c.followUpActions,
            errorType: c.errorType,
            completedAt: null,
          });
        });
      },
    };
  }

  track<T>(skillName: string, fn: () => T | Promise<T>, options?: TrackOptions): Promise<T> {
    return trackWith(this, skillName, fn, options);
  }

  async recordInvocation(invocation: InvocationInput): Promise<RecordResult> {
    this.#ensureOpen();
    const checked = checkInvocationInput(invocation);
    const explicit = hasCompletedAt(invocation);
    return this.#change((tx) => tx.record(checked, explicit));
  }

  async recordInvocations(invocations: Iterable<InvocationInput>): Promise<RecordBatchResult> {
    this.#ensureOpen();
    const { batch, explicitCompletedAt: explicit } = checkInvocationBatch(invocations);
    if (batch.length === 0) return { inserted: 0, completed: 0, unchanged: 0 };
    return this.#change((tx) => {
      const counts = { inserted: 0, completed: 0, unchanged: 0 };
      batch.forEach((item, i) => {
        counts[tx.record(item, explicit[i] ?? false).outcome] += 1;
      });
      return counts;
    });
  }

  async getSkillMetrics(skillName: string): Promise<SkillMetrics | null> {
    this.#ensureOpen();
    checkSkillName(skillName);
    const state = await this.#current();
    const totals = state.totals.get(skillName);
    return totals ? toSkillMetrics(copyTotals(totals), this.#percentiles(state).get(skillName)) : null;
  }

  async getAllMetrics(): Promise<Map<string, SkillMetrics>> {
    this.#ensureOpen();
    const state = await this.#current();
    const percentiles = this.#percentiles(state);
    const sorted = [...state.totals.values()].sort(byUsage);
    return new Map(sorted.map((t) => [t.skillName, toSkillMetrics(copyTotals(t), percentiles.get(t.skillName))]));
  }

  /**
   * p50, p95 and p99 of every skill's completed durations, exact (the file holds every one), from
   * one pass over the list; kept until the file changes.
   */
  #percentiles(state: FileState): Map<string, DurationPercentiles> {
    const cached = this.#percentileCache;
    if (cached && cached.state === state && cached.digest === state.digest && state.digest !== null)
      return cached.bySkill;
    const durations = new Map<string, number[]>();
    for (const raw of state.invocations) {
      if (raw.completed !== true || typeof raw.duration_seconds !== 'number' || isPendingRaw(raw)) continue;
      const name = raw.skill_name as string;
      const list = durations.get(name) ?? [];
      list.push(raw.duration_seconds);
      durations.set(name, list);
    }
    const bySkill = new Map<string, DurationPercentiles>();
    for (const [name, list] of durations) {
      const [p50, p95, p99] = exactPercentiles(list, [0.5, 0.95, 0.99]);
      bySkill.set(name, {
        p50DurationSeconds: p50 ?? null,
        p95DurationSeconds: p95 ?? null,
        p99DurationSeconds: p99 ?? null,
      });
    }
    this.#percentileCache = { state, digest: state.digest, bySkill };
    return bySkill;
  }

  async getSummary(): Promise<MetricsSummary> {
    this.#ensureOpen();
    return summarize([...(await this.#current()).totals.values()].sort(byUsage));
  }

  async *listInvocations(query: InvocationQuery = {}): AsyncGenerator<Invocation> {
    this.#ensureOpen();
    const { keep, pageSize } = listFilter(query);
    const state = await this.#current();
    const selected: Invocation[] = [];
    for (let i = 0; i < state.invocations.length; i++) {
      const view = this.#view(state, i);
      if (keep(view)) selected.push(view);
    }
    // A file store sorts what it read; the order is the one every store gives.
    selected.sort((a, b) =>
      a.invokedAt < b.invokedAt ? -1 : a.invokedAt > b.invokedAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
    );
    for (let i = 0; i < selected.length; i++) {
      if (i % pageSize === 0) this.#ensureOpen();
      yield copyInvocation(selected[i] as Invocation);
    }
  }

  /** Waits for every change already made to be written, then closes. Later calls reject with `StoreClosedError`. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    while (this.#flushing) await this.#flushing;
  }

  #ensureOpen(): void {
    if (this.#closed) throw new StoreClosedError();
  }

  // -------------------------------------------------------------------------------------------
  // Reading

  /** Runs `fn` alone among this store's loads, reads and writes. */
  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#mutex.then(fn);
    this.#mutex = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** The file as it is now: read again when another process has replaced it. */
  #current(): Promise<FileState> {
    return this.#exclusive(async () => {
      const fingerprint = await this.#io(() => fingerprintOf(this.path));
      if (this.#state && this.#state.fingerprint === fingerprint) return this.#state;
      this.#state = await this.#load(fingerprint);
      return this.#state;
    });
  }

  async #load(fingerprint: string | null): Promise<FileState> {
    if (fingerprint === null) return emptyState();
    this.#stats.loads += 1;
    const file = readLegacyFile(this.path, { timeZone: this.timeZone, digest: true, maxQuirkSamples: 100 });
    const invocations: LegacyRawInvocation[] = [];
    for await (const batch of file.batches()) for (const entry of batch) invocations.push(entry.raw);
    const summary = file.summary();
    return {
      fingerprint,
      digest: summary.digest,
      root: summary.root,
      invocations,
      skills: summary.skills,
      totals: summary.totals,
      ids: this.#keptIds(invocations),
      views: [],
      byId: null,
      quirks: summary.quirks,
    };
  }

  /**
   * The ids already worked out for the invocations that are as they were before the file was read
   * again (the list only grows), so that each re-read does not hash every invocation again.
   */
  #keptIds(invocations: LegacyRawInvocation[]): Array<string | undefined> {
    const before = this.#state;
    const ids: Array<string | undefined> = [];
    if (!before) return ids;
    const n = Math.min(before.invocations.length, invocations.length);
    for (let i = 0; i < n; i++) {
      const id = before.ids[i];
      const a = before.invocations[i] as LegacyRawInvocation;
      const b = invocations[i] as LegacyRawInvocation;
      if (
        id !== undefined &&
        a.skill_name === b.skill_name &&
        a.invoked_at === b.invoked_at &&
        a.workflow_path === b.workflow_path &&
        a.invocation_id === b.invocation_id
      ) {
        ids[i] = id;
      }
    }
    return ids;
  }

  /** Runs a file system call, turning an I/O error into the typed error of a file that cannot be read. */
  async #io<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw new LegacyFileError(this.path, `cannot be read: ${(error as Error).message}`, {}, { cause: error });
    }
  }

  #view(state: FileState, ordinal: number): Invocation {
    let view = state.views[ordinal];
    if (view === undefined) {
      view = toContractInvocation(
        state.invocations[ordinal] as LegacyRawInvocation,
        idAt(state, ordinal),
        this.timeZone,
      );
      state.views[ordinal] = view;
    }
    return view;
  }

  // -------------------------------------------------------------------------------------------
  // Writing

  /** Queues a change for the next write; resolves with what `apply` returned once it is on disk. */
  #change<T>(apply: (tx: Tx) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ apply, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#flushing) {
        this.#flushing = this.#flush().finally(() => {
          this.#flushing = null;
        });
      }
    });
  }

  /** Writes queued changes, one locked read-apply-replace per round, until the queue is empty. */
  async #flush(): Promise<void> {
    while (this.#queue.length > 0) {
      let lock: Awaited<ReturnType<typeof acquireLock>>;
      try {
        lock = await acquireLock(this.path, { staleMs: this.#lockStaleMs, timeoutMs: this.#lockTimeoutMs });
      } catch (error) {
        for (const change of this.#queue.splice(0)) change.reject(error);
        continue;
      }
      // Everything queued while the lock was awaited goes into this one write.
      const batch = this.#queue.splice(0);
      const rejectAll = (error: unknown) => () => {
        for (const change of batch) change.reject(error);
      };
      let settle: () => void;
      try {
        settle = await this.#exclusive(() => this.#applyAndWrite(batch, lock));
      } catch (error) {
        settle = rejectAll(error);
      } finally {
        await lock.release();
      }
      // Callers go on once their change is on disk and the lock is free again.
      settle();
    }
  }

  /** Applies a batch under the lock and writes it; returns what settles each caller's promise. */
  async #applyAndWrite(batch: QueuedChange[], lock: Awaited<ReturnType<typeof acquireLock>>): Promise<() => void> {
    const rejectAll = (error: unknown) => () => {
      for (const change of batch) change.reject(error);
    };
    let state: FileState;
    try {
      state = await this.#loadUnderLock();
    } catch (error) {
      return rejectAll(error);
    }
    const tx = new Tx(state, this.timeZone);
    const outcomes = batch.map((change) => {
      const mark = tx.mark();
      try {
        return { ok: true as const, value: change.apply(tx) };
      } catch (error) {
        tx.rollback(mark);
        return { ok: false as const, error };
      }
    });
    if (tx.dirty) {
      // The old tracker wrote every skill's derived figures from its counters on every save.
      for (const skill of state.skills.values()) refreshDerived(skill);
      try {
        await removeStaleTemporaries(this.path);
        const lastUpdated = toLegacyTimestamp(formatEpochMs(Date.now()), this.timeZone);
        const digest = await writeAtomically(this.path, legacyFileChunks(state, lastUpdated), {
          durable: this.#durable,
          lock,
        });
        state.digest = digest;
        state.fingerprint = await fingerprintOf(this.path);
        this.#stats.rewrites += 1;
      } catch (error) {
        // What is on disk is the truth; read it again next time.
        this.#state = null;
        return rejectAll(error);
      }
    }
    this.#stats.changes += outcomes.filter((o) => o.ok).length;
    return () => {
      outcomes.forEach((outcome, i) => {
        const change = batch[i] as QueuedChange;
        if (outcome.ok) change.resolve(outcome.value);
        else change.reject(outcome.error);
      });
    };
  }

  /** Under the lock: the file as it is now, re-read unless it is byte-for-byte what this store holds. */
  async #loadUnderLock(): Promise<FileState> {
    const fingerprint = await this.#io(() => fingerprintOf(this.path));
    const held = this.#state;
    if (held && fingerprint !== null && held.fingerprint === fingerprint) {
      // Same inode, size and times; the digest rules out a replacement that happens to match them.
      if ((await this.#io(() => digestOf(this.path))) === held.digest) return held;
    }
    if (held && fingerprint === null && held.fingerprint === null) return held;
    this.#state = await this.#load(fingerprint);
    return this.#state;
  }
}

/** Opens the legacy JSON store; a file that exists is read at once, so an unreadable one fails here. */
export async function openLegacyStore(options: LegacyStoreOptions = {}): Promise<LegacyJsonStore> {
  const store = new LegacyJsonStore(options);
  await store.load();
  return store;
}

// ---------------------------------------------------------------------------------------------

interface Outcome {
  completed: boolean;
  durationSeconds: number | null;
  followUpActions: string[];
  errorType: string | null;
  /** Written as `completed_at` (canonical UTC) when it is not `invoked_at + duration`. */
  completedAt: string | null;
}

/**
 * Changes to a `FileState` within one write, each of which can be undone: a change that fails
 * (a conflict in the middle of a batch) leaves the state as it found it.
 */
class Tx {
  dirty = false;
  readonly #undo: Array<() => void> = [];
  /** Skills and totals already copied in the current change. */
  #touched = new Set<string>();

  constructor(
    readonly state: FileState,
    readonly timeZone: string,
  ) {}

  mark(): number {
    this.#touched = new Set();
    return this.#undo.length;
  }

  rollback(mark: number): void {
    while (this.#undo.length > mark) (this.#undo.pop() as () => void)();
  }

  /** The ordinal of the invocation with this id (trying `hint` first), or undefined. */
  find(id: string, hint?: number): number | undefined {
    const s = this.state;
    if (hint !== undefined && hint < s.invocations.length && idAt(s, hint) === id) return hint;
    if (!s.byId) {
      const byId = new Map<string, number>();
      for (let i = 0; i < s.invocations.length; i++) {
        const key = idAt(s, i);
        if (!byId.has(key)) byId.set(key, i);
      }
      s.byId = byId;
    }
    return s.byId.get(id);
  }

  /** Appends an invocation; its id is `id`, or derived from its place when null. */
  append(raw: LegacyRawInvocation, id: string | null): { id: string; ordinal: number } {
    const s = this.state;
    const ordinal = s.invocations.length;
    const derived = legacyInvocationId(raw as never, ordinal);
    if (id !== null && id !== derived) defineKey(raw, 'invocation_id', id);
    const finalId = id ?? derived;
    s.invocations.push(raw);
    s.ids[ordinal] = finalId;
    s.byId?.set(finalId, ordinal);
    this.dirty = true;
    this.#undo.push(() => {
      s.invocations.length = ordinal;
      s.ids.length = Math.min(s.ids.length, ordinal);
      s.views.length = Math.min(s.views.length, ordinal);
      if (s.byId?.get(finalId) === ordinal) s.byId.delete(finalId);
    });
    return { id: finalId, ordinal };
  }

  #set(raw: LegacyRawInvocation, key: string, value: unknown): void {
    const had = Object.hasOwn(raw, key);
    const old = raw[key];
    defineKey(raw, key, value);
    this.#undo.push(() => {
      if (had) raw[key] = old;
      else delete raw[key];
    });
  }

  /** Finishes the pending invocation at `ordinal` and counts it. */
  finish(ordinal: number, o: Outcome): void {
    const s = this.state;
    const raw = s.invocations[ordinal] as LegacyRawInvocation;
    this.#set(raw, 'completed', o.completed);
    this.#set(raw, 'duration_seconds', o.durationSeconds);
    this.#set(raw, 'follow_up_actions', [...o.followUpActions]);
    this.#set(raw, 'error_type', o.errorType);
    if (o.completedAt !== null) this.#set(raw, 'completed_at', o.completedAt);
    const view = s.views[ordinal];
    s.views[ordinal] = undefined;
    this.#undo.push(() => {
      s.views[ordinal] = view;
    });
    this.dirty = true;
    this.#count(ordinal);
  }

  /** Adds a finished invocation to the old tracker's counters and to the contract's figures. */
  #count(ordinal: number): void {
    const raw = this.state.invocations[ordinal] as LegacyRawInvocation;
    const name = raw.skill_name as string;
    addLegacyCompletion(this.#skill(name, raw.invoked_at), raw);
    const view = toContractInvocation(raw, idAt(this.state, ordinal), this.timeZone);
    addFinished(this.#totals(name), view);
  }

  /** The skill's counters, copied once per change so that an undo can put the old ones back. */
  #skill(name: string, firstInvoked: unknown): LegacyRawSkill {
    const skills = this.state.skills;
    const key = `s:${name}`;
    const old = skills.get(name);
    if (this.#touched.has(key) && old) return old;
    this.#touched.add(key);
    const copy = old ? cloneJson(old) : newLegacySkill(name, firstInvoked);
    skills.set(name, copy);
    this.#undo.push(() => {
      if (old) skills.set(name, old);
      else skills.delete(name);
    });
    return copy;
  }

  #totals(name: string): SkillTotals {
    const totals = this.state.totals;
    const key = `t:${name}`;
    const old = totals.get(name);
    if (this.#touched.has(key) && old) return old;
    this.#touched.add(key);
    const copy = old ? copyTotals(old) : emptyTotals(name);
    totals.set(name, copy);
    this.#undo.push(() => {
      if (old) totals.set(name, old);
      else totals.delete(name);
    });
    return copy;
  }

  /** `recordInvocation` for one checked invocation, as SqliteStore does it. */
  record(item: Invocation, explicitCompletedAt: boolean): RecordResult {
    const at = this.find(item.id);
    const completedAt = completedAtToWrite(item, explicitCompletedAt);
    if (at === undefined) {
      const raw = toRaw(item, this.timeZone);
      if (completedAt !== null) defineKey(raw, 'completed_at', completedAt);
      const { ordinal } = this.append(raw, item.id);
      if (item.status !== 'pending') this.#count(ordinal);
      return { id: item.id, outcome: 'inserted' };
    }
    const stored = toContractInvocation(this.state.invocations[at] as LegacyRawInvocation, item.id, this.timeZone);
    const differs = conflictingFields(stored, item, explicitCompletedAt);
    if (differs.length > 0) throw new InvocationConflictError(item.id, differs);
    if (stored.status === 'pending' && item.status !== 'pending') {
      this.finish(at, {
        completed: item.completed,
        durationSeconds: item.durationSeconds,
        followUpActions: item.followUpActions,
        errorType: item.errorType,
        completedAt,
      });
      return { id: item.id, outcome: 'completed' };
    }
    return { id: item.id, outcome: 'unchanged' };
  }
}

function idAt(state: FileState, ordinal: number): string {
  let id = state.ids[ordinal];
  if (id === undefined) {
    id = invocationIdOf(state.invocations[ordinal] as LegacyRawInvocation, ordinal);
    state.ids[ordinal] = id;
  }
  return id;
}

/**
 * The `completed_at` to write for a finished invocation, or null when the file's own rule gives it:
 * `invoked_at + duration_seconds`. An abandoned invocation without a duration needs it, or it would
 * read back as pending.
 */
function completedAtToWrite(item: Invocation, explicit: boolean): string | null {
  if (item.status === 'pending' || item.completedAt === null) return null;
  if (!item.completed && item.durationSeconds === null) return item.completedAt;
  if (!explicit) return null;
  const derived = formatEpochMs(timestampToEpochMs(item.invokedAt) + (item.durationSeconds ?? 0) * 1000);
  return derived === item.completedAt ? null : item.completedAt;
}

/** A checked invocation in the file's form (the old tracker's seven keys, then the extensions it needs). */
function toRaw(item: Invocation, timeZone: string): LegacyRawInvocation {
  const raw: LegacyRawInvocation = {};
  defineKey(raw, 'skill_name', item.skillName);
  raw.invoked_at = toLegacyTimestamp(item.invokedAt, timeZone);
  raw.workflow_path = item.workflowPath;
  raw.completed = item.completed;
  raw.duration_seconds = item.status === 'pending' ? null : item.durationSeconds;
  raw.follow_up_actions = [...item.followUpActions];
  raw.error_type = item.errorType;
  if (item.sessionId !== null) raw.session_id = item.sessionId;
  if (item.projectPath !== null) raw.project_path = item.projectPath;
  if (item.userContext !== null) raw.user_context = jsonCopy(item.userContext);
  return raw;
}

/** A caller's object as JSON keeps it (what the database stores keep): no undefined, dates as text. */
function jsonCopy(value: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
}

function copyTotals(t: SkillTotals): SkillTotals {
  return {
    ...t,
    workflowPaths: { ...t.workflowPaths },
    commonErrors: { ...t.commonErrors },
    followUpActions: { ...t.followUpActions },
  };
}

function copyInvocation(inv: Invocation): Invocation {
  return {
    ...inv,
    followUpActions: [...inv.followUpActions],
    userContext: inv.userContext === null ? null : cloneJson(inv.userContext),
  };
}

function positive(value: number, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new InvalidInputError(field, `must be a positive number of milliseconds, got ${String(value)}`);
  }
  return value;
}

function listFilter(query: InvocationQuery): { keep: (inv: Invocation) => boolean; pageSize: number } {
  if (query === null || typeof query !== 'object') throw new InvalidInputError('query', 'must be an object');
  const tests: Array<(inv: Invocation) => boolean> = [];
  if (query.skillName !== undefined) {
    const name = checkSkillName(query.skillName, 'query.skillName');
    tests.push((inv) => inv.skillName === name);
  }
  if (query.sessionId !== undefined) {
    const session = textFilter(query.sessionId, 'query.sessionId');
    tests.push((inv) => inv.sessionId === session);
  }
  if (query.projectPath !== undefined) {
    const project = textFilter(query.projectPath, 'query.projectPath');
    tests.push((inv) => inv.projectPath === project);
  }
  if (query.since !== undefined) {
    const since = toCanonicalTimestamp(query.since, { field: 'query.since' });
    tests.push((inv) => inv.invokedAt >= since);
  }
  if (query.until !== undefined) {
    const until = toCanonicalTimestamp(query.until, { field: 'query.until' });
    tests.push((inv) => inv.invokedAt < until);
  }
  if (query.status !== undefined) {
    const status = query.status;
    if (status !== 'pending' && status !== 'completed' && status !== 'abandoned') {
      throw new InvalidInputError(
        'query.status',
        `must be pending, completed or abandoned, got ${JSON.stringify(status)}`,
      );
    }
    tests.push((inv) => inv.status === status);
  }
  const pageSize = query.pageSize ?? 500;
  if (!Number.isInteger(pageSize) || pageSize < 1) {
    throw new InvalidInputError('query.pageSize', `must be a positive integer, got ${String(pageSize)}`);
  }
  return { keep: (inv) => tests.every((t) => t(inv)), pageSize };
}

function textFilter(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new InvalidInputError(field, 'must be a string');
  return value;
}
