import type Database from 'better-sqlite3';
import { and, asc, desc, eq, gte, isNotNull, isNull, lt, ne, type SQL, sql } from 'drizzle-orm';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { BucketRow } from '../engine/timeline.js';
import {
  skillInvocation as inv,
  projectSkill,
  sessionSkill,
  skillMetrics as sm,
  skillTimeline as tl,
  skillTimelineDay as tlDay,
} from '../schema/sqlite.js';
import { compileRowsRead, compileWrite } from './compiled.js';

/**
 * Every statement the SQLite store runs, built with Drizzle from the schema and prepared once per
 * connection. Raw SQL appears only where Drizzle cannot say it (`excluded.` in upserts, FTS5, JSON).
 */

export const schema = {
  skillInvocation: inv,
  skillMetrics: sm,
  sessionSkill,
  projectSkill,
  skillTimeline: tl,
  skillTimelineDay: tlDay,
};
export type Db = BetterSQLite3Database<typeof schema>;

/** The skill name under which the timeline tables keep every skill's sum; no skill can be named ''. */
export const ALL_SKILLS = '';

const p = sql.placeholder;
/** A placeholder in `update().set()`, where Drizzle encodes it through the column (its types want SQL there). */
const setTo = (name: string) => p(name) as unknown as SQL;
const excluded = (column: string) => sql.raw(`excluded.${column}`);
/** `{ key: placeholder('key') }` for each key. */
const placeholders = <K extends string>(...keys: K[]) =>
  Object.fromEntries(keys.map((k) => [k, p(k)])) as unknown as Record<K, SQL>;

export const invocationColumns = {
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

const metricsColumns = {
  ...totalsColumns,
  p50DurationSeconds: sm.p50DurationSeconds,
  p95DurationSeconds: sm.p95DurationSeconds,
  p99DurationSeconds: sm.p99DurationSeconds,
};

const contextValues = placeholders(
  'skillName',
  'invocationCount',
  'completedCount',
  'abandonedCount',
  'totalDurationSeconds',
  'firstInvoked',
  'lastInvoked',
);

/** Adds a batch's figures to a session's or project's row (no read needed: all of it is additive). */
const contextUpsertSet = (t: typeof sessionSkill | typeof projectSkill) => ({
  invocationCount: sql`${t.invocationCount} + excluded.invocation_count`,
  completedCount: sql`${t.completedCount} + excluded.completed_count`,
  abandonedCount: sql`${t.abandonedCount} + excluded.abandoned_count`,
  totalDurationSeconds: sql`${t.totalDurationSeconds} + excluded.total_duration_seconds`,
  firstInvoked: sql`min(${t.firstInvoked}, excluded.first_invoked)`,
  lastInvoked: sql`max(${t.lastInvoked}, excluded.last_invoked)`,
});

const contextColumns = (t: typeof sessionSkill | typeof projectSkill) => ({
  skillName: t.skillName,
  invocationCount: t.invocationCount,
  completedCount: t.completedCount,
  abandonedCount: t.abandonedCount,
  totalDurationSeconds: t.totalDurationSeconds,
  firstInvoked: t.firstInvoked,
  lastInvoked: t.lastInvoked,
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
      .returning({
        skillName: inv.skillName,
        invokedAt: inv.invokedAt,
        workflowPath: inv.workflowPath,
        sessionId: inv.sessionId,
        projectPath: inv.projectPath,
      })
      .prepare(),
    invocationById: db
      .select(invocationColumns)
      .from(inv)
      .where(eq(inv.id, p('id')))
      .prepare(),
    totalsBySkill: db
      .select({ ...totalsColumns, durationSketch: sm.durationSketch })
      .from(sm)
      .where(eq(sm.skillName, p('skillName')))
      .prepare(),
    upsertTotals: compileWrite(
      client,
      db
        .insert(sm)
        .values(
          placeholders(
            'skillName',
            'totalInvocations',
            'completedInvocations',
            'abandonedInvocations',
            'totalDurationSeconds',
            'workflowPaths',
            'commonErrors',
            'followUpActions',
            'firstInvoked',
            'lastInvoked',
            'completionRate',
            'avgDurationSeconds',
            'lastAggregatedAt',
            'p50DurationSeconds',
            'p95DurationSeconds',
            'p99DurationSeconds',
            'durationSketch',
          ),
        )
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
            p50DurationSeconds: excluded('p50_duration_seconds'),
            p95DurationSeconds: excluded('p95_duration_seconds'),
            p99DurationSeconds: excluded('p99_duration_seconds'),
            durationSketch: excluded('duration_sketch'),
          },
        }),
    ),
    metricsBySkill: db
      .select(metricsColumns)
      .from(sm)
      .where(eq(sm.skillName, p('skillName')))
      .prepare(),
    allMetrics: db.select(metricsColumns).from(sm).orderBy(desc(sm.totalInvocations), asc(sm.skillName)).prepare(),
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
    sketchBySkill: db
      .select({ durationSketch: sm.durationSketch })
      .from(sm)
      .where(eq(sm.skillName, p('skillName')))
      .prepare(),
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

    upsertSession: compileWrite(
      client,
      db
        .insert(sessionSkill)
        .values({ sessionId: p('contextKey'), ...contextValues })
        .onConflictDoUpdate({
          target: [sessionSkill.sessionId, sessionSkill.skillName],
          set: contextUpsertSet(sessionSkill),
        }),
    ),
    upsertProject: compileWrite(
      client,
      db
        .insert(projectSkill)
        .values({ projectPath: p('contextKey'), ...contextValues })
        .onConflictDoUpdate({
          target: [projectSkill.projectPath, projectSkill.skillName],
          set: contextUpsertSet(projectSkill),
        }),
    ),
    sessionSkills: db
      .select(contextColumns(sessionSkill))
      .from(sessionSkill)
      .where(eq(sessionSkill.sessionId, p('key')))
      .orderBy(desc(sessionSkill.invocationCount), asc(sessionSkill.skillName))
      .prepare(),
    projectSkills: db
      .select(contextColumns(projectSkill))
      .from(projectSkill)
      .where(eq(projectSkill.projectPath, p('key')))
      .orderBy(desc(projectSkill.invocationCount), asc(projectSkill.skillName))
      .prepare(),

    timeline: { hour: timelineStatements(db, client, tl), day: timelineStatements(db, client, tlDay) },
    /** Every skill's row for one hour: how the hour's total (skill '') is summed. */
    hourOfEverySkill: compileRowsRead<BucketRow>(
      client,
      db
        .select({
          bucketStart: tl.bucketStart,
          invocations: tl.invocations,
          completed: tl.completed,
          abandoned: tl.abandoned,
          totalDurationSeconds: tl.totalDurationSeconds,
          durationSketch: tl.durationSketch,
        })
        .from(tl)
        .where(and(eq(tl.bucketStart, p('bucketStart')), ne(tl.skillName, ALL_SKILLS))),
    ) as (key: { bucketStart: string }) => BucketRow[],
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
    /** Each skill's latest start: the hour it falls in is read from skill_invocation, not the timeline tables. */
    lastInvoked: db
      .select({ skillName: sm.skillName, lastInvoked: sm.lastInvoked })
      .from(sm)
      .where(isNotNull(sm.lastInvoked))
      .prepare(),
    lastInvokedOf: db
      .select({ lastInvoked: sm.lastInvoked })
      .from(sm)
      .where(eq(sm.skillName, p('skillName')))
      .prepare(),

    // FTS5 and JSON are beyond Drizzle's query builder.
    addSearchPath: client.prepare(
      'INSERT INTO workflow_path_search (skill_name, workflow_path) VALUES (?, ?)',
    ) as Database.Statement<[string, string]>,
    searchPaths: client.prepare(`
      SELECT f.skill_name AS skillName, f.workflow_path AS workflowPath,
             (SELECT j.value FROM skill_metrics m, json_each(m.workflow_paths) j
              WHERE m.skill_name = f.skill_name AND j.key = f.workflow_path) AS invocationCount
      FROM workflow_path_search f
      WHERE workflow_path_search MATCH ?
      ORDER BY invocationCount DESC, f.skill_name, f.workflow_path
      LIMIT ?`) as Database.Statement<[string, number]>,
  };
}

