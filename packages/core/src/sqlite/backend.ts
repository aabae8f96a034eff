import type Database from 'better-sqlite3';
import { and, asc, sql } from 'drizzle-orm';
import { InvocationAlreadyCompletedError, type StorageError, UnknownInvocationError } from '../contract/errors.js';
import { uuidv7 } from '../contract/ids.js';
import { DurationSketch, exactPercentiles } from '../contract/sketch.js';
import { formatEpochMs } from '../contract/time.js';
import type {
  Invocation,
  RecordResult,
  SkillMetrics,
  SkillOverview,
  TimelineBucket,
  WorkflowPathMatch,
} from '../contract/types.js';
import type { NewInvocation, Outcome, OutcomeOf, StoreBackend } from '../engine/backend.js';
import { BatchHours } from '../engine/batch-hours.js';
import type { KeptState } from '../engine/bulk.js';
import { CountCache, type SkillCounts } from '../engine/counts.js';
import type { ExportChunk } from '../engine/export.js';
import { withPendingCounts } from '../engine/overview.js';
import type { InvocationFilter } from '../engine/query.js';
import { type CheckedInvocation, type RecordSteps, recordEach } from '../engine/record.js';
import { searchWords } from '../engine/search.js';
import type { Clock } from '../engine/store.js';
import { bucketEndOf, sumRows, type TimelineRange, timelineFromRows, toBucketRow } from '../engine/timeline.js';
import type { ContextKind, ContextSkillTotals, SummaryInput } from '../engine/totals.js';
import { toSkillMetrics } from '../engine/totals.js';
import { type FinishedEverywhere, planUpdate, type TotalsUpdate } from '../engine/update.js';
import { skillInvocation as inv } from '../schema/sqlite.js';
import { hoursOfDay, hourTotals, putBucket, sumEverySkill } from './buckets.js';
import { whenFree } from './busy.js';
import { compileRowsRead } from './compiled.js';
import { sqliteStorageError } from './errors.js';
import { exportPages } from './export-pages.js';
import { type InvocationRow, invocationColumns, invocationOfRow, whereOf } from './invocation-rows.js';
import { keepState } from './notes.js';
import { PathSearch } from './path-search.js';
import {
  ALL_SKILLS,
  type Db,
  overviewOfRow,
  prepareStatements,
  type Statements,
  storedSkillOf,
  timelineKey,
} from './statements.js';

const p = sql.placeholder;

/** What a write transaction did, for after it commits. */
interface Written {
  update: TotalsUpdate | null;
  before: ReadonlyMap<string, number>;
}

const NOTHING_WRITTEN: Written = { update: null, before: new Map() };

/**
 * The SQLite storage behind `SqliteStore`. Each write is one synchronous `BEGIN IMMEDIATE`
 * transaction (taking the write lock before it reads), which also brings every stored figure up
 * to date as the engine's `planUpdate` works it out.
 */
export class SqliteBackend implements StoreBackend {
  readonly #client: Database.Database;
  readonly #clock: Clock;
  readonly #busyTimeoutMs: number;
  readonly #db: Db;
  readonly #statements: Statements;
  readonly #recordSteps: RecordSteps;
  readonly #counts: CountCache;
  readonly #search: PathSearch;
  readonly #readTx: Database.Transaction<(read: () => unknown) => unknown>;
  readonly #keepState: (keep: KeptState, now: string) => void;
  readonly #countInHour: Database.Statement<[string, string, string], number>;
  readonly #latestStart: Database.Statement<[string], string | null>;
  // better-sqlite3 transaction wrappers, made once: a new wrapper per call costs about 20 %.
  readonly #finishTx: Database.Transaction<(id: string, outcome: Outcome | OutcomeOf) => Written>;
  readonly #recordTx: Database.Transaction<
    (batch: readonly CheckedInvocation[], keep: KeptState | null) => Written & { results: RecordResult[] }
  >;

