import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  customType,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
} from 'drizzle-orm/pg-core';

/**
 * The PostgreSQL schema: the SQLite schema's tables and columns under the same names (see
 * ./sqlite.ts for what each holds), in PostgreSQL's types. Text is `COLLATE "C"`, so that every
 * order is by code point as on SQLite; times are the same canonical text. The sums over every
 * skill have tables of their own here, as a text column has no value that no skill name can take.
 * Every table but the notes leads with `skill_name`, so that Citus can distribute them by it.
 */

/** Text ordered by code point (UTF-8 byte order), as SQLite's BINARY collation orders it. */
const text = customType<{ data: string; driverData: string }>({
  dataType: () => 'text COLLATE "C"',
});

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });
const tsvector = customType<{ data: string; driverData: string }>({ dataType: () => 'tsvector' });

export const skillInvocation = pgTable(
  'skill_invocation',
  {
    id: text('id').primaryKey(),
    skillName: text('skill_name').notNull(),
    invokedAt: text('invoked_at').notNull(),
    workflowPath: text('workflow_path'),
    completed: boolean('completed').notNull().default(false),
    completedAt: text('completed_at'),
    durationSeconds: doublePrecision('duration_seconds'),
    errorType: text('error_type'),
    sessionId: text('session_id'),
    followUpActions: jsonb('follow_up_actions').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    schemaVersion: integer('schema_version').notNull().default(1),
    projectPath: text('project_path'),
    userContext: jsonb('user_context').$type<Record<string, unknown>>(),
  },
  (t) => [
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

export const skillTotals = pgTable('skill_totals', {
  skillName: text('skill_name').primaryKey(),
  totalInvocations: bigint('total_invocations', { mode: 'number' }).notNull().default(0),
  completedInvocations: bigint('completed_invocations', { mode: 'number' }).notNull().default(0),
  abandonedInvocations: bigint('abandoned_invocations', { mode: 'number' }).notNull().default(0),
  totalDurationSeconds: doublePrecision('total_duration_seconds').notNull().default(0),
  firstInvoked: text('first_invoked'),
  lastInvoked: text('last_invoked'),
  completionRate: doublePrecision('completion_rate').notNull().default(0),
  avgDurationSeconds: doublePrecision('avg_duration_seconds').notNull().default(0),
  schemaVersion: integer('schema_version').notNull().default(1),
  lastAggregatedAt: text('last_aggregated_at'),
  p50DurationSeconds: doublePrecision('p50_duration_seconds'),
  p95DurationSeconds: doublePrecision('p95_duration_seconds'),
  p99DurationSeconds: doublePrecision('p99_duration_seconds'),
  durationSketch: bytea('duration_sketch'),
  timelineOpenHour: text('timeline_open_hour'),
});

/**
 * A skill's counts by workflow path; `search_words` holds the path's folded words for the search.
 * No index on the count: an increment then changes no indexed column and is a HOT update, leaving
 * the GIN index alone (a search sorts its matches instead).
 */
export const skillWorkflowPath = pgTable(
  'skill_workflow_path',
  {
    skillName: text('skill_name').notNull(),
    workflowPath: text('workflow_path').notNull(),
    invocationCount: bigint('invocation_count', { mode: 'number' }).notNull(),
    searchWords: tsvector('search_words').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.skillName, t.workflowPath] }),
    index('idx_skill_workflow_path_search').using('gin', t.searchWords),
  ],
);

export const skillCount = pgTable(
  'skill_count',
  {
    skillName: text('skill_name').notNull(),
    kind: text('kind').$type<'error' | 'action'>().notNull(),
    key: text('key').notNull(),
    count: bigint('count', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.skillName, t.kind, t.key] })],
);

const contextFigures = {
  skillName: text('skill_name').notNull(),
  invocationCount: bigint('invocation_count', { mode: 'number' }).notNull().default(0),
  completedCount: bigint('completed_count', { mode: 'number' }).notNull().default(0),
  abandonedCount: bigint('abandoned_count', { mode: 'number' }).notNull().default(0),
  totalDurationSeconds: doublePrecision('total_duration_seconds').notNull().default(0),
  firstInvoked: text('first_invoked'),
  lastInvoked: text('last_invoked'),
};

export const sessionSkill = pgTable(
  'session_skill',
  { sessionId: text('session_id').notNull(), ...contextFigures },
  (t) => [primaryKey({ columns: [t.sessionId, t.skillName] })],
);

export const projectSkill = pgTable(
  'project_skill',
  { projectPath: text('project_path').notNull(), ...contextFigures },
  (t) => [primaryKey({ columns: [t.projectPath, t.skillName] })],
);

const bucketFigures = {
  bucketStart: text('bucket_start').notNull(),
  invocations: bigint('invocations', { mode: 'number' }).notNull().default(0),
  completed: bigint('completed', { mode: 'number' }).notNull().default(0),
  abandoned: bigint('abandoned', { mode: 'number' }).notNull().default(0),
  totalDurationSeconds: doublePrecision('total_duration_seconds').notNull().default(0),
  durationSketch: bytea('duration_sketch'),
};

export const skillTimeline = pgTable(
  'skill_timeline',
  { skillName: text('skill_name').notNull(), ...bucketFigures },
  (t) => [primaryKey({ columns: [t.skillName, t.bucketStart] }), index('idx_skill_timeline_bucket').on(t.bucketStart)],
);

export const skillTimelineDay = pgTable(
  'skill_timeline_day',
  { skillName: text('skill_name').notNull(), ...bucketFigures },
  (t) => [primaryKey({ columns: [t.skillName, t.bucketStart] })],
);

/** Each hour summed over every skill (SQLite keeps these as `skill_timeline` rows of skill ''). */
export const timelineAllSkills = pgTable('timeline_all_skills', { ...bucketFigures }, (t) => [
  primaryKey({ columns: [t.bucketStart] }),
]);

/** Each day summed over every skill. */
export const timelineDayAllSkills = pgTable('timeline_day_all_skills', { ...bucketFigures }, (t) => [
  primaryKey({ columns: [t.bucketStart] }),
]);

export const storeNote = pgTable(
  'store_note',
  {
    seq: bigint('seq', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    kind: text('kind').notNull(),
    recordedAt: text('recorded_at').notNull(),
    body: text('body').notNull(),
  },
  (t) => [index('idx_store_note_kind').on(t.kind, t.seq)],
);

export const storeState = pgTable('store_state', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  updatedAt: text('updated_at').notNull(),
});
