/**
 * The store contract every skill-metrics store implements: SQLite, PostgreSQL, the legacy JSON file,
 * and the dual store that sits over two of them. Everything here is driver-free.
 */

/** A finished invocation is `completed` or `abandoned`; until then it is `pending`. */
export type InvocationStatus = 'pending' | 'completed' | 'abandoned';

/** Context recorded with an invocation when it starts. */
export interface TrackOptions {
  /** The workflow the skill was run in, e.g. `"comprehensive"`. @default null */
  workflowPath?: string | null;
  /** The session that ran it; feeds per-session figures. @default null */
  sessionId?: string | null;
  /** The project it ran in; feeds per-project figures. @default null */
  projectPath?: string | null;
  /** Any JSON object the caller wants kept with the invocation. @default null */
  userContext?: Record<string, unknown> | null;
}

/** How an invocation ended. */
export interface CompleteOptions {
  /** `false` marks the invocation abandoned. @default true */
  completed?: boolean;
  /** What the user did next; each entry is counted in `followUpActions`. @default [] */
  followUpActions?: string[];
  /** The kind of error that ended it, e.g. `"ValueError"`; counted in `commonErrors`. @default null */
  errorType?: string | null;
}

/** How an invocation finished, given by id (`completeInvocation`), where no handle timed it. */
export interface CompleteByIdOptions extends CompleteOptions {
  /** Canonical, or ISO-8601 with an offset. @default now */
  completedAt?: string;
  /** @default the seconds from `invokedAt` to `completedAt` */
  durationSeconds?: number;
}

/** A started invocation. Completing it twice rejects and counts nothing. */
export interface InvocationHandle {
  readonly invocationId: string;
  /** The invocation as it was started: pending. */
  readonly invocation: Invocation;
  /** Finishes it; resolves with the invocation as finished (what another store would record). */
  complete(options?: CompleteOptions): Promise<Invocation>;
}

/** One invocation as stored. Timestamps are canonical (see `toCanonicalTimestamp`). */
export interface Invocation {
  id: string;
  skillName: string;
  invokedAt: string;
  workflowPath: string | null;
  status: InvocationStatus;
  completed: boolean;
  completedAt: string | null;
  durationSeconds: number | null;
  errorType: string | null;
  followUpActions: string[];
  sessionId: string | null;
  projectPath: string | null;
  userContext: Record<string, unknown> | null;
}

/**
 * An invocation to import with its id, timestamps and outcome (backfill, dual-write).
 * It is pending when `completed` is false and both `durationSeconds` and `completedAt` are null.
 */
export type InvocationInput = Omit<Invocation, 'status' | 'completedAt'> & { completedAt?: string | null };

/** How `recordInvocation(s)` takes what it is given. */
export interface RecordOptions {
  /**
   * Keep values the old JSON tracker wrote that a live caller may not give: a negative duration
   * (the wall clock went back while it ran), an empty `skillName`, a completion time that does not
   * fit the duration, and a pending invocation with an outcome. Each is stored as it was and counted
   * as the old tracker counted it; percentiles leave negative durations out. For importing legacy
   * files only. @default false
   */
  legacyQuirks?: boolean;
}

/**
 * What `recordInvocation` did: `inserted` a new row, `completed` a pending row with the same id,
 * or left it `unchanged` because the same invocation was already there.
 */
export interface RecordResult {
  id: string;
  outcome: 'inserted' | 'completed' | 'unchanged';
}

/** What `recordInvocations` did, counted by outcome. */
export interface RecordBatchResult {
  inserted: number;
  completed: number;
  unchanged: number;
}

/** Aggregates of one skill over its finished invocations. */
export interface SkillMetrics {
  skillName: string;
  totalInvocations: number;
  completedInvocations: number;
  abandonedInvocations: number;
  totalDurationSeconds: number;
  workflowPaths: Record<string, number>;
  commonErrors: Record<string, number>;
  followUpActions: Record<string, number>;
  firstInvoked: string | null;
  lastInvoked: string | null;
  /** completed / total × 100; 0 when there is none. */
  completionRate: number;
  /** totalDurationSeconds / completedInvocations; 0 when there is none. */
  avgDurationSeconds: number;
  p50DurationSeconds: number | null;
  p95DurationSeconds: number | null;
  p99DurationSeconds: number | null;
}

export interface MetricsSummary {
  totalSkills: number;
  totalInvocations: number;
  overallCompletionRate: number;
  mostUsedSkill: string | null;
  mostUsedCount: number;
  avgDurationSeconds: number;
  /** Every skill with its total, most used first (ties by name). */
  skillsByUsage: Array<[string, number]>;
}

/**
 * A skill's invocations by status and its duration figures: what a monitoring scrape reads of every
 * skill, without the per-key counts of `SkillMetrics`.
 */
export interface SkillOverview {
  skillName: string;
  completedInvocations: number;
  abandonedInvocations: number;
  pendingInvocations: number;
  /** Over completed invocations. */
  totalDurationSeconds: number;
  p50DurationSeconds: number | null;
  p95DurationSeconds: number | null;
  p99DurationSeconds: number | null;
}

/** Filters for `listInvocations`. Results come in `(invokedAt, id)` order. */
export interface InvocationQuery {
  skillName?: string;
  sessionId?: string;
  projectPath?: string;
  status?: InvocationStatus;
  /** Inclusive lower bound on `invokedAt` (any ISO-8601 time with a zone). */
  since?: string;
  /** Exclusive upper bound on `invokedAt`. */
  until?: string;
  /** Rows fetched per round trip. @default 500 */
  pageSize?: number;
}