  constructor(client: Database.Database, db: Db, clock: Clock, busyTimeoutMs: number) {
    this.#clock = clock;
    this.#busyTimeoutMs = busyTimeoutMs;
    // The backend waits for another writer's lock itself (#whenFree), polling every few milliseconds
    // and letting the event loop run meanwhile; SQLite's own wait sleeps in steps of up to 100 ms.
    client.pragma('busy_timeout = 0');
    this.#client = client;
    this.#db = db;
    const s = prepareStatements(db, client);
    this.#statements = s;
    this.#counts = new CountCache();
    this.#search = new PathSearch(s);
    this.#readTx = client.transaction((read: () => unknown) => read());
    this.#recordSteps = {
      insertIfNew: (item) => s.insertInvocation.run(item).changes === 1,
      stored: (id) => invocationOfRow(s.invocationById({ id }) as InvocationRow),
      complete: (item) => {
        s.finishPending(item);
      },
    };
    this.#finishTx = client.transaction((id: string, outcome: Outcome | OutcomeOf) => this.#finish(id, outcome));
    this.#recordTx = client.transaction((batch: readonly CheckedInvocation[], keep: KeptState | null) => {
      const written = this.#record(batch);
      if (keep) this.#keepState(keep, formatEpochMs(this.#clock.now()));
      return written;
    });
    this.#countInHour = client
      .prepare('SELECT count(*) FROM skill_invocation WHERE skill_name = ? AND invoked_at >= ? AND invoked_at < ?')
      .pluck() as Database.Statement<[string, string, string], number>;
    this.#latestStart = client
      .prepare('SELECT max(invoked_at) FROM skill_invocation WHERE skill_name = ?')
      .pluck() as Database.Statement<[string], string | null>;
    this.#keepState = keepState(client);
  }

  async insertPending(invocation: NewInvocation): Promise<string> {
    const id = uuidv7();
    const row = {
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
    };
    // One INSERT commits on its own, taking the write lock before it reads anything.
    await this.#whenFree(() => this.#statements.insertInvocation.run(row));
    return id;
  }

  async finish(id: string, outcome: Outcome | OutcomeOf): Promise<void> {
    this.#committed(await this.#whenFree(() => this.#finishTx.immediate(id, outcome)));
  }

  async record(batch: readonly CheckedInvocation[]): Promise<RecordResult[]> {
    return this.recordKeeping(batch, null);
  }

  async recordKeeping(batch: readonly CheckedInvocation[], keep: KeptState | null): Promise<RecordResult[]> {
    const written = await this.#whenFree(() => this.#recordTx.immediate(batch, keep));
    this.#committed(written);
    return written.results;
  }

  async invocations(ids: readonly string[]): Promise<Array<Invocation | null>> {
    const rows = await this.#whenFree(() => this.#statements.invocationsByIds({ ids: JSON.stringify(ids) }));
    const byId = new Map(rows.map((row) => [row[0], row]));
    return ids.map((id) => {
      const row = byId.get(id);
      return row ? invocationOfRow(row) : null;
    });
  }

  skillMetrics(skillName: string): Promise<SkillMetrics | null> {
    const s = this.#statements;
    return this.#whenFree(() => {
      const row = s.metricsBySkill.get({ skillName });
      if (!row) return null;
      const held = this.#counts.held(skillName, row.totalInvocations);
      if (held) return toSkillMetrics({ ...row, ...held }, row);
      return this.#snapshot(() => {
        const now = s.metricsBySkill.get({ skillName });
        return now ? toSkillMetrics({ ...now, ...this.#loadCounts(skillName, now.totalInvocations) }, now) : null;
      });
    });
  }

  allMetrics(): Promise<SkillMetrics[]> {
    return this.#whenFree(() =>
      this.#snapshot(() =>
        this.#statements.allMetrics.all().map((row) => {
          const counts =
            this.#counts.held(row.skillName, row.totalInvocations) ??
            this.#loadCounts(row.skillName, row.totalInvocations);
          return toSkillMetrics({ ...row, ...counts }, row);
        }),
      ),
    );
  }

  async usage(): Promise<SummaryInput[]> {
    const rows = (await this.#whenFree(() => this.#statements.usage())) as Array<[string, number, number, number]>;
    return rows.map(([skillName, totalInvocations, completedInvocations, totalDurationSeconds]) => ({
      skillName,
      totalInvocations,
      completedInvocations,
      totalDurationSeconds,
    }));
  }

  overview(): Promise<SkillOverview[]> {
    const s = this.#statements;
    return this.#whenFree(() =>
      this.#snapshot(() => withPendingCounts(s.overviewTotals().map(overviewOfRow), new Map(s.pendingBySkill()))),
    );
  }

  async count(filter: InvocationFilter): Promise<number> {
    const [row] = await this.#whenFree(() =>
      this.#db.select({ n: sql<number>`count(*)` }).from(inv).where(whereOf(filter)).all(),
    );
    return row?.n ?? 0;
  }

  async *list(filter: InvocationFilter, pageSize: number): AsyncGenerator<Invocation> {
    const page = compileRowsRead<InvocationRow>(
      this.#client,
      this.#db
        .select(invocationColumns)
        .from(inv)
        .where(and(whereOf(filter), sql`(${inv.invokedAt}, ${inv.id}) > (${p('afterTime')}, ${p('afterId')})`))
        .orderBy(asc(inv.invokedAt), asc(inv.id))
        .limit(pageSize),
    );
    let afterTime = '';
    let afterId = '';
    for (;;) {
      const rows = await this.#whenFree(() => page({ afterTime, afterId }));
      for (const row of rows) yield invocationOfRow(row);
      if (rows.length < pageSize) return;
      const last = rows[rows.length - 1] as InvocationRow;
      afterTime = last[2];
      afterId = last[0];
    }
  }

  exportInvocations(): AsyncIterable<ExportChunk> {
    return exportPages(this.#client, this.#busyTimeoutMs);
  }

  durationPercentiles(skillName: string, qs: readonly number[], exact: boolean): Promise<Array<number | null>> {
    const s = this.#statements;
    return this.#whenFree(() => {
      if (exact)
        return exactPercentiles(
          s.completedDurations.all({ skillName }).map((r) => r.durationSeconds as number),
          qs,
        );
      const sketch = s.sketchBySkill.get({ skillName })?.durationSketch;
      return (sketch ? DurationSketch.decode(sketch) : new DurationSketch()).quantiles(qs);
    });
  }

  timeline(skillName: string | null, range: TimelineRange): Promise<TimelineBucket[]> {
    const s = this.#statements;
    const key = skillName === null ? ALL_SKILLS : (timelineKey(skillName) as string);
    const bounds = { skillName: key, since: range.since, until: range.until };
    return this.#whenFree(() =>
      this.#snapshot(() => {
        const rows = s.timeline[range.bucket].ofSkill(bounds);
        // Each skill's open hour is not in the timeline tables: sum it from its invocations.
        const open =
          skillName === null ? s.openHours.all() : [{ skillName, openHour: s.openHourOf.get({ skillName })?.openHour }];
        for (const { skillName: name, openHour } of open) {
          if (openHour && openHour >= range.since && openHour < range.until) {
            rows.push(toBucketRow(hourTotals(s, name, openHour)));
          }
        }
        return timelineFromRows(range, rows);
      }),
    );
  }

  searchPaths(words: readonly string[], limit: number): Promise<WorkflowPathMatch[]> {
    return this.#whenFree(() => this.#search.run(words, limit));
  }

  contextTotals(kind: ContextKind, key: string): Promise<ContextSkillTotals[]> {
    const s = this.#statements;
    return this.#whenFree(() => (kind === 'session' ? s.sessionSkills : s.projectSkills).all({ key }));
  }

  async close(): Promise<void> {
    this.#client.close();
  }

  storageError(error: unknown): StorageError {
    return sqliteStorageError(error, this.#client.name);
  }

  /** Reads a skill's counts and holds them at `total` (inside the read transaction that read it). */
  #loadCounts(skillName: string, total: number): SkillCounts {
    const s = this.#statements;
    return this.#counts.hold(skillName, total, s.pathCountsOf({ skillName }), s.keyCountsOf({ skillName }));
  }

  /** `work`, run again while another connection holds the lock (see `whenFree`). */
  #whenFree<T>(work: () => T): Promise<T> {
    return whenFree(work, this.#busyTimeoutMs);
  }

  /** Runs reads in one deferred transaction: one snapshot of the file, however many statements. */
  #snapshot<T>(read: () => T): T {
    return this.#readTx(read) as T;
  }

  /** Marks a pending invocation finished and adds it to every figure. Runs inside a transaction. */
  #finish(id: string, given: Outcome | OutcomeOf): Written {
    const s = this.#statements;
    let outcome = given as Outcome;
    if (typeof given === 'function') {
      const stored = s.pendingStart.get(id);
      if (!stored) throw new UnknownInvocationError(id);
      if (stored.finished) throw new InvocationAlreadyCompletedError(id);
      outcome = given(stored);
    }
    const row = s.finishPending({
      id,
      completed: outcome.completed,
      completedAt: outcome.completedAt,
      durationSeconds: outcome.durationSeconds,
      errorType: outcome.errorType,
      followUpActions: outcome.followUpActions,
    });
    if (!row) {
      throw s.invocationById({ id }) ? new InvocationAlreadyCompletedError(id) : new UnknownInvocationError(id);
    }
    const [skillName, invokedAt, workflowPath, sessionId, projectPath] = row;
    const finished: FinishedEverywhere = {
      skillName,
      invokedAt,
      workflowPath,
      sessionId,
      projectPath,
      completed: outcome.completed,
      durationSeconds: outcome.durationSeconds,
      errorType: outcome.errorType,
      followUpActions: outcome.followUpActions,
    };
    return this.#write([finished]);
  }

  /** Imports a checked batch. Runs inside a transaction; a conflict rolls all of it back. */
  #record(batch: readonly CheckedInvocation[]): Written & { results: RecordResult[] } {
    const latest = new Map<string, string | null>();
    for (const { skillName } of batch) {
      if (!latest.has(skillName)) latest.set(skillName, this.#latestStart.get(skillName) ?? null);
    }
    const hours = new BatchHours(latest);
    const { results, finished } = recordEach(batch, this.#recordSteps);
    if (finished.length === 0) return { results, ...NOTHING_WRITTEN };
    hours.add(batch, results);
    const s = this.#statements;
    const holdsAll = (skillName: string, hour: string) => (inserted: number) =>
      this.#countInHour.get(skillName, hour, bucketEndOf(hour, 'hour')) === inserted;
    return {
      results,
      ...this.#write(
        finished,
        (skillName, hour) =>
          hours.fromBatch(skillName, hour, holdsAll(skillName, hour)) ?? hourTotals(s, skillName, hour),
      ),
    };
  }

  /** What a write changed, once its transaction has committed: the counts this store holds catch up. */
  #committed({ update, before }: Written): void {
    if (update) this.#counts.add(update, before);
  }

  /**
   * Works out what `finished` changes and writes it: skill rows, counts (a new path into the search
   * index), the timeline, contexts. Returns the update and each skill's total before it.
   */
  #write(
    finished: readonly FinishedEverywhere[],
    totalsOfHour = (skillName: string, hour: string) => hourTotals(this.#statements, skillName, hour),
  ): Written {
    const s = this.#statements;
    const before = new Map<string, number>();
    const update = planUpdate(
      finished,
      (skillName) => {
        const row = s.storedSkill({ skillName });
        before.set(skillName, row?.[1] ?? 0);
        return row && storedSkillOf(row);
      },
      formatEpochMs(this.#clock.now()),
    );
    for (const row of update.skills) s.upsertTotals.run(row);
    for (const [skillName, path, by] of update.paths) {
      const { id, invocation_count } = s.addPathCount.get(skillName, path, by) as {
        id: number;
        invocation_count: number;
      };
      if (invocation_count === by) s.addSearchWords.run(id, searchWords(path).join(' '));
    }
    for (const [skillName, key, count] of update.errors) s.addKeyCount.run({ skillName, kind: 'error', key, count });
    for (const [skillName, key, count] of update.actions) s.addKeyCount.run({ skillName, kind: 'action', key, count });
    for (const [skillName, bucketStart] of update.reopened) {
      s.deleteHour.run({ skillName: timelineKey(skillName), bucketStart });
    }
    for (const [skillName, hour] of update.hours) putBucket(s, 'hour', skillName, totalsOfHour(skillName, hour));
    for (const [skillName, day] of update.days)
      putBucket(s, 'day', skillName, sumRows(day, hoursOfDay(s, skillName, day)));
    sumEverySkill(s, update.allSkillHours, update.allSkillDays);
    for (const c of update.sessions) s.upsertSession.run(c);
    for (const c of update.projects) s.upsertProject.run(c);
    return { update, before };
  }
}
