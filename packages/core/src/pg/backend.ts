import type pg from 'pg';
import { InvocationAlreadyCompletedError, type SkillMetricsError, UnknownInvocationError } from '../contract/errors.js';
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
import type { InvocationFilter } from '../engine/query.js';
import { type CheckedInvocation, recordEach } from '../engine/record.js';
import type { Clock } from '../engine/store.js';
import { type TimelineRange, timelineFromRows, toBucketRow } from '../engine/timeline.js';
import type { ContextKind, ContextSkillTotals, SummaryInput } from '../engine/totals.js';
import { type FinishedEverywhere, planUpdate, type TotalsUpdate } from '../engine/update.js';
import { inTransaction, pgStorageError, type Queryable } from './client.js';
import { bucketRowOf, hourTotalsOf, lockSkills, storedSkills, writeUpdate } from './figures.js';
import { SET_STATE, UNSET_STATE } from './notes.js';
import {
  SKILL_METRICS_QUERY,
  SKILL_OVERVIEW_QUERY,
  SKILL_ROW_QUERY,
  searchQuery,
  skillMetricsOf,
  whereOf,
} from './reads.js';
import {
  FINISH_MANY,
  finishParameters,
  INVOCATION_COLUMNS,
  type InvocationRow,
  insertNew,
  invocationOfRow,
} from './rows.js';

/** What a write transaction did, for after it commits. */
interface Written {
  update: TotalsUpdate;
  before: ReadonlyMap<string, number>;
}

/**
 * The PostgreSQL storage behind `PgStore`. Each write is one transaction on one pooled connection
 * that takes its skills' advisory locks first, then reads what the engine's `planUpdate` needs and
 * writes every figure with it; reads that must agree run in one snapshot (REPEATABLE READ).
 */
export class PgBackend implements StoreBackend {
  readonly #pool: pg.Pool;
  readonly #clock: Clock;
  readonly #where: string;
  readonly #bulkCopy: boolean;
  /** Each skill's counts as last read, while its total is unchanged (see `CountCache`). */
  readonly #counts = new CountCache();

  constructor(pool: pg.Pool, clock: Clock, where: string, bulkCopy: boolean) {
    this.#pool = pool;
    this.#clock = clock;
    this.#where = where;
    this.#bulkCopy = bulkCopy;
  }

