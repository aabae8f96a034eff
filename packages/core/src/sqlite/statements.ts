import type Database from 'better-sqlite3';
import { and, asc, desc, eq, gte, isNotNull, isNull, lt, sql } from 'drizzle-orm';
import type { StoredSkill } from '../engine/update.js';
import { skillInvocation as inv, skillCount, skillTotals as st, skillWorkflowPath as swp } from '../schema/sqlite.js';
import { compileRowRead, compileRowsRead, compileWrite } from './compiled.js';
import { contextStatements } from './context-statements.js';
import { type InvocationRow, invocationColumns } from './invocation-rows.js';
import { type Db, excluded, p, placeholders, setTo } from './sql-helpers.js';

/**
 * Every statement the SQLite store runs, built with Drizzle from the schema and prepared once per
 * connection. Raw SQL appears only where Drizzle cannot say it (`excluded.` in upserts, FTS5).
 */

export { ALL_SKILLS, type Db, schema, timelineKey } from './sql-helpers.js';

/** A skill's scalar totals; its counts are in their own tables. */
const scalarColumns = {
  skillName: st.skillName,
  totalInvocations: st.totalInvocations,
  completedInvocations: st.completedInvocations,
  abandonedInvocations: st.abandonedInvocations,
  totalDurationSeconds: st.totalDurationSeconds,
  firstInvoked: st.firstInvoked,
  lastInvoked: st.lastInvoked,
};

const metricsColumns = {
  ...scalarColumns,
  p50DurationSeconds: st.p50DurationSeconds,
  p95DurationSeconds: st.p95DurationSeconds,
  p99DurationSeconds: st.p99DurationSeconds,
};

const TOTALS_UPSERTED = [
  'totalInvocations',
  'completedInvocations',
  'abandonedInvocations',
  'totalDurationSeconds',
  'firstInvoked',
  'lastInvoked',
  'completionRate',
  'avgDurationSeconds',
  'lastAggregatedAt',
  'p50DurationSeconds',
  'p95DurationSeconds',
  'p99DurationSeconds',
  'durationSketch',
  'timelineOpenHour',
] as const;

/** A skill's overview figures but its pending count, as `overviewTotals` reads them. */
type OverviewTotalsRow = [string, number, number, number, number | null, number | null, number | null];

/** An `overviewTotals` row as an overview with no pending count yet (`withPendingCounts` sets it). */
export const overviewOfRow = ([skillName, completed, abandoned, duration, p50, p95, p99]: OverviewTotalsRow) => ({
  skillName,
  completedInvocations: completed,
  abandonedInvocations: abandoned,
  pendingInvocations: 0,
  totalDurationSeconds: duration,
  p50DurationSeconds: p50,
  p95DurationSeconds: p95,
  p99DurationSeconds: p99,
});

