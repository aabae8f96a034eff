import { sql } from 'drizzle-orm';
import { blob, index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

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
    // The pending invocations by skill (a scrape's gauge, `status: 'pending'` counts): few rows,
    // however many are finished.
    index('idx_skill_invocation_pending').on(t.skillName).where(sql`${t.completedAt} IS NULL`),
  ],
);

/**
 * A skill's totals: the additive figures, the derived ones, the percentiles and their sketch — all
 * but its counts by workflow path, error type and follow-up action, which have tables of their own
 * so that a write changes one row per key rather than rewriting every key. The view `skill_metrics`
 * joins them back into the original guide's table, JSON columns and all.
 */
export const skillTotals = sqliteTable('skill_totals', {
  skillName: text('skill_name').primaryKey(),
  totalInvocations: integer('total_invocations').notNull().default(0),
  completedInvocations: integer('completed_invocations').notNull().default(0),
  abandonedInvocations: integer('abandoned_invocations').notNull().default(0),
  totalDurationSeconds: real('total_duration_seconds').notNull().default(0),
  firstInvoked: text('first_invoked'),
  lastInvoked: text('last_invoked'),
  completionRate: real('completion_rate').notNull().default(0),
  avgDurationSeconds: real('avg_duration_seconds').notNull().default(0),
  schemaVersion: integer('schema_version').notNull().default(1),
  lastAggregatedAt: text('last_aggregated_at'),
  p50DurationSeconds: real('p50_duration_seconds'),
  p95DurationSeconds: real('p95_duration_seconds'),
  p99DurationSeconds: real('p99_duration_seconds'),
  /** `DurationSketch#encode()` of the completed durations; the source of the percentile columns. */
  durationSketch: blob('duration_sketch', { mode: 'buffer' }),
  /**
   * The skill's open hour: the latest hour, not after the clock, that its invocations started in.
   * Its invocations are not in `skill_timeline` yet (live writes land there and touch no timeline
   * row); it is summed there once a later hour opens.
   */
  timelineOpenHour: text('timeline_open_hour'),
});

/**
 * Finished invocations of a skill per workflow path, one row per (skill, path), clustered by them
 * (WITHOUT ROWID, declared in the migration) so that a skill's paths read in one sweep. `id` is the
 * pair's row in the search index (`workflow_path_search`); the rank index walks the paths most used
 * first, and holds the id to test each against the index's matches.
 */
export const skillWorkflowPath = sqliteTable(
  'skill_workflow_path',
  {
    skillName: text('skill_name').notNull(),
    workflowPath: text('workflow_path').notNull(),
    invocationCount: integer('invocation_count').notNull(),
    id: integer('id').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.skillName, t.workflowPath] }),
    uniqueIndex('uq_skill_workflow_path_id').on(t.id),
    index('idx_skill_workflow_path_rank').on(sql`${t.invocationCount} DESC`, t.skillName, t.workflowPath, t.id),
  ],
);

/**
 * A skill's counts by error type (`kind` `'error'`) and by follow-up action (`'action'`).
 * WITHOUT ROWID (declared in the migration; Drizzle cannot say so).
 */
export const skillCount = sqliteTable(
  'skill_count',
  {
    skillName: text('skill_name').notNull(),
    kind: text('kind', { enum: ['error', 'action'] }).notNull(),
    key: text('key').notNull(),
    count: integer('count').notNull(),
  },
  (t) => [primaryKey({ columns: [t.skillName, t.kind, t.key] })],
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
 * The rows with skill_name `''` sum each hour over every skill; a skill named `''` (kept from a
 * legacy file) has its rows under an empty BLOB, which no text equals.
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

/**
 * Records the tools around a store keep in its database, so that every process sees them (a dual
 * store's mismatches and the writes its other side failed), oldest first by `seq`.
 */
export const storeNote = sqliteTable(
  'store_note',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    kind: text('kind').notNull(),
    /** Canonical. */
    recordedAt: text('recorded_at').notNull(),
    /** JSON. */
    body: text('body').notNull(),
  },
  (t) => [index('idx_store_note_kind').on(t.kind, t.seq)],
);

/** Named values the tools around a store keep in its database (a dual store's guardrail). */
export const storeState = sqliteTable('store_state', {
  key: text('key').primaryKey(),
  /** JSON. */
  value: text('value').notNull(),
  /** Canonical. */
  updatedAt: text('updated_at').notNull(),
});
