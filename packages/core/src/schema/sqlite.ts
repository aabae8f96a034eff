import { sql } from 'drizzle-orm';
import { blob, index, integer, primaryKey, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * The SQLite schema. Table and column names are the original design guide's, because other tools
 * read this database with plain SQL. `drizzle-kit generate` turns changes here into migrations.
 */

/** One row per invocation, pending from start until completed or abandoned. */
export const skillInvocation = sqliteTable(
  'skill_invocation',
  {
    id: text('id').primaryKey(),
    skillName: text('skill_name').notNull(),
    /** Canonical UTC time, `2026-11-26T10:18:08.719857Z`. */
    invokedAt: text('invoked_at').notNull(),
    workflowPath: text('workflow_path'),
    completed: integer('completed', { mode: 'boolean' }).notNull().default(false),
    /** Null while pending; tells pending (null) from abandoned (set, `completed` false). */
    completedAt: text('completed_at'),
    durationSeconds: real('duration_seconds'),
    errorType: text('error_type'),
    sessionId: text('session_id'),
    followUpActions: text('follow_up_actions', { mode: 'json' }).$type<string[]>().notNull().default(sql`'[]'`),
    schemaVersion: integer('schema_version').notNull().default(1),
    projectPath: text('project_path'),
    userContext: text('user_context', { mode: 'json' }).$type<Record<string, unknown>>(),
  },
  (t) => [
    // Every listing pages by (invoked_at, id); each filter has an index that ends in that order.
    index('idx_skill_invocation_time').on(t.invokedAt, t.id),
    index('idx_skill_invocation_skill_time').on(t.skillName, t.invokedAt, t.id),
    index('idx_skill_invocation_session_time')
      .on(t.sessionId, t.invokedAt, t.id)
      .where(sql`${t.sessionId} IS NOT NULL`),
    index('idx_skill_invocation_project_time')
      .on(t.projectPath, t.invokedAt, t.id)
      .where(sql`${t.projectPath} IS NOT NULL`),
  ],
);

/** A skill's figures, kept current in the same transaction as every write. */
export const skillMetrics = sqliteTable(
  'skill_metrics',
  {
    skillName: text('skill_name').primaryKey(),
    totalInvocations: integer('total_invocations').notNull().default(0),
    completedInvocations: integer('completed_invocations').notNull().default(0),
    abandonedInvocations: integer('abandoned_invocations').notNull().default(0),
    totalDurationSeconds: real('total_duration_seconds').notNull().default(0),
    workflowPaths: text('workflow_paths', { mode: 'json' })
      .$type<Record<string, number>>()
      .notNull()
      .default(sql`'{}'`),
    commonErrors: text('common_errors', { mode: 'json' }).$type<Record<string, number>>().notNull().default(sql`'{}'`),
    followUpActions: text('follow_up_actions', { mode: 'json' })
      .$type<Record<string, number>>()
      .notNull()
      .default(sql`'{}'`),
    firstInvoked: text('first_invoked'),
    lastInvoked: text('last_invoked'),
    completionRate: real('completion_rate').notNull().default(0),
    avgDurationSeconds: real('avg_duration_seconds').notNull().default(0),
    schemaVersion: integer('schema_version').notNull().default(1),
    lastAggregatedAt: text('last_aggregated_at'),
    // Added by the second migration: percentiles of completed durations, kept current from the sketch.
    p50DurationSeconds: real('p50_duration_seconds'),
    p95DurationSeconds: real('p95_duration_seconds'),
    p99DurationSeconds: real('p99_duration_seconds'),
    /** `DurationSketch#encode()` of the completed durations; the source of the percentile columns. */
    durationSketch: blob('duration_sketch', { mode: 'buffer' }),
  },
  // No index on total_invocations: the table holds one row per skill, and such an index would be
  // rewritten on every completion to speed up a sort of a few dozen rows.
);

/**
 * The figures of one skill within one context (a session, or a project), kept current on every
 * write. Both tables have the same columns; `session_skill` is the one the original guide queries.
 * The migrations declare them WITHOUT ROWID (Drizzle cannot say so): a table rebuild must keep that.
 */
const contextFigures = {
  skillName: text('skill_name').notNull(),
  invocationCount: integer('invocation_count').notNull().default(0),
  completedCount: integer('completed_count').notNull().default(0),
  abandonedCount: integer('abandoned_count').notNull().default(0),
  totalDurationSeconds: real('total_duration_seconds').notNull().default(0),
  firstInvoked: text('first_invoked'),
  lastInvoked: text('last_invoked'),
};

export const sessionSkill = sqliteTable(
  'session_skill',
  { sessionId: text('session_id').notNull(), ...contextFigures },
  (t) => [primaryKey({ columns: [t.sessionId, t.skillName] })],
);

export const projectSkill = sqliteTable(
  'project_skill',
  { projectPath: text('project_path').notNull(), ...contextFigures },
  (t) => [primaryKey({ columns: [t.projectPath, t.skillName] })],
);

/** The columns of a timeline bucket: one skill's finished invocations that started within it. */
const timelineColumns = {
  skillName: text('skill_name').notNull(),
  /** The bucket's start, canonical: `2026-11-26T10:00:00.000000Z`. */
  bucketStart: text('bucket_start').notNull(),
  invocations: integer('invocations').notNull().default(0),
  completed: integer('completed').notNull().default(0),
  abandoned: integer('abandoned').notNull().default(0),
  totalDurationSeconds: real('total_duration_seconds').notNull().default(0),
  /** `DurationSketch#encode()` of the bucket's completed durations, for its percentiles. */
  durationSketch: blob('duration_sketch', { mode: 'buffer' }),
};

/**
 * Finished invocations of a skill per UTC hour of their start. Holds every hour before the skill's
 * open hour — the hour of its `last_invoked` — which is read from skill_invocation directly: live
 * writes land there, so they touch no row here, and an hour is summed once, when a later one begins.
 * The rows with skill_name `''` (never a skill's name) sum each hour over every skill.
 * WITHOUT ROWID, as above.
 */
export const skillTimeline = sqliteTable('skill_timeline', timelineColumns, (t) => [
  primaryKey({ columns: [t.skillName, t.bucketStart] }),
  // Summing one hour over every skill, when an hour closes.
  index('idx_skill_timeline_bucket').on(t.bucketStart),
]);

/** The same per UTC day, summed from the day's rows in skill_timeline (so the open hour is not in it). */
export const skillTimelineDay = sqliteTable('skill_timeline_day', timelineColumns, (t) => [
  primaryKey({ columns: [t.skillName, t.bucketStart] }),
]);
