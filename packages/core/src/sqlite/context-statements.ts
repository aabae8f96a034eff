import type Database from 'better-sqlite3';
import { and, asc, desc, eq, gte, lt, ne, sql } from 'drizzle-orm';
import type { BucketRow } from '../engine/timeline.js';
import { projectSkill, sessionSkill, skillTimeline as tl, skillTimelineDay as tlDay } from '../schema/sqlite.js';
import { compileRowsRead, compileWrite } from './compiled.js';
import { ALL_SKILLS, type Db, excluded, p, placeholders } from './sql-helpers.js';

/** The statements of the session, project and timeline tables. */

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

export function contextStatements(db: Db, client: Database.Database) {
  return {
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
    /** An hour that opens again: its row goes (its invocations are read from skill_invocation again). */
    deleteHour: compileWrite(
      client,
      db.delete(tl).where(and(eq(tl.skillName, p('skillName')), eq(tl.bucketStart, p('bucketStart')))),
    ),
  };
}

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