export interface SkillMetricsStore {
  /** Starts an invocation; it is stored at once as pending. */
  trackInvocation(skillName: string, options?: TrackOptions): Promise<InvocationHandle>;
  /**
   * Runs `fn` as one invocation: resolves → completed; throws → abandoned with
   * `errorType = error.name`, and the error is rethrown.
   */
  track<T>(skillName: string, fn: () => T | Promise<T>, options?: TrackOptions): Promise<T>;
  /**
   * Finishes the pending invocation `id` where its handle is not — in another process, say, or a
   * store written second. Rejects as `handle.complete()` does (unknown id, finished already).
   */
  completeInvocation(id: string, options?: CompleteByIdOptions): Promise<void>;
  /** Imports one invocation; idempotent on `id`. */
  recordInvocation(invocation: InvocationInput, options?: RecordOptions): Promise<RecordResult>;
  /**
   * Imports many invocations: nothing at all on bad input; otherwise `importChunkSize` at a time,
   * each chunk whole or not at all (a conflict rolls its chunk back and stops there).
   */
  recordInvocations(invocations: Iterable<InvocationInput>, options?: RecordOptions): Promise<RecordBatchResult>;
  /** The invocation with this id, or `null`. */
  getInvocation(id: string): Promise<Invocation | null>;
  /** The invocations with these ids, in their order (`null` where there is none); at most 10,000 ids. */
  getInvocations(ids: readonly string[]): Promise<Array<Invocation | null>>;
  getSkillMetrics(skillName: string): Promise<SkillMetrics | null>;
  /** Every skill, most used first. */
  getAllMetrics(): Promise<Map<string, SkillMetrics>>;
  getSummary(): Promise<MetricsSummary>;
  /** How many invocations pass the query's filters (its `pageSize` is ignored). */
  countInvocations(query?: InvocationQuery): Promise<number>;
  /** Streams invocations in `(invokedAt, id)` order, paging with a cursor. */
  listInvocations(query?: InvocationQuery): AsyncIterable<Invocation>;
  close(): Promise<void>;
}

/** The width of a timeline bucket; buckets are aligned to UTC hours and days. */
export type TimelineBucketSize = 'hour' | 'day';

export interface TimelineOptions {
  /** Start of the range (any ISO-8601 time with a zone), rounded down to its bucket. @default until minus 24 hours or 30 days */
  since?: string;
  /** End of the range, exclusive, rounded up to a bucket boundary. @default now */
  until?: string;
  /** @default 'hour' */
  bucket?: TimelineBucketSize;
}

/** Finished invocations that started within one bucket. */
export interface TimelineBucket {
  /** The bucket's start, canonical. */
  bucketStart: string;
  invocations: number;
  completed: number;
  abandoned: number;
  /** Over completed invocations; `null` when there is none. */
  avgDurationSeconds: number | null;
  /** Within 1 % of `percentile_cont(0.95)`; `null` when no completed invocation has a duration. */
  p95DurationSeconds: number | null;
}

export interface WorkflowPathMatch {
  skillName: string;
  workflowPath: string;
  /** Finished invocations of the skill on that path. */
  invocationCount: number;
}

/** A skill's figures within one session or one project. */
export interface ContextSkillFigures {
  skillName: string;
  invocationCount: number;
  completedCount: number;
  abandonedCount: number;
  totalDurationSeconds: number;
  completionRate: number;
  avgDurationSeconds: number;
  firstInvoked: string | null;
  lastInvoked: string | null;
}

export interface ProjectMetrics {
  projectPath: string;
  totalInvocations: number;
  completedInvocations: number;
  abandonedInvocations: number;
  totalDurationSeconds: number;
  completionRate: number;
  avgDurationSeconds: number;
  firstInvoked: string | null;
  lastInvoked: string | null;
  /** Most used first. */
  skills: ContextSkillFigures[];
}

/** Reads beyond the basic figures: percentiles, timelines, search, sessions, projects, reports. */
export interface SkillAnalytics {
  /**
   * Percentiles (`qs` in [0, 1]) of the skill's completed durations, as `percentile_cont`: from the
   * maintained sketch (within 1 %), or computed over every duration with `{ exact: true }`.
   */
  getDurationPercentiles(
    skillName: string,
    qs: readonly number[],
    options?: { exact?: boolean },
  ): Promise<Array<number | null>>;
  /** One skill's finished invocations per UTC bucket; every bucket in the range is present. */
  getSkillTimeline(skillName: string, options?: TimelineOptions): Promise<TimelineBucket[]>;
  /** The same over all skills. */
  getTimeline(options?: TimelineOptions): Promise<TimelineBucket[]>;
  /**
   * Workflow paths matching every word of `query` (each as a prefix), most used first. Any text is a
   * safe query; one without words matches nothing.
   */
  searchWorkflowPaths(query: string, options?: { limit?: number }): Promise<WorkflowPathMatch[]>;
  /**
   * Every skill that has an invocation, pending ones included, by name in code-point order: its
   * counts by status and duration figures (percentiles as in `getSkillMetrics`), in one read.
   */
  getSkillOverview(): Promise<SkillOverview[]>;
  /** The skills a session ran, most used first. */
  getSessionSkills(sessionId: string): Promise<ContextSkillFigures[]>;
  /** A project's figures, or `null` if no finished invocation names it. */
  getProjectMetrics(projectPath: string): Promise<ProjectMetrics | null>;
  /** The text report the legacy tracker printed. */
  generateReport(): Promise<string>;
  /** Writes the legacy `export_metrics` JSON (summary, skills, invocations, exported_at), streamed. */
  exportMetrics(path: string): Promise<ExportResult>;
}

/** What `exportMetrics` wrote. */
export interface ExportResult {
  /** The file, as given. */
  path: string;
  skills: number;
  /** Every invocation written, pending ones included. */
  invocations: number;
}

export interface AnalyticsStore extends SkillMetricsStore, SkillAnalytics {}
