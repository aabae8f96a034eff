import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { and, asc, eq, isNotNull, isNull, type SQL, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import {
  addFinished,
  averageDuration,
  completionRate,
  emptyTotals,
  type FinishedInvocation,
  increment,
  type SkillTotals,
  summarize,
  toSkillMetrics,
} from '../contract/aggregate.js';
import {
  InvalidInputError,
  InvocationAlreadyCompletedError,
  InvocationConflictError,
  SkillMetricsError,
  StoreClosedError,
  StoreOpenError,
  UnknownInvocationError,
} from '../contract/errors.js';
import { writeLegacyExport } from '../contract/export.js';
import { uuidv7 } from '../contract/ids.js';
import { formatReport } from '../contract/report.js';
import { DurationSketch, exactPercentiles } from '../contract/sketch.js';
import { formatEpochMs, nowTimestamp, timestampToEpochMs, toCanonicalTimestamp } from '../contract/time.js';
import { bucketStartOf, type TimelineRange, timelineRange } from '../contract/timeline.js';
import { trackWith } from '../contract/track.js';
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
import {
  checkCompleteOptions,
  checkInvocationBatch,
  checkInvocationInput,
  checkSkillName,
  checkTrackOptions,
  conflictingFields,
  hasCompletedAt,
} from '../contract/validate.js';
import { skillInvocation as inv } from '../schema/sqlite.js';
import { migrate, pendingMigrations } from './migrations.js';
import {
  ALL_SKILLS,
  type Db,
  invocationColumns,
  prepareStatements,
  type Statements,
  schema,
  type TimelineRow,
} from './statements.js';

/** Where `openStore()` keeps its database when no path is given, relative to the working directory. */
export const DEFAULT_DB_PATH = '.session-buddy/skill_metrics.db';

export interface SqliteStoreOptions {
  /**
   * The database file; created with its folder if missing. `':memory:'` keeps it in memory.
   * @default '.session-buddy/skill_metrics.db'
   */
  path?: string;
  /** How long a write waits for another process's lock before failing, in ms. @default 5000 */
  busyTimeoutMs?: number;
  /**
   * `'normal'` survives a crash of the process (the WAL is in the OS); `'full'` also survives a
   * power loss, at the price of an fsync per write.
   * @default 'normal'
   */
  synchronous?: 'normal' | 'full';
}

const p = sql.placeholder;
/** An invocation as placeholder values (Drizzle types them as a record; copying would cost on every row). */
const asParams = (value: object) => value as unknown as Record<string, unknown>;
const PERCENTILES = [0.5, 0.95, 0.99] as const;
const HOUR_MS = 3_600_000;

type StoredInvocation = Omit<Invocation, 'status'>;

function withStatus(row: StoredInvocation): Invocation {
  const status = row.completedAt === null ? 'pending' : row.completed ? 'completed' : 'abandoned';
  return { ...row, status };
}

/** What a finished invocation adds to every figure: its skill's, its session's, its project's, its hour's. */
interface Finished extends FinishedInvocation {
  skillName: string;
  sessionId: string | null;
  projectPath: string | null;
}

interface Outcome {
  completed: boolean;
  completedAt: string;
  durationSeconds: number | null;
  errorType: string | null;
  followUpActions: string[];
}

/** The additive figures of one skill in one session or project (`contextKey`). */
interface ContextTotals {
  contextKey: string;
  skillName: string;
  invocationCount: number;
  completedCount: number;
  abandonedCount: number;
  totalDurationSeconds: number;
  firstInvoked: string;
  lastInvoked: string;
}

/** Context totals by context key, then skill. */
type ContextMap = Map<string, Map<string, ContextTotals>>;

function addToContext(into: ContextMap, contextKey: string, f: Finished): void {
  let bySkill = into.get(contextKey);
  if (!bySkill) {
    bySkill = new Map();
    into.set(contextKey, bySkill);
  }
  const t = bySkill.get(f.skillName);
  const duration = f.completed && f.durationSeconds ? f.durationSeconds : 0;
  if (!t) {
    bySkill.set(f.skillName, {
      contextKey,
      skillName: f.skillName,
      invocationCount: 1,
      completedCount: f.completed ? 1 : 0,
      abandonedCount: f.completed ? 0 : 1,
      totalDurationSeconds: duration,
      firstInvoked: f.invokedAt,
      lastInvoked: f.invokedAt,
    });
    return;
  }
  t.invocationCount += 1;
  if (f.completed) t.completedCount += 1;
  else t.abandonedCount += 1;
  t.totalDurationSeconds += duration;
  if (f.invokedAt < t.firstInvoked) t.firstInvoked = f.invokedAt;
  if (f.invokedAt > t.lastInvoked) t.lastInvoked = f.invokedAt;
}

function contextFigures(row: Omit<ContextSkillFigures, 'completionRate' | 'avgDurationSeconds'>): ContextSkillFigures {
  return {
    ...row,
    completionRate: completionRate(row.completedCount, row.invocationCount),
    avgDurationSeconds: averageDuration(row.totalDurationSeconds, row.completedCount),
  };
}

/**
 * The store on SQLite through better-sqlite3. Every write is one `BEGIN IMMEDIATE` transaction that
 * also brings every figure up to date — the skill's (with its percentiles), its session's, its
 * project's, its hour's, and the workflow-path search — so every read after it is right.
 */
export class SqliteStore implements AnalyticsStore {
  /** The database file's absolute path. */
  readonly path: string;
  /** The migration versions this store applied while opening (empty when the file was up to date). */
  readonly migrationsApplied: number[];
  readonly #client: Database.Database;
  readonly #db: Db;
  readonly #q: Statements;
  #closed = false;

  // better-sqlite3 transaction wrappers, made once: a new wrapper per call costs about 20 %.
  readonly #finishTx: Database.Transaction<(id: string, outcome: Outcome) => void>;
  readonly #recordTx: Database.Transaction<
    (batch: Invocation[], explicitCompletedAt: boolean[]) => RecordBatchResult & { outcomes: RecordResult[] }
  >;

  constructor(options: SqliteStoreOptions = {}) {
    const memory = options.path === ':memory:';
    this.path = memory ? ':memory:' : resolve(options.path ?? DEFAULT_DB_PATH);
    if (!memory) mkdirSync(dirname(this.path), { recursive: true });
    let client: Database.Database;
    try {
      client = new Database(this.path, { timeout: options.busyTimeoutMs ?? 5000 });
    } catch (error) {
      throw new StoreOpenError(this.path, (error as Error).message, { cause: error });
    }
    try {
      // Refuse an incompatible database before anything (even the journal mode) is written to it.
      pendingMigrations(client);
      if (!memory) useWal(client, options.busyTimeoutMs ?? 5000);
      client.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
      client.pragma('foreign_keys = ON');
      this.migrationsApplied = migrate(client);
    } catch (error) {
      client.close();
      if (error instanceof SkillMetricsError) throw error;
      throw new StoreOpenError(this.path, (error as Error).message, { cause: error });
    }
    this.#client = client;
    this.#db = drizzle({ client, schema });
    this.#q = prepareStatements(this.#db, client);
    this.#finishTx = client.transaction((id: string, outcome: Outcome) => this.#finish(id, outcome));
    this.#recordTx = client.transaction((batch: Invocation[], explicit: boolean[]) => this.#record(batch, explicit));
  }

  /** The Drizzle database over this store's connection, for queries of your own (read-only use). */
  get drizzle(): Db {
    this.#ensureOpen();
    return this.#db;
  }

  async trackInvocation(skillName: string, options?: TrackOptions): Promise<InvocationHandle> {
    this.#ensureOpen();
    checkSkillName(skillName);
    const o = checkTrackOptions(options);
    const id = uuidv7();
    const started = performance.now();
    // One INSERT commits on its own, taking the write lock before it reads anything.
    this.#q.insertInvocation.run({
      id,
      skillName,
      invokedAt: nowTimestamp(),
      workflowPath: o.workflowPath,
      completed: false,
      completedAt: null,
      durationSeconds: null,
      errorType: null,
      followUpActions: [],
      sessionId: o.sessionId,
      projectPath: o.projectPath,
      userContext: o.userContext,
    });
    return {
      invocationId: id,
      complete: async (completeOptions?: CompleteOptions) => {
        this.#ensureOpen();
        const c = checkCompleteOptions(completeOptions);
        const outcome: Outcome = {
          completed: c.completed,
          completedAt: nowTimestamp(),
          durationSeconds: (performance.now() - started) / 1000,
          errorType: c.errorType,
          followUpActions: c.followUpActions,
        };
        this.#finishTx.immediate(id, outcome);
      },
    };
  }

  track<T>(skillName: string, fn: () => T | Promise<T>, options?: TrackOptions): Promise<T> {
    return trackWith(this, skillName, fn, options);
  }

  async recordInvocation(invocation: InvocationInput): Promise<RecordResult> {
    this.#ensureOpen();
    const checked = checkInvocationInput(invocation);
    const result = this.#recordTx.immediate([checked], [hasCompletedAt(invocation)]);
    return result.outcomes[0] as RecordResult;
  }

  async recordInvocations(invocations: Iterable<InvocationInput>): Promise<RecordBatchResult> {
    this.#ensureOpen();
    const { batch, explicitCompletedAt: explicit } = checkInvocationBatch(invocations);
    const { inserted, completed, unchanged } = this.#recordTx.immediate(batch, explicit);
    return { inserted, completed, unchanged };
  }

  async getSkillMetrics(skillName: string): Promise<SkillMetrics | null> {
    this.#ensureOpen();
    checkSkillName(skillName);
    const row = this.#q.metricsBySkill.get({ skillName });
    return row ? toSkillMetrics(row, row) : null;
  }

  async getAllMetrics(): Promise<Map<string, SkillMetrics>> {
    this.#ensureOpen();
    const result = new Map<string, SkillMetrics>();
    for (const row of this.#q.allMetrics.all()) result.set(row.skillName, toSkillMetrics(row, row));
    return result;
  }

  async getSummary(): Promise<MetricsSummary> {
    this.#ensureOpen();
    const rows = this.#q.usage() as Array<[string, number, number, number]>;
    return summarize(
      rows.map(([skillName, totalInvocations, completedInvocations, totalDurationSeconds]) => ({
        skillName,
        totalInvocations,
        completedInvocations,
        totalDurationSeconds,
      })),
    );
  }

  async *listInvocations(query: InvocationQuery = {}): AsyncGenerator<Invocation> {
    this.#ensureOpen();
    const { where, pageSize } = listFilter(query);
    const page = this.#db
      .select(invocationColumns)
      .from(inv)
      .where(and(where, sql`(${inv.invokedAt}, ${inv.id}) > (${p('afterTime')}, ${p('afterId')})`))
      .orderBy(asc(inv.invokedAt), asc(inv.id))
      .limit(pageSize)
      .prepare();
    let afterTime = '';
    let afterId = '';
    for (;;) {
      this.#ensureOpen();
      const rows = page.all({ afterTime, afterId });
      for (const row of rows) yield withStatus(row);
      if (rows.length < pageSize) return;
      const last = rows[rows.length - 1] as StoredInvocation;
      afterTime = last.invokedAt;
      afterId = last.id;
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
    if (options.exact) {
      const durations = this.#q.completedDurations.all({ skillName }).map((r) => r.durationSeconds as number);
      return exactPercentiles(durations, qs);
    }
    const sketch = this.#q.sketchBySkill.get({ skillName })?.durationSketch;
    return (sketch ? DurationSketch.decode(sketch) : new DurationSketch()).quantiles(qs);
  }

  async getSkillTimeline(skillName: string, options?: TimelineOptions): Promise<TimelineBucket[]> {
    this.#ensureOpen();
    checkSkillName(skillName);
    const range = timelineRange(options);
    const rows = this.#q.timeline[range.bucket].ofSkill({ skillName, since: range.since, until: range.until });
    const last = this.#q.lastInvokedOf.get({ skillName })?.lastInvoked;
    if (last) this.#addOpenHour(rows, range, skillName, last);
    return timelineBuckets(range, rows);
  }

  async getTimeline(options?: TimelineOptions): Promise<TimelineBucket[]> {
    this.#ensureOpen();
    const range = timelineRange(options);
    const rows = this.#q.timeline[range.bucket].ofSkill({
      skillName: ALL_SKILLS,
      since: range.since,
      until: range.until,
    });
    for (const { skillName, lastInvoked } of this.#q.lastInvoked.all()) {
      this.#addOpenHour(rows, range, skillName, lastInvoked as string);
    }
    return timelineBuckets(range, rows);
  }

  /** Adds the skill's open hour (not in skill_timeline) to `rows` if it falls in `range`. */
  #addOpenHour(rows: TimelineRow[], range: TimelineRange, skillName: string, lastInvoked: string): void {
    const open = bucketStartOf(lastInvoked);
    if (open < range.since || open >= range.until) return;
    const h = this.#hourRow(skillName, open);
    rows.push([h.bucketStart, h.invocations, h.completed, h.abandoned, h.totalDurationSeconds, h.durationSketch]);
  }

  /** One skill's figures for one hour, summed from its invocations. */
  #hourRow(skillName: string, bucketStart: string): TimelinePut {
    const until = formatEpochMs(timestampToEpochMs(bucketStart) + HOUR_MS);
    const row = { skillName, bucketStart, invocations: 0, completed: 0, abandoned: 0, totalDurationSeconds: 0 };
    const sketch = new DurationSketch();
    for (const [completed, durationSeconds] of this.#q.finishedBetween({ skillName, since: bucketStart, until })) {
      row.invocations += 1;
      if (!completed) {
        row.abandoned += 1;
        continue;
      }
      row.completed += 1;
      if (durationSeconds !== null) {
        row.totalDurationSeconds += durationSeconds;
        sketch.add(durationSeconds);
      }
    }
    return { ...row, durationSketch: sketch.count > 0 ? sketch.encode() : null };
  }

  /** One skill's figures for one day, summed from its hours in skill_timeline. */
  #dayRow(skillName: string, bucketStart: string): TimelinePut {
    const until = formatEpochMs(timestampToEpochMs(bucketStart) + 24 * HOUR_MS);
    return sumRows(skillName, bucketStart, this.#q.timeline.hour.ofSkill({ skillName, since: bucketStart, until }));
  }

  async searchWorkflowPaths(query: string, options: { limit?: number } = {}): Promise<WorkflowPathMatch[]> {
    this.#ensureOpen();
    if (typeof query !== 'string') throw new InvalidInputError('query', 'must be a string');
    const limit = options.limit ?? 20;
    if (!Number.isInteger(limit) || limit < 1) throw new InvalidInputError('limit', 'must be a positive integer');
    const match = ftsPrefixQuery(query);
    if (match === null) return [];
    return this.#q.searchPaths.all(match, limit) as WorkflowPathMatch[];
  }

  async getSessionSkills(sessionId: string): Promise<ContextSkillFigures[]> {
    this.#ensureOpen();
    if (typeof sessionId !== 'string') throw new InvalidInputError('sessionId', 'must be a string');
    return this.#q.sessionSkills.all({ key: sessionId }).map(contextFigures);
  }

  async getProjectMetrics(projectPath: string): Promise<ProjectMetrics | null> {
    this.#ensureOpen();
    if (typeof projectPath !== 'string') throw new InvalidInputError('projectPath', 'must be a string');
    const skills = this.#q.projectSkills.all({ key: projectPath }).map(contextFigures);
    if (skills.length === 0) return null;
    let total = 0;
    let completed = 0;
    let duration = 0;
    let first: string | null = null;
    let last: string | null = null;
    for (const s of skills) {
      total += s.invocationCount;
      completed += s.completedCount;
      duration += s.totalDurationSeconds;
      if (s.firstInvoked !== null && (first === null || s.firstInvoked < first)) first = s.firstInvoked;
      if (s.lastInvoked !== null && (last === null || s.lastInvoked > last)) last = s.lastInvoked;
    }
    return {
      projectPath,
      totalInvocations: total,
      completedInvocations: completed,
      abandonedInvocations: total - completed,
      totalDurationSeconds: duration,
      completionRate: completionRate(completed, total),
      avgDurationSeconds: averageDuration(duration, completed),
      firstInvoked: first,
      lastInvoked: last,
      skills,
    };
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

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#client.close();
  }

  #ensureOpen(): void {
    if (this.#closed) throw new StoreClosedError();
  }

  /** Marks a pending invocation finished and adds it to every figure. Runs inside a transaction. */
  #finish(id: string, outcome: Outcome): void {
    const row = this.#q.finishPending.get({
      id,
      completed: outcome.completed,
      completedAt: outcome.completedAt,
      durationSeconds: outcome.durationSeconds,
      errorType: outcome.errorType,
      followUpActions: outcome.followUpActions,
    });
    if (!row) {
      throw this.#q.invocationById.get({ id })
        ? new InvocationAlreadyCompletedError(id)
        : new UnknownInvocationError(id);
    }
    this.#addFinished([
      {
        skillName: row.skillName,
        invokedAt: row.invokedAt,
        workflowPath: row.workflowPath,
        sessionId: row.sessionId,
        projectPath: row.projectPath,
        completed: outcome.completed,
        durationSeconds: outcome.durationSeconds,
        errorType: outcome.errorType,
        followUpActions: outcome.followUpActions,
      },
    ]);
  }

  /** Imports a checked batch. Runs inside a transaction; any conflict rolls all of it back. */
  #record(batch: Invocation[], explicitCompletedAt: boolean[]): RecordBatchResult & { outcomes: RecordResult[] } {
    const finished: Finished[] = [];
    const outcomes: RecordResult[] = [];
    const counts = { inserted: 0, completed: 0, unchanged: 0 };
    batch.forEach((item, i) => {
      let outcome: RecordResult['outcome'];
      if (this.#q.insertInvocation.run(item).changes === 1) {
        outcome = 'inserted';
        if (item.status !== 'pending') finished.push(item);
      } else {
        const stored = withStatus(this.#q.invocationById.get({ id: item.id }) as StoredInvocation);
        const differs = conflictingFields(stored, item, explicitCompletedAt[i] ?? false);
        if (differs.length > 0) throw new InvocationConflictError(item.id, differs);
        if (stored.status === 'pending' && item.status !== 'pending') {
          this.#q.finishPending.get(asParams(item));
          finished.push(item);
          outcome = 'completed';
        } else {
          outcome = 'unchanged';
        }
      }
      counts[outcome] += 1;
      outcomes.push({ id: item.id, outcome });
    });
    if (finished.length > 0) this.#addFinished(finished);
    return { ...counts, outcomes };
  }

  /**
   * Adds finished invocations to every figure they belong to. Runs inside a transaction. Each skill
   * row, session row and project row is written once, however many invocations it gets. The
   * timeline costs nothing while a skill's invocations land in its open hour; an hour that closes,
   * or gets an invocation late, is summed again from skill_invocation.
   */
  #addFinished(items: Finished[]): void {
    const q = this.#q;
    const skills = new Map<string, SkillEntry>();
    const sessions: ContextMap = new Map();
    const projects: ContextMap = new Map();
    for (const f of items) {
      let skill = skills.get(f.skillName);
      if (!skill) {
        skill = skillEntry(f.skillName, q.totalsBySkill.get({ skillName: f.skillName }));
        skills.set(f.skillName, skill);
      }
      if (f.workflowPath !== null && !Object.hasOwn(skill.totals.workflowPaths, f.workflowPath)) {
        skill.newPaths.push(f.workflowPath);
        increment(skill.totals.workflowPaths, f.workflowPath, 0); // seen: later items of the batch are not new
      }
      addFinished(skill.totals, f);
      if (f.completed && f.durationSeconds !== null) skill.sketch.add(f.durationSeconds);
      if (f.sessionId !== null) addToContext(sessions, f.sessionId, f);
      if (f.projectPath !== null) addToContext(projects, f.projectPath, f);
      skill.hours.add(bucketStartOf(f.invokedAt));
    }

    const now = nowTimestamp();
    const closedHours = new Set<string>();
    for (const { totals: t, sketch, newPaths, openHour, hours } of skills.values()) {
      const [p50, p95, p99] = sketch.quantiles(PERCENTILES);
      const percentiles = {
        p50DurationSeconds: p50 ?? null,
        p95DurationSeconds: p95 ?? null,
        p99DurationSeconds: p99 ?? null,
      };
      q.upsertTotals.run(
        Object.assign(toSkillMetrics(t, percentiles), {
          lastAggregatedAt: now,
          durationSketch: sketch.count > 0 ? sketch.encode() : null,
        }),
      );
      for (const path of newPaths) q.addSearchPath.run(t.skillName, path);

      // Hours before the open one are summed into skill_timeline: the one this update closed, and any
      // earlier one it added to. Live writes land in the open hour and sum nothing.
      const openNow = bucketStartOf(t.lastInvoked as string);
      if (openHour !== null) hours.add(openHour);
      const days = new Set<string>();
      for (const hour of hours) {
        if (hour >= openNow) continue;
        q.timeline.hour.put.run(this.#hourRow(t.skillName, hour));
        days.add(bucketStartOf(hour, 'day'));
        closedHours.add(hour);
      }
      for (const day of days) q.timeline.day.put.run(this.#dayRow(t.skillName, day));
    }
    // The hours that changed, and their days, summed again over every skill.
    const days = new Set<string>();
    for (const hour of closedHours) {
      q.timeline.hour.put.run(sumRows(ALL_SKILLS, hour, q.hourOfEverySkill({ bucketStart: hour })));
      days.add(bucketStartOf(hour, 'day'));
    }
    for (const day of days) q.timeline.day.put.run(this.#dayRow(ALL_SKILLS, day));
    for (const bySkill of sessions.values()) for (const c of bySkill.values()) q.upsertSession.run(c);
    for (const bySkill of projects.values()) for (const c of bySkill.values()) q.upsertProject.run(c);
  }
}

/** A timeline row to write. */
type TimelinePut = HourRow & { skillName: string };

/** Rows of the timeline summed into one bucket's row. */
function sumRows(skillName: string, bucketStart: string, rows: TimelineRow[]): TimelinePut {
  const sum = { skillName, bucketStart, invocations: 0, completed: 0, abandoned: 0, totalDurationSeconds: 0 };
  const sketches: Buffer[] = [];
  for (const [, invocations, completed, abandoned, duration, sketch] of rows) {
    sum.invocations += invocations;
    sum.completed += completed;
    sum.abandoned += abandoned;
    sum.totalDurationSeconds += duration;
    if (sketch) sketches.push(sketch);
  }
  return { ...sum, durationSketch: sketches.length > 0 ? DurationSketch.sum(sketches).encode() : null };
}

/** A skill's figures being updated, and the timeline hours the update closes or reaches back to. */
interface SkillEntry {
  totals: SkillTotals;
  sketch: DurationSketch;
  newPaths: string[];
  /** The hour of `last_invoked` before this update: its invocations are not in skill_timeline yet. */
  openHour: string | null;
  /** The hours the update's invocations started in. */
  hours: Set<string>;
}

/** A row of skill_timeline, or a skill's open hour summed in its shape. */
interface HourRow {
  bucketStart: string;
  invocations: number;
  completed: number;
  abandoned: number;
  totalDurationSeconds: number;
  durationSketch: Buffer | null;
}

type StoredSkill = ReturnType<Statements['totalsBySkill']['get']>;

function skillEntry(skillName: string, row: StoredSkill): SkillEntry {
  return {
    totals: row ?? emptyTotals(skillName),
    sketch: row?.durationSketch ? DurationSketch.decode(row.durationSketch) : new DurationSketch(),
    newPaths: [],
    openHour: row?.lastInvoked ? bucketStartOf(row.lastInvoked) : null,
    hours: new Set(),
  };
}

/** Builds every bucket of `range` from hour rows (several skills' rows for one hour add up). */
function timelineBuckets(range: TimelineRange, rows: TimelineRow[]): TimelineBucket[] {
  const index = new Map(range.starts.map((start, i) => [start, i]));
  const acc = range.starts.map(() => ({
    invocations: 0,
    completed: 0,
    abandoned: 0,
    duration: 0,
    sketches: [] as Buffer[],
  }));
  for (const [bucketStart, invocations, completed, abandoned, duration, sketch] of rows) {
    const a = acc[index.get(bucketStartOf(bucketStart, range.bucket)) as number];
    if (!a) continue;
    a.invocations += invocations;
    a.completed += completed;
    a.abandoned += abandoned;
    a.duration += duration;
    if (sketch) a.sketches.push(sketch);
  }
  return range.starts.map((bucketStart, i) => {
    const a = acc[i] as (typeof acc)[number];
    return {
      bucketStart,
      invocations: a.invocations,
      completed: a.completed,
      abandoned: a.abandoned,
      avgDurationSeconds: a.completed > 0 ? a.duration / a.completed : null,
      p95DurationSeconds: a.sketches.length > 0 ? (DurationSketch.quantilesOfSum(a.sketches, [0.95])[0] ?? null) : null,
    };
  });
}

/**
 * Turns any user text into an FTS5 query that cannot fail: its words (letters and digits), each
 * quoted and matched as a prefix, all required. `null` when the text has no word.
 */
export function ftsPrefixQuery(text: string): string | null {
  const words = text.normalize('NFKC').match(/[\p{L}\p{N}]+/gu);
  if (!words) return null;
  return words.map((w) => `"${w}"*`).join(' ');
}

function checkQuantiles(qs: readonly number[]): void {
  if (!Array.isArray(qs)) throw new InvalidInputError('qs', 'must be an array of numbers in [0, 1]');
  qs.forEach((q, i) => {
    if (typeof q !== 'number' || !(q >= 0 && q <= 1)) {
      throw new InvalidInputError(`qs[${i}]`, `must be a number in [0, 1], got ${String(q)}`);
    }
  });
}

/**
 * Switches the file to WAL. Changing the journal mode needs an exclusive lock, and SQLite answers
 * SQLITE_BUSY at once rather than waiting when another process holds one (as when several open a
 * fresh file together), so this waits and retries up to the busy timeout.
 */
function useWal(client: Database.Database, timeoutMs: number): void {
  const deadline = Date.now() + timeoutMs;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let attempt = 1; ; attempt++) {
    try {
      if (client.pragma('journal_mode', { simple: true }) === 'wal') return;
      client.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw error;
      Atomics.wait(pause, 0, 0, Math.min(50, attempt * 2 + Math.random() * 5));
    }
  }
}

