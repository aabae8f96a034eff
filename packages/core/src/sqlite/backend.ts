import type Database from 'better-sqlite3';
import { and, asc, eq, isNotNull, isNull, type SQL, sql } from 'drizzle-orm';
import { InvocationAlreadyCompletedError, type StorageError, UnknownInvocationError } from '../contract/errors.js';
import { uuidv7 } from '../contract/ids.js';
import { DurationSketch, exactPercentiles } from '../contract/sketch.js';
import { nowTimestamp } from '../contract/time.js';
import type { Invocation, RecordResult, SkillMetrics, TimelineBucket, WorkflowPathMatch } from '../contract/types.js';
import type { NewInvocation, Outcome, StoreBackend } from '../engine/backend.js';
import type { InvocationFilter } from '../engine/query.js';
import { type CheckedInvocation, type RecordSteps, recordEach } from '../engine/record.js';
import {
  type BucketRow,
  type BucketTotals,
  bucketEndOf,
  bucketStartOf,
  sumFinished,
  sumRows,
  type TimelineRange,
  timelineFromRows,
  toBucketRow,
} from '../engine/timeline.js';
import type { ContextKind, ContextSkillTotals, SummaryInput } from '../engine/totals.js';
import { toSkillMetrics } from '../engine/totals.js';
import { type FinishedEverywhere, planUpdate, type StoredSkill, type TotalsUpdate } from '../engine/update.js';
import { skillInvocation as inv } from '../schema/sqlite.js';
import { sqliteStorageError } from './errors.js';
import { ALL_SKILLS, type Db, invocationColumns, prepareStatements, type Statements } from './statements.js';

const p = sql.placeholder;

type StoredInvocation = Omit<Invocation, 'status'>;

function withStatus(row: StoredInvocation): Invocation {
  const status = row.completedAt === null ? 'pending' : row.completed ? 'completed' : 'abandoned';
  return { ...row, status };
}

/**
 * The SQLite storage behind `SqliteStore`. Each write is one synchronous `BEGIN IMMEDIATE`
 * transaction (taking the write lock before it reads), which also brings every stored figure up
 * to date as the engine's `planUpdate` works it out.
 */
export class SqliteBackend implements StoreBackend {
  readonly #client: Database.Database;
  readonly #db: Db;
  readonly #statements: Statements;
  readonly #storedSkill: (skillName: string) => StoredSkill | undefined;
  readonly #recordSteps: RecordSteps;
  // better-sqlite3 transaction wrappers, made once: a new wrapper per call costs about 20 %.
  readonly #finishTx: Database.Transaction<(id: string, outcome: Outcome) => void>;
  readonly #recordTx: Database.Transaction<(batch: readonly CheckedInvocation[]) => RecordResult[]>;