export type Statements = ReturnType<typeof prepareStatements>;

/** Reading and writing one timeline table (hours or days); both have the same columns. */
function timelineStatements(db: Db, client: Database.Database, t: typeof tl | typeof tlDay) {
  const columns = {
    bucketStart: t.bucketStart,
    invocations: t.invocations,
    completed: t.completed,
    abandoned: t.abandoned,
    totalDurationSeconds: t.totalDurationSeconds,
    durationSketch: t.durationSketch,
  };
  const range = and(gte(t.bucketStart, p('since')), lt(t.bucketStart, p('until')));
  return {
    /** Sets a bucket's row to figures summed again from its source. */
    put: compileWrite(
      client,
      db
        .insert(t)
        .values(
          placeholders(
            'skillName',
            'bucketStart',
            'invocations',
            'completed',
            'abandoned',
            'totalDurationSeconds',
            'durationSketch',
          ),
        )
        .onConflictDoUpdate({
          target: [t.skillName, t.bucketStart],
          set: {
            invocations: excluded('invocations'),
            completed: excluded('completed'),
            abandoned: excluded('abandoned'),
            totalDurationSeconds: excluded('total_duration_seconds'),
            durationSketch: excluded('duration_sketch'),
          },
        }),
    ),
    ofSkill: compileRowsRead<BucketRow>(
      client,
      db
        .select(columns)
        .from(t)
        .where(and(eq(t.skillName, p('skillName')), range))
        .orderBy(asc(t.bucketStart)),
    ) as (bounds: { skillName: string; since: string; until: string }) => BucketRow[],
  };
}