  async insertPending(invocation: NewInvocation): Promise<string> {
    const id = uuidv7();
    await this.#pool.query(
      `INSERT INTO skill_invocation (id, skill_name, invoked_at, workflow_path, session_id, project_path, user_context)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        id,
        invocation.skillName,
        invocation.invokedAt,
        invocation.workflowPath,
        invocation.sessionId,
        invocation.projectPath,
        invocation.userContext === null ? null : JSON.stringify(invocation.userContext),
      ],
    );
    return id;
  }

  async finish(id: string, given: Outcome | OutcomeOf): Promise<void> {
    const written = await inTransaction(this.#pool, async (q) => {
      const { rows } = await q.query<{ skill_name: string; invoked_at: string; finished: boolean }>(
        'SELECT skill_name, invoked_at, completed_at IS NOT NULL AS finished FROM skill_invocation WHERE id = $1',
        [id],
      );
      const stored = rows[0];
      if (!stored) throw new UnknownInvocationError(id);
      // Refused as finished before its outcome is worked out, as on SQLite (the UPDATE below decides).
      if (stored.finished) throw new InvocationAlreadyCompletedError(id);
      await lockSkills(q, [stored.skill_name]);
      const outcome = typeof given === 'function' ? given({ invokedAt: stored.invoked_at }) : given;
      const done = await q.query<{
        workflow_path: string | null;
        session_id: string | null;
        project_path: string | null;
      }>(
        `UPDATE skill_invocation SET completed = $2, completed_at = $3, duration_seconds = $4, error_type = $5,
           follow_up_actions = $6 WHERE id = $1 AND completed_at IS NULL
         RETURNING workflow_path, session_id, project_path`,
        [
          id,
          outcome.completed,
          outcome.completedAt,
          outcome.durationSeconds,
          outcome.errorType,
          JSON.stringify(outcome.followUpActions),
        ],
      );
      const row = done.rows[0];
      if (!row) throw new InvocationAlreadyCompletedError(id);
      return this.#write(q, [
        {
          skillName: stored.skill_name,
          invokedAt: stored.invoked_at,
          workflowPath: row.workflow_path,
          sessionId: row.session_id,
          projectPath: row.project_path,
          completed: outcome.completed,
          durationSeconds: outcome.durationSeconds,
          errorType: outcome.errorType,
          followUpActions: outcome.followUpActions,
        },
      ]);
    });
    this.#committed(written);
  }

  record(batch: readonly CheckedInvocation[]): Promise<RecordResult[]> {
    return this.recordKeeping(batch, null);
  }

  async recordKeeping(batch: readonly CheckedInvocation[], keep: KeptState | null): Promise<RecordResult[]> {
    const recorded = await inTransaction(this.#pool, async (q) => {
      const done = batch.length > 0 ? await this.#record(q, batch) : { results: [], written: null };
      if (keep) {
        if (keep.json === 'null') await q.query(UNSET_STATE, [keep.key]);
        else await q.query(SET_STATE, [keep.key, keep.json, formatEpochMs(this.#clock.now())]);
      }
      return done;
    });
    if (recorded.written) this.#committed(recorded.written);
    return recorded.results;
  }

  async invocations(ids: readonly string[]): Promise<Array<Invocation | null>> {
    const { rows } = await this.#pool.query<InvocationRow>(
      `SELECT ${INVOCATION_COLUMNS} FROM skill_invocation WHERE id = ANY($1::text[])`,
      [ids],
    );
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => {
      const row = byId.get(id);
      return row ? invocationOfRow(row) : null;
    });
  }

  async skillMetrics(skillName: string): Promise<SkillMetrics | null> {
    // The skill's row alone, when its counts are held at its total; else the row and its counts in one statement.
    const { rows } = await this.#pool.query(`${SKILL_ROW_QUERY} WHERE t.skill_name = $1`, [skillName]);
    const row = rows[0];
    if (!row) return null;
    const held = this.#counts.held(skillName, row.total_invocations as number);
    if (held) return skillMetricsOf(row, held);
    const full = (await this.#pool.query(`${SKILL_METRICS_QUERY} WHERE t.skill_name = $1`, [skillName])).rows[0];
    return full ? skillMetricsOf(full, this.#hold(full)) : null;
  }

  async allMetrics(): Promise<SkillMetrics[]> {
    const { rows } = await this.#pool.query(`${SKILL_METRICS_QUERY} ORDER BY t.total_invocations DESC, t.skill_name`);
    return rows.map((row) => skillMetricsOf(row, this.#hold(row)));
  }

  async usage(): Promise<SummaryInput[]> {
    const { rows } = await this.#pool.query<SummaryInput>(
      `SELECT skill_name AS "skillName", total_invocations AS "totalInvocations",
         completed_invocations AS "completedInvocations", total_duration_seconds AS "totalDurationSeconds"
       FROM skill_totals ORDER BY total_invocations DESC, skill_name`,
    );
    return rows;
  }

  async overview(): Promise<SkillOverview[]> {
    return (await this.#pool.query<SkillOverview>(SKILL_OVERVIEW_QUERY)).rows;
  }

  async count(filter: InvocationFilter): Promise<number> {
    const { sql, values } = whereOf(filter);
    const { rows } = await this.#pool.query<{ n: number }>(`SELECT count(*) AS n FROM skill_invocation ${sql}`, values);
    return rows[0]?.n ?? 0;
  }

  async *list(filter: InvocationFilter, pageSize: number): AsyncGenerator<Invocation> {
    let afterTime = '';
    let afterId = '';
    for (;;) {
      const { sql, values } = whereOf(filter, ['(invoked_at, id) > ($1, $2)'], [afterTime, afterId]);
      const { rows } = await this.#pool.query<InvocationRow>(
        `SELECT ${INVOCATION_COLUMNS} FROM skill_invocation ${sql} ORDER BY invoked_at, id LIMIT ${pageSize}`,
        values,
      );
      for (const row of rows) yield invocationOfRow(row);
      if (rows.length < pageSize) return;
      const last = rows[rows.length - 1] as InvocationRow;
      afterTime = last.invoked_at;
      afterId = last.id;
    }
  }

  async durationPercentiles(skillName: string, qs: readonly number[], exact: boolean): Promise<Array<number | null>> {
    if (exact) {
      const { rows } = await this.#pool.query<{ d: number }>(
        `SELECT duration_seconds AS d FROM skill_invocation WHERE skill_name = $1 AND completed
           AND completed_at IS NOT NULL AND duration_seconds IS NOT NULL`,
        [skillName],
      );
      return exactPercentiles(
        rows.map((r) => r.d),
        qs,
      );
    }
    const { rows } = await this.#pool.query<{ s: Buffer | null }>(
      'SELECT duration_sketch AS s FROM skill_totals WHERE skill_name = $1',
      [skillName],
    );
    const sketch = rows[0]?.s;
    return (sketch ? DurationSketch.decode(sketch) : new DurationSketch()).quantiles(qs);
  }

  timeline(skillName: string | null, range: TimelineRange): Promise<TimelineBucket[]> {
    const table =
      range.bucket === 'hour'
        ? skillName === null
          ? 'timeline_all_skills'
          : 'skill_timeline'
        : skillName === null
          ? 'timeline_day_all_skills'
          : 'skill_timeline_day';
    return inTransaction(
      this.#pool,
      async (q) => {
        const where = skillName === null ? '' : 'skill_name = $3 AND';
        const values = skillName === null ? [range.since, range.until] : [range.since, range.until, skillName];
        const { rows } = await q.query(
          `SELECT bucket_start, invocations, completed, abandoned, total_duration_seconds, duration_sketch FROM ${table}
           WHERE ${where} bucket_start >= $1 AND bucket_start < $2 ORDER BY bucket_start`,
          values,
        );
        const bucketRows = rows.map(bucketRowOf);
        // Each skill's open hour is not in the timeline tables: sum it from its invocations.
        const open = await q.query<{ skill_name: string; open_hour: string }>(
          `SELECT skill_name, timeline_open_hour AS open_hour FROM skill_totals
           WHERE timeline_open_hour >= $1 AND timeline_open_hour < $2 ${skillName === null ? '' : 'AND skill_name = $3'}
           ORDER BY skill_name`,
          values,
        );
        for (const { skill_name, open_hour } of open.rows) {
          bucketRows.push(toBucketRow(await hourTotalsOf(q, skill_name, open_hour)));
        }
        return timelineFromRows(range, bucketRows);
      },
      'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
    );
  }

  async searchPaths(words: readonly string[], limit: number): Promise<WorkflowPathMatch[]> {
    const { rows } = await this.#pool.query<WorkflowPathMatch>(
      `SELECT skill_name AS "skillName", workflow_path AS "workflowPath", invocation_count AS "invocationCount"
       FROM skill_workflow_path WHERE search_words @@ $1::tsquery
       ORDER BY invocation_count DESC, skill_name, workflow_path LIMIT $2`,
      [searchQuery(words), limit],
    );
    return rows;
  }

  async contextTotals(kind: ContextKind, key: string): Promise<ContextSkillTotals[]> {
    const [table, column] = kind === 'session' ? ['session_skill', 'session_id'] : ['project_skill', 'project_path'];
    const { rows } = await this.#pool.query<ContextSkillTotals>(
      `SELECT skill_name AS "skillName", invocation_count AS "invocationCount", completed_count AS "completedCount",
         abandoned_count AS "abandonedCount", total_duration_seconds AS "totalDurationSeconds",
         first_invoked AS "firstInvoked", last_invoked AS "lastInvoked"
       FROM ${table} WHERE ${column} = $1 ORDER BY invocation_count DESC, skill_name`,
      [key],
    );
    return rows;
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  storageError(error: unknown): SkillMetricsError {
    return pgStorageError(error, this.#where);
  }

  /** Imports a checked batch inside the caller's transaction; a conflict rejects (and rolls back). */
  async #record(
    q: pg.PoolClient,
    batch: readonly CheckedInvocation[],
  ): Promise<{ results: RecordResult[]; written: Written | null }> {
    const skills = [...new Set(batch.map((item) => item.skillName))];
    await lockSkills(q, skills);
    // Each skill's latest start before the batch: an hour after it is the batch's alone.
    const latest = await q.query<{ skill_name: string; latest: string | null }>(
      `SELECT s AS skill_name, (SELECT max(invoked_at) FROM skill_invocation WHERE skill_name = s) AS latest
       FROM unnest($1::text[]) AS s`,
      [skills],
    );
    const hours = new BatchHours(new Map(latest.rows.map((row) => [row.skill_name, row.latest])));
    const inserted = await insertNew(q, batch, this.#bulkCopy);
    const others = [...new Set(batch.filter((item) => !inserted.has(item.id)).map((item) => item.id))];
    const stored = new Map<string, Invocation>();
    if (others.length > 0) {
      const { rows } = await q.query<InvocationRow>(
        `SELECT ${INVOCATION_COLUMNS} FROM skill_invocation WHERE id = ANY($1::text[])`,
        [others],
      );
      for (const row of rows) stored.set(row.id, invocationOfRow(row));
    }
    // The engine settles each invocation in order, against what is stored as the batch goes on.
    const completions = new Map<string, CheckedInvocation>();
    const { results, finished } = recordEach(batch, {
      insertIfNew: (item) => {
        if (!inserted.delete(item.id)) return false;
        stored.set(item.id, item);
        return true;
      },
      stored: (id) => stored.get(id) as Invocation,
      complete: (item) => {
        stored.set(item.id, item);
        completions.set(item.id, item);
      },
    });
    if (completions.size > 0) await q.query(FINISH_MANY, finishParameters([...completions.values()]));
    if (finished.length === 0) return { results, written: null };
    hours.add(batch, results);
    return { results, written: await this.#write(q, finished, hours) };
  }

  /** Works out what `finished` changes (the skills locked) and writes it; gives each skill's total before. */
  async #write(q: Queryable, finished: readonly FinishedEverywhere[], hours?: BatchHours): Promise<Written> {
    const stored = await storedSkills(q, [...new Set(finished.map((f) => f.skillName))]);
    const update = planUpdate(finished, (name) => stored.get(name), formatEpochMs(this.#clock.now()));
    await writeUpdate(q, update, hours);
    const before = new Map(
      update.skills.map((row) => [row.skillName, stored.get(row.skillName)?.totalInvocations ?? 0]),
    );
    return { update, before };
  }

  /** What a write changed, once its transaction has committed: the counts held catch up. */
  #committed({ update, before }: Written): void {
    this.#counts.add(update, before);
  }

  /** Holds the counts of a row read with them (`SKILL_METRICS_QUERY`). */
  #hold(row: Record<string, unknown>): SkillCounts {
    const counts = row.counts as Array<['error' | 'action', string, number]>;
    return this.#counts.hold(
      row.skill_name as string,
      row.total_invocations as number,
      row.paths as Array<[string, number]>,
      counts,
    );
  }
}