  constructor(client: Database.Database, db: Db) {
    this.#client = client;
    this.#db = db;
    const s = prepareStatements(db, client);
    this.#statements = s;
    this.#storedSkill = (skillName) => s.totalsBySkill.get({ skillName });
    this.#recordSteps = {
      insertIfNew: (item) => s.insertInvocation.run(item).changes === 1,
      stored: (id) => withStatus(s.invocationById.get({ id }) as StoredInvocation),
      complete: (item) => {
        s.finishPending.get(item as unknown as Record<string, unknown>);
      },
    };
    this.#finishTx = client.transaction((id: string, outcome: Outcome) => this.#finish(id, outcome));
    this.#recordTx = client.transaction((batch: readonly CheckedInvocation[]) => this.#record(batch));
  }

  async insertPending(invocation: NewInvocation): Promise<string> {
    const id = uuidv7();
    // One INSERT commits on its own, taking the write lock before it reads anything.
    this.#statements.insertInvocation.run({
      id,
      skillName: invocation.skillName,
      invokedAt: invocation.invokedAt,
      workflowPath: invocation.workflowPath,
      completed: false,
      completedAt: null,
      durationSeconds: null,
      errorType: null,
      followUpActions: [],
      sessionId: invocation.sessionId,
      projectPath: invocation.projectPath,
      userContext: invocation.userContext,
    });
    return id;
  }

  async finish(id: string, outcome: Outcome): Promise<void> {
    this.#finishTx.immediate(id, outcome);
  }

  async record(batch: readonly CheckedInvocation[]): Promise<RecordResult[]> {
    return this.#recordTx.immediate(batch);
  }

  async skillMetrics(skillName: string): Promise<SkillMetrics | null> {
    const row = this.#statements.metricsBySkill.get({ skillName });
    return row ? toSkillMetrics(row, row) : null;
  }

  async allMetrics(): Promise<SkillMetrics[]> {
    return this.#statements.allMetrics.all().map((row) => toSkillMetrics(row, row));
  }

  async usage(): Promise<SummaryInput[]> {
    const rows = this.#statements.usage() as Array<[string, number, number, number]>;
    return rows.map(([skillName, totalInvocations, completedInvocations, totalDurationSeconds]) => ({
      skillName,
      totalInvocations,
      completedInvocations,
      totalDurationSeconds,
    }));
  }

  async *list(filter: InvocationFilter, pageSize: number): AsyncGenerator<Invocation> {
    const page = this.#db
      .select(invocationColumns)
      .from(inv)
      .where(and(whereOf(filter), sql`(${inv.invokedAt}, ${inv.id}) > (${p('afterTime')}, ${p('afterId')})`))
      .orderBy(asc(inv.invokedAt), asc(inv.id))
      .limit(pageSize)
      .prepare();
    let afterTime = '';
    let afterId = '';
    for (;;) {
      const rows = page.all({ afterTime, afterId });
      for (const row of rows) yield withStatus(row);
      if (rows.length < pageSize) return;
      const last = rows[rows.length - 1] as StoredInvocation;
      afterTime = last.invokedAt;
      afterId = last.id;
    }
  }

  async durationPercentiles(skillName: string, qs: readonly number[], exact: boolean): Promise<Array<number | null>> {
    const s = this.#statements;
    if (exact)
      return exactPercentiles(
        s.completedDurations.all({ skillName }).map((r) => r.durationSeconds as number),
        qs,
      );
    const sketch = s.sketchBySkill.get({ skillName })?.durationSketch;
    return (sketch ? DurationSketch.decode(sketch) : new DurationSketch()).quantiles(qs);
  }

  async timeline(skillName: string | null, range: TimelineRange): Promise<TimelineBucket[]> {
    const s = this.#statements;
    const bounds = { skillName: skillName ?? ALL_SKILLS, since: range.since, until: range.until };
    const rows = s.timeline[range.bucket].ofSkill(bounds);
    // Each skill's open hour is not in the timeline tables: sum it from its invocations.
    const open =
      skillName === null
        ? s.lastInvoked.all()
        : [{ skillName, lastInvoked: s.lastInvokedOf.get({ skillName })?.lastInvoked }];
    for (const { skillName: name, lastInvoked } of open) {
      if (!lastInvoked) continue;
      const hour = bucketStartOf(lastInvoked);
      if (hour >= range.since && hour < range.until) rows.push(toBucketRow(this.#hourTotals(name, hour)));
    }
    return timelineFromRows(range, rows);
  }

  async searchPaths(words: readonly string[], limit: number): Promise<WorkflowPathMatch[]> {
    // Each word quoted (FTS5 syntax in it is plain text) and matched as a prefix; all required.
    const match = words.map((w) => `"${w.replaceAll('"', '""')}"*`).join(' ');
    return this.#statements.searchPaths.all(match, limit) as WorkflowPathMatch[];
  }

  async contextTotals(kind: ContextKind, key: string): Promise<ContextSkillTotals[]> {
    return (kind === 'session' ? this.#statements.sessionSkills : this.#statements.projectSkills).all({ key });
  }

  async close(): Promise<void> {
    this.#client.close();
  }

  storageError(error: unknown): StorageError {
    return sqliteStorageError(error, this.#client.name);
  }

  /** Marks a pending invocation finished and adds it to every figure. Runs inside a transaction. */
  #finish(id: string, outcome: Outcome): void {
    const s = this.#statements;
    const row = s.finishPending.get({
      id,
      completed: outcome.completed,
      completedAt: outcome.completedAt,
      durationSeconds: outcome.durationSeconds,
      errorType: outcome.errorType,
      followUpActions: outcome.followUpActions,
    });
    if (!row) {
      throw s.invocationById.get({ id }) ? new InvocationAlreadyCompletedError(id) : new UnknownInvocationError(id);
    }
    const finished: FinishedEverywhere = {
      skillName: row.skillName,
      invokedAt: row.invokedAt,
      workflowPath: row.workflowPath,
      sessionId: row.sessionId,
      projectPath: row.projectPath,
      completed: outcome.completed,
      durationSeconds: outcome.durationSeconds,
      errorType: outcome.errorType,
      followUpActions: outcome.followUpActions,
    };
    this.#write(planUpdate([finished], this.#storedSkill, nowTimestamp()));
  }

  /** Imports a checked batch. Runs inside a transaction; a conflict rolls all of it back. */
  #record(batch: readonly CheckedInvocation[]): RecordResult[] {
    const { results, finished } = recordEach(batch, this.#recordSteps);
    if (finished.length > 0) this.#write(planUpdate(finished, this.#storedSkill, nowTimestamp()));
    return results;
  }

  /** Writes a `TotalsUpdate`: skill rows, new search entries, the timeline buckets it names, contexts. */
  #write(update: TotalsUpdate): void {
    const s = this.#statements;
    for (const row of update.skills) s.upsertTotals.run(row);
    for (const [skillName, path] of update.newPaths) s.addSearchPath.run(skillName, path);
    for (const [skillName, hour] of update.hours) this.#put('hour', skillName, this.#hourTotals(skillName, hour));
    for (const [skillName, day] of update.days)
      this.#put('day', skillName, sumRows(day, this.#hoursOfDay(skillName, day)));
    for (const hour of update.allSkillHours) {
      this.#put('hour', ALL_SKILLS, sumRows(hour, s.hourOfEverySkill({ bucketStart: hour })));
    }
    for (const day of update.allSkillDays)
      this.#put('day', ALL_SKILLS, sumRows(day, this.#hoursOfDay(ALL_SKILLS, day)));
    for (const c of update.sessions) s.upsertSession.run(c);
    for (const c of update.projects) s.upsertProject.run(c);
  }

  #put(table: 'hour' | 'day', skillName: string, totals: BucketTotals): void {
    this.#statements.timeline[table].put.run({ skillName, ...totals });
  }

  /** One skill's totals for one hour, summed from its invocations. */
  #hourTotals(skillName: string, hour: string) {
    const until = bucketEndOf(hour, 'hour');
    return sumFinished(hour, this.#statements.finishedBetween({ skillName, since: hour, until }));
  }

  #hoursOfDay(skillName: string, day: string): BucketRow[] {
    return this.#statements.timeline.hour.ofSkill({ skillName, since: day, until: bucketEndOf(day, 'day') });
  }
}

/** The SQL condition of a listing's filter. */
function whereOf(filter: InvocationFilter): SQL | undefined {
  const conditions: SQL[] = [];
  if (filter.skillName !== undefined) conditions.push(eq(inv.skillName, filter.skillName));
  if (filter.sessionId !== undefined) conditions.push(eq(inv.sessionId, filter.sessionId));
  if (filter.projectPath !== undefined) conditions.push(eq(inv.projectPath, filter.projectPath));
  if (filter.since !== undefined) conditions.push(sql`${inv.invokedAt} >= ${filter.since}`);
  if (filter.until !== undefined) conditions.push(sql`${inv.invokedAt} < ${filter.until}`);
  if (filter.status === 'pending') conditions.push(isNull(inv.completedAt));
  else if (filter.status !== undefined) {
    conditions.push(and(isNotNull(inv.completedAt), eq(inv.completed, filter.status === 'completed')) as SQL);
  }
  return conditions.length > 0 ? and(...conditions) : undefined;
}