function listFilter(query: InvocationQuery): { where: SQL | undefined; pageSize: number } {
  if (query === null || typeof query !== 'object') throw new InvalidInputError('query', 'must be an object');
  const conditions: SQL[] = [];
  if (query.skillName !== undefined)
    conditions.push(eq(inv.skillName, checkSkillName(query.skillName, 'query.skillName')));
  if (query.sessionId !== undefined) conditions.push(eq(inv.sessionId, textFilter(query.sessionId, 'query.sessionId')));
  if (query.projectPath !== undefined)
    conditions.push(eq(inv.projectPath, textFilter(query.projectPath, 'query.projectPath')));
  if (query.since !== undefined) {
    conditions.push(sql`${inv.invokedAt} >= ${toCanonicalTimestamp(query.since, { field: 'query.since' })}`);
  }
  if (query.until !== undefined) {
    conditions.push(sql`${inv.invokedAt} < ${toCanonicalTimestamp(query.until, { field: 'query.until' })}`);
  }
  switch (query.status) {
    case undefined:
      break;
    case 'pending':
      conditions.push(isNull(inv.completedAt));
      break;
    case 'completed':
      conditions.push(and(isNotNull(inv.completedAt), eq(inv.completed, true)) as SQL);
      break;
    case 'abandoned':
      conditions.push(and(isNotNull(inv.completedAt), eq(inv.completed, false)) as SQL);
      break;
    default:
      throw new InvalidInputError(
        'query.status',
        `must be pending, completed or abandoned, got ${JSON.stringify(query.status)}`,
      );
  }
  const pageSize = query.pageSize ?? 500;
  if (!Number.isInteger(pageSize) || pageSize < 1) {
    throw new InvalidInputError('query.pageSize', `must be a positive integer, got ${String(pageSize)}`);
  }
  return { where: conditions.length > 0 ? and(...conditions) : undefined, pageSize };
}

function textFilter(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new InvalidInputError(field, 'must be a string');
  return value;
}