export function prepareStatements(db: Db, client: Database.Database) {
  return {
    insertInvocation: compileWrite(
      client,
      db
        .insert(inv)
        .values(
          placeholders(
            'id',
            'skillName',
            'invokedAt',
            'workflowPath',
            'completed',
            'completedAt',
            'durationSeconds',
            'errorType',
            'followUpActions',
            'sessionId',
            'projectPath',
            'userContext',
          ),
        )
        .onConflictDoNothing({ target: inv.id }),
    ),
    /** Finishes a pending invocation; gives its skill, start, path, session and project, or nothing. */
    finishPending: compileRowRead<[string, string, string | null, string | null, string | null]>(
      client,
      db
        .update(inv)
        .set({
          completed: setTo('completed'),
          completedAt: setTo('completedAt'),
          durationSeconds: setTo('durationSeconds'),
          errorType: setTo('errorType'),
          followUpActions: setTo('followUpActions'),
        })
        .where(and(eq(inv.id, p('id')), isNull(inv.completedAt)))
        .returning({
          skillName: inv.skillName,
          invokedAt: inv.invokedAt,
          workflowPath: inv.workflowPath,
          sessionId: inv.sessionId,
          projectPath: inv.projectPath,
        }),
    ),
    invocationById: compileRowRead<InvocationRow>(
      client,
      db
        .select(invocationColumns)
        .from(inv)
        .where(eq(inv.id, p('id'))),
    ),
    /** A pending invocation's start, and whether it is finished: for a completion given by id. */
    pendingStart: client.prepare(
      'SELECT invoked_at AS invokedAt, completed_at IS NOT NULL AS finished FROM skill_invocation WHERE id = ?',
    ) as Database.Statement<[string], { invokedAt: string; finished: number }>,
    /** The invocations whose ids are in a JSON array, found by primary key. */
    invocationsByIds: compileRowsRead<InvocationRow>(
      client,
      db
        .select(invocationColumns)
        .from(inv)
        .where(sql`${inv.id} IN (SELECT value FROM json_each(${p('ids')}))`),
    ),
    completedDurations: db
      .select({ durationSeconds: inv.durationSeconds })
      .from(inv)
      .where(
        and(
          eq(inv.skillName, p('skillName')),
          eq(inv.completed, true),
          isNotNull(inv.completedAt),
          isNotNull(inv.durationSeconds),
        ),
      )
      .prepare(),
    /** A skill's finished invocations in [since, until): how an hour's timeline row is (re)built. */
    finishedBetween: compileRowsRead(
      client,
      db
        .select({ completed: inv.completed, durationSeconds: inv.durationSeconds })
        .from(inv)
        .where(
          and(
            eq(inv.skillName, p('skillName')),
            gte(inv.invokedAt, p('since')),
            lt(inv.invokedAt, p('until')),
            isNotNull(inv.completedAt),
          ),
        ),
    ) as (bounds: { skillName: string; since: string; until: string }) => Array<[0 | 1, number | null]>,

    /** What a write starts from: the skill's scalars (in `scalarColumns` order), sketch and open hour. */
    storedSkill: compileRowRead<
      [string, number, number, number, number, string | null, string | null, Uint8Array | null, string | null]
    >(
      client,
      db
        .select({ ...scalarColumns, durationSketch: st.durationSketch, timelineOpenHour: st.timelineOpenHour })
        .from(st)
        .where(eq(st.skillName, p('skillName'))),
    ),
    upsertTotals: compileWrite(
      client,
      db
        .insert(st)
        .values(placeholders('skillName', ...TOTALS_UPSERTED))
        .onConflictDoUpdate({
          target: st.skillName,
          set: Object.fromEntries(TOTALS_UPSERTED.map((k) => [k, excluded(st[k].name)])),
        }),
    ),
    metricsBySkill: db
      .select(metricsColumns)
      .from(st)
      .where(eq(st.skillName, p('skillName')))
      .prepare(),
    allMetrics: db.select(metricsColumns).from(st).orderBy(desc(st.totalInvocations), asc(st.skillName)).prepare(),
    usage: compileRowsRead(
      client,
      db
        .select({
          skillName: st.skillName,
          totalInvocations: st.totalInvocations,
          completedInvocations: st.completedInvocations,
          totalDurationSeconds: st.totalDurationSeconds,
        })
        .from(st)
        .orderBy(desc(st.totalInvocations), asc(st.skillName)),
    ),
    // getSkillOverview: the totals, and the pending counts from the partial index of pending rows.
    overviewTotals: compileRowsRead<OverviewTotalsRow>(
      client,
      db
        .select({
          skillName: st.skillName,
          completedInvocations: st.completedInvocations,
          abandonedInvocations: st.abandonedInvocations,
          totalDurationSeconds: st.totalDurationSeconds,
          p50DurationSeconds: st.p50DurationSeconds,
          p95DurationSeconds: st.p95DurationSeconds,
          p99DurationSeconds: st.p99DurationSeconds,
        })
        .from(st),
    ),
    pendingBySkill: compileRowsRead<[string, number]>(
      client,
      db
        .select({ skillName: inv.skillName, n: sql<number>`count(*)` })
        .from(inv)
        .where(isNull(inv.completedAt))
        .groupBy(inv.skillName),
    ),
    sketchBySkill: db
      .select({ durationSketch: st.durationSketch })
      .from(st)
      .where(eq(st.skillName, p('skillName')))
      .prepare(),
    /** Each skill's open hour: read from skill_invocation, as it is not in the timeline tables. */
    openHours: db
      .select({ skillName: st.skillName, openHour: st.timelineOpenHour })
      .from(st)
      .where(isNotNull(st.timelineOpenHour))
      .orderBy(asc(st.skillName))
      .prepare(),
    openHourOf: db
      .select({ openHour: st.timelineOpenHour })
      .from(st)
      .where(eq(st.skillName, p('skillName')))
      .prepare(),

    // Counts: one row per key, added to in place.
    // A new pair gets the next id (the write lock is held: no other writer takes it meanwhile).
    addPathCount: client.prepare(`
      INSERT INTO skill_workflow_path (skill_name, workflow_path, invocation_count, id)
      VALUES (?, ?, ?, (SELECT coalesce(max(id), 0) + 1 FROM skill_workflow_path))
      ON CONFLICT (skill_name, workflow_path) DO UPDATE SET invocation_count = invocation_count + excluded.invocation_count
      RETURNING id, invocation_count`) as Database.Statement<
      [string, string, number],
      { id: number; invocation_count: number }
    >,
    addKeyCount: compileWrite(
      client,
      db
        .insert(skillCount)
        .values(placeholders('skillName', 'kind', 'key', 'count'))
        .onConflictDoUpdate({
          target: [skillCount.skillName, skillCount.kind, skillCount.key],
          set: { count: sql`${skillCount.count} + excluded.count` },
        }),
    ),
    pathCountsOf: compileRowsRead<[string, number]>(
      client,
      db
        .select({ key: swp.workflowPath, count: swp.invocationCount })
        .from(swp)
        .where(eq(swp.skillName, p('skillName'))),
    ),
    keyCountsOf: compileRowsRead<['error' | 'action', string, number]>(
      client,
      db
        .select({ kind: skillCount.kind, key: skillCount.key, count: skillCount.count })
        .from(skillCount)
        .where(eq(skillCount.skillName, p('skillName'))),
    ),

    // FTS5 is beyond Drizzle's query builder.
    addSearchWords: client.prepare(
      'INSERT INTO workflow_path_search (rowid, words) VALUES (?, ?)',
    ) as Database.Statement<[number, string]>,
    /** How many pairs match, counted up to a cap. */
    countMatches: client
      .prepare(
        'SELECT count(*) FROM (SELECT rowid FROM workflow_path_search WHERE workflow_path_search MATCH ? LIMIT ?)',
      )
      .pluck() as Database.Statement<[string, number], number>,
    /** Few matches: each looked up, then sorted. */
    searchFew: client.prepare(`
      SELECT skill_name AS skillName, workflow_path AS workflowPath, invocation_count AS invocationCount
      FROM skill_workflow_path
      WHERE id IN (SELECT rowid FROM workflow_path_search WHERE workflow_path_search MATCH ?)
      ORDER BY invocation_count DESC, skill_name, workflow_path
      LIMIT ?`) as Database.Statement<[string, number]>,
    /** Every pair, most used first: a search with many matches walks it until its limit is met. */
    rankedPaths: client
      .prepare(`SELECT skill_name, workflow_path, invocation_count FROM skill_workflow_path
        ORDER BY invocation_count DESC, skill_name, workflow_path`)
      .raw(true) as Database.Statement<[], [string, string, number]>,

    ...contextStatements(db, client),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;

/** A `storedSkill` row as the engine takes it. */
export function storedSkillOf(row: NonNullable<ReturnType<Statements['storedSkill']>>): StoredSkill {
  const [skillName, total, completed, abandoned, duration, first, last, durationSketch, timelineOpenHour] = row;
  return {
    skillName,
    totalInvocations: total,
    completedInvocations: completed,
    abandonedInvocations: abandoned,
    totalDurationSeconds: duration,
    firstInvoked: first,
    lastInvoked: last,
    durationSketch,
    timelineOpenHour,
  };
}
