import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { and, asc, desc, eq, isNotNull, isNull, type SQL, sql } from 'drizzle-orm';
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3';
import {
  addFinished,
  averageDuration,
  completionRate,
  emptyTotals,
  type FinishedInvocation,
  mergeTotals,
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
import { uuidv7 } from '../contract/ids.js';
import { nowTimestamp, toCanonicalTimestamp } from '../contract/time.js';
import { trackWith } from '../contract/track.js';
import type {
  CompleteOptions,
  Invocation,
  InvocationHandle,
  InvocationInput,
  InvocationQuery,
  MetricsSummary,
  RecordBatchResult,
  RecordResult,
  SkillMetrics,
  SkillMetricsStore,
  TrackOptions,
} from '../contract/types.js';
import {
  checkCompleteOptions,
  checkInvocationInput,
  checkSkillName,
  checkTrackOptions,
  conflictingFields,
  hasCompletedAt,
} from '../contract/validate.js';
import { skillInvocation as inv, skillMetrics as sm } from '../schema/sqlite.js';
import { compileRowsRead, compileWrite } from './compiled.js';
import { migrate, pendingMigrations } from './migrations.js';

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

const schema = { skillInvocation: inv, skillMetrics: sm };
type Db = BetterSQLite3Database<typeof schema>;
const p = sql.placeholder;
/** An invocation as placeholder values (Drizzle types them as a record; copying would cost on every row). */
const asParams = (value: Invocation) => value as unknown as Record<string, unknown>;
/** A placeholder in `update().set()`, where Drizzle encodes it through the column (its types want SQL there). */
const setTo = (name: string) => p(name) as unknown as SQL;

const invocationColumns = {
  id: inv.id,
  skillName: inv.skillName,
  invokedAt: inv.invokedAt,
  workflowPath: inv.workflowPath,
  completed: inv.completed,
  completedAt: inv.completedAt,
  durationSeconds: inv.durationSeconds,
  errorType: inv.errorType,
  followUpActions: inv.followUpActions,
  sessionId: inv.sessionId,
  projectPath: inv.projectPath,
  userContext: inv.userContext,
};

const totalsColumns = {
  skillName: sm.skillName,
  totalInvocations: sm.totalInvocations,
  completedInvocations: sm.completedInvocations,
  abandonedInvocations: sm.abandonedInvocations,
  totalDurationSeconds: sm.totalDurationSeconds,
  workflowPaths: sm.workflowPaths,
  commonErrors: sm.commonErrors,
  followUpActions: sm.followUpActions,
  firstInvoked: sm.firstInvoked,
  lastInvoked: sm.lastInvoked,
};

type StoredInvocation = Omit<Invocation, 'status'>;

function withStatus(row: StoredInvocation): Invocation {
  const status = row.completedAt === null ? 'pending' : row.completed ? 'completed' : 'abandoned';
  return { ...row, status };
}

/** The statements of the hot paths, prepared once per connection. */
function prepareStatements(db: Db, client: Database.Database) {
  const totalsValues = {
    skillName: p('skillName'),
    totalInvocations: p('totalInvocations'),
    completedInvocations: p('completedInvocations'),
    abandonedInvocations: p('abandonedInvocations'),
    totalDurationSeconds: p('totalDurationSeconds'),
    workflowPaths: p('workflowPaths'),
    commonErrors: p('commonErrors'),
    followUpActions: p('followUpActions'),
    firstInvoked: p('firstInvoked'),
    lastInvoked: p('lastInvoked'),
    completionRate: p('completionRate'),
    avgDurationSeconds: p('avgDurationSeconds'),
    lastAggregatedAt: p('lastAggregatedAt'),
  };
  const excluded = (column: string) => sql.raw(`excluded.${column}`);
  const invocationValues = {
    id: p('id'),
    skillName: p('skillName'),
    invokedAt: p('invokedAt'),
    workflowPath: p('workflowPath'),
    completed: p('completed'),
    completedAt: p('completedAt'),
    durationSeconds: p('durationSeconds'),
    errorType: p('errorType'),
    followUpActions: p('followUpActions'),
    sessionId: p('sessionId'),
    projectPath: p('projectPath'),
    userContext: p('userContext'),
  };
  return {
    insertInvocation: compileWrite(
      client,
      db.insert(inv).values(invocationValues).onConflictDoNothing({ target: inv.id }),
    ),
    finishPending: db
      .update(inv)
      .set({
        completed: setTo('completed'),
        completedAt: setTo('completedAt'),
        durationSeconds: setTo('durationSeconds'),
        errorType: setTo('errorType'),
        followUpActions: setTo('followUpActions'),
      })
      .where(and(eq(inv.id, p('id')), isNull(inv.completedAt)))
      .returning({ skillName: inv.skillName, invokedAt: inv.invokedAt, workflowPath: inv.workflowPath })
      .prepare(),
    invocationById: db
      .select(invocationColumns)
      .from(inv)
      .where(eq(inv.id, p('id')))
      .prepare(),
    totalsBySkill: db
      .select(totalsColumns)
      .from(sm)
      .where(eq(sm.skillName, p('skillName')))
      .prepare(),
    upsertTotals: compileWrite(
      client,
      db
        .insert(sm)
        .values(totalsValues)
        .onConflictDoUpdate({
          target: sm.skillName,
          set: {
            totalInvocations: excluded('total_invocations'),
            completedInvocations: excluded('completed_invocations'),
            abandonedInvocations: excluded('abandoned_invocations'),
            totalDurationSeconds: excluded('total_duration_seconds'),
            workflowPaths: excluded('workflow_paths'),
            commonErrors: excluded('common_errors'),
            followUpActions: excluded('follow_up_actions'),
            firstInvoked: excluded('first_invoked'),
            lastInvoked: excluded('last_invoked'),
            completionRate: excluded('completion_rate'),
            avgDurationSeconds: excluded('avg_duration_seconds'),
            lastAggregatedAt: excluded('last_aggregated_at'),
          },
        }),
    ),
    allTotals: db.select(totalsColumns).from(sm).orderBy(desc(sm.totalInvocations), asc(sm.skillName)).prepare(),
    usage: compileRowsRead(
      client,
      db
        .select({
          skillName: sm.skillName,
          totalInvocations: sm.totalInvocations,
          completedInvocations: sm.completedInvocations,
          totalDurationSeconds: sm.totalDurationSeconds,
        })
        .from(sm)
        .orderBy(desc(sm.totalInvocations), asc(sm.skillName)),
    ),
  };
}

interface Outcome {
  completed: boolean;
  completedAt: string;
  durationSeconds: number | null;
  errorType: string | null;
  followUpActions: string[];
}

/**
 * The store on SQLite through better-sqlite3. Every write is one `BEGIN IMMEDIATE` transaction
 * that also brings the skill's figures up to date, so every read after it is right.
 */
export class SqliteStore implements SkillMetricsStore {
  /** The database file's absolute path. */
  readonly path: string;
  /** The migration versions this store applied while opening (empty when the file was up to date). */
  readonly migrationsApplied: number[];
  readonly #client: Database.Database;
  readonly #db: Db;
  readonly #q: ReturnType<typeof prepareStatements>;
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
    if (invocations === null || typeof (invocations as Iterable<unknown>)?.[Symbol.iterator] !== 'function') {
      throw new InvalidInputError('invocations', 'must be an iterable of invocations');
    }
    const batch: Invocation[] = [];
    const explicit: boolean[] = [];
    for (const item of invocations) {
      batch.push(checkInvocationInput(item, `invocations[${batch.length}]`));
      explicit.push(hasCompletedAt(item));
    }
    const { inserted, completed, unchanged } = this.#recordTx.immediate(batch, explicit);
    return { inserted, completed, unchanged };
  }

  async getSkillMetrics(skillName: string): Promise<SkillMetrics | null> {
    this.#ensureOpen();
    checkSkillName(skillName);
    const row = this.#q.totalsBySkill.get({ skillName });
    return row ? toSkillMetrics(row) : null;
  }

  async getAllMetrics(): Promise<Map<string, SkillMetrics>> {
    this.#ensureOpen();
    const result = new Map<string, SkillMetrics>();
    for (const row of this.#q.allTotals.all()) result.set(row.skillName, toSkillMetrics(row));
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

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#client.close();
  }

  #ensureOpen(): void {
    if (this.#closed) throw new StoreClosedError();
  }

  /** Marks a pending invocation finished and adds it to its skill. Runs inside a transaction. */
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
    const totals = this.#q.totalsBySkill.get({ skillName: row.skillName }) ?? emptyTotals(row.skillName);
    this.#saveTotals(
      addFinished(totals, {
        invokedAt: row.invokedAt,
        workflowPath: row.workflowPath,
        completed: outcome.completed,
        durationSeconds: outcome.durationSeconds,
        errorType: outcome.errorType,
        followUpActions: outcome.followUpActions,
      }),
    );
  }

  /** Writes a skill's figures with their derived fields. Runs inside a transaction. */
  #saveTotals(t: SkillTotals): void {
    this.#q.upsertTotals.run({
      skillName: t.skillName,
      totalInvocations: t.totalInvocations,
      completedInvocations: t.completedInvocations,
      abandonedInvocations: t.abandonedInvocations,
      totalDurationSeconds: t.totalDurationSeconds,
      workflowPaths: t.workflowPaths,
      commonErrors: t.commonErrors,
      followUpActions: t.followUpActions,
      firstInvoked: t.firstInvoked,
      lastInvoked: t.lastInvoked,
      completionRate: completionRate(t.completedInvocations, t.totalInvocations),
      avgDurationSeconds: averageDuration(t.totalDurationSeconds, t.completedInvocations),
      lastAggregatedAt: nowTimestamp(),
    });
  }

  /** Imports a checked batch. Runs inside a transaction; any conflict rolls all of it back. */
  #record(batch: Invocation[], explicitCompletedAt: boolean[]): RecordBatchResult & { outcomes: RecordResult[] } {
    const added = new Map<string, SkillTotals>();
    const addToBatch = (skillName: string, finished: FinishedInvocation) => {
      const totals = added.get(skillName) ?? emptyTotals(skillName);
      added.set(skillName, addFinished(totals, finished));
    };
    const outcomes: RecordResult[] = [];
    const counts = { inserted: 0, completed: 0, unchanged: 0 };
    batch.forEach((item, i) => {
      let outcome: RecordResult['outcome'];
      if (this.#q.insertInvocation.run(item).changes === 1) {
        outcome = 'inserted';
        if (item.status !== 'pending') addToBatch(item.skillName, item);
      } else {
        const stored = withStatus(this.#q.invocationById.get({ id: item.id }) as StoredInvocation);
        const differs = conflictingFields(stored, item, explicitCompletedAt[i] ?? false);
        if (differs.length > 0) throw new InvocationConflictError(item.id, differs);
        if (stored.status === 'pending' && item.status !== 'pending') {
          this.#q.finishPending.get(asParams(item));
          addToBatch(item.skillName, item);
          outcome = 'completed';
        } else {
          outcome = 'unchanged';
        }
      }
      counts[outcome] += 1;
      outcomes.push({ id: item.id, outcome });
    });
    for (const [skillName, more] of added) {
      this.#saveTotals(mergeTotals(this.#q.totalsBySkill.get({ skillName }) ?? emptyTotals(skillName), more));
    }
    return { ...counts, outcomes };
  }
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
