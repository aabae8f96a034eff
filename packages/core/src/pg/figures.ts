import type { BatchHours } from '../engine/batch-hours.js';
import { searchWords } from '../engine/search.js';
import { type BucketRow, type BucketTotals, bucketEndOf, sumFinished, sumRows } from '../engine/timeline.js';
import type { ContextTotals } from '../engine/totals.js';
import type { SkillRow, StoredSkill, TotalsUpdate } from '../engine/update.js';
import type { Queryable } from './client.js';
import { lexemeOf } from './reads.js';

/**
 * Writing a `TotalsUpdate` to PostgreSQL: each kind of row in one statement, whatever the number
 * of rows (one array per column, unnested), so that a write costs the same few round trips for one
 * invocation or two thousand. Runs inside the write's transaction, under its skills' locks.
 */

/** The advisory locks' first key for the figures: one lock per skill, one for the sums over every skill. */
const SKILL_LOCKS = 0x534b4d32; // 'SKM2'
const ALL_SKILLS_LOCK = [0x534b4d33, 0] as const; // 'SKM3'

/**
 * Takes the write locks of these skills until the transaction ends. A writer reads a skill's row
 * and writes it back: the lock keeps another writer of the same skill out between the two. A lock
 * is a skill name's hash; they are taken once each and in the order of the hashes, so that two
 * writers never wait on each other in a circle (two names of one hash share a lock).
 */
export async function lockSkills(q: Queryable, skillNames: Iterable<string>): Promise<void> {
  const names = [...new Set(skillNames)];
  if (names.length === 0) return;
  await q.query(
    `SELECT count(pg_advisory_xact_lock($1, k)) FROM
       (SELECT DISTINCT hashtext(s) AS k FROM unnest($2::text[]) AS s ORDER BY k) AS ordered`,
    [SKILL_LOCKS, names],
  );
}

/** The stored rows of these skills, as the engine's `planUpdate` takes them. */
export async function storedSkills(q: Queryable, skillNames: readonly string[]): Promise<Map<string, StoredSkill>> {
  const { rows } = await q.query<StoredSkill>(
    `SELECT skill_name AS "skillName", total_invocations AS "totalInvocations",
       completed_invocations AS "completedInvocations", abandoned_invocations AS "abandonedInvocations",
       total_duration_seconds AS "totalDurationSeconds", first_invoked AS "firstInvoked",
       last_invoked AS "lastInvoked", duration_sketch AS "durationSketch", timeline_open_hour AS "timelineOpenHour"
     FROM skill_totals WHERE skill_name = ANY($1::text[])`,
    [skillNames],
  );
  return new Map(rows.map((row) => [row.skillName, row]));
}

const UPSERT_SKILLS = `
  INSERT INTO skill_totals (skill_name, total_invocations, completed_invocations, abandoned_invocations,
    total_duration_seconds, first_invoked, last_invoked, completion_rate, avg_duration_seconds, last_aggregated_at,
    p50_duration_seconds, p95_duration_seconds, p99_duration_seconds, duration_sketch, timeline_open_hour)
  SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::float8[], $6::text[], $7::text[],
    $8::float8[], $9::float8[], $10::text[], $11::float8[], $12::float8[], $13::float8[], $14::bytea[], $15::text[])
  ON CONFLICT (skill_name) DO UPDATE SET total_invocations = excluded.total_invocations,
    completed_invocations = excluded.completed_invocations, abandoned_invocations = excluded.abandoned_invocations,
    total_duration_seconds = excluded.total_duration_seconds, first_invoked = excluded.first_invoked,
    last_invoked = excluded.last_invoked, completion_rate = excluded.completion_rate,
    avg_duration_seconds = excluded.avg_duration_seconds, last_aggregated_at = excluded.last_aggregated_at,
    p50_duration_seconds = excluded.p50_duration_seconds, p95_duration_seconds = excluded.p95_duration_seconds,
    p99_duration_seconds = excluded.p99_duration_seconds, duration_sketch = excluded.duration_sketch,
    timeline_open_hour = excluded.timeline_open_hour`;

const ADD_PATHS = `
  INSERT INTO skill_workflow_path (skill_name, workflow_path, invocation_count, search_words)
  SELECT s, p, n, array_to_tsvector(string_to_array(w, ' '))
  FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[]) AS u(s, p, n, w)
  ON CONFLICT (skill_name, workflow_path)
  DO UPDATE SET invocation_count = skill_workflow_path.invocation_count + excluded.invocation_count`;

const ADD_COUNTS = `
  INSERT INTO skill_count (skill_name, kind, key, count)
  SELECT s, $1, k, n FROM unnest($2::text[], $3::text[], $4::bigint[]) AS u(s, k, n)
  ON CONFLICT (skill_name, kind, key) DO UPDATE SET count = skill_count.count + excluded.count`;

const contextUpsert = (table: string, keyColumn: string) => `
  INSERT INTO ${table} (${keyColumn}, skill_name, invocation_count, completed_count, abandoned_count,
    total_duration_seconds, first_invoked, last_invoked)
  SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::float8[], $7::text[],
    $8::text[])
  ON CONFLICT (${keyColumn}, skill_name) DO UPDATE SET
    invocation_count = ${table}.invocation_count + excluded.invocation_count,
    completed_count = ${table}.completed_count + excluded.completed_count,
    abandoned_count = ${table}.abandoned_count + excluded.abandoned_count,
    total_duration_seconds = ${table}.total_duration_seconds + excluded.total_duration_seconds,
    first_invoked = least(${table}.first_invoked, excluded.first_invoked),
    last_invoked = greatest(${table}.last_invoked, excluded.last_invoked)`;
const UPSERT_SESSIONS = contextUpsert('session_skill', 'session_id');
const UPSERT_PROJECTS = contextUpsert('project_skill', 'project_path');

const BUCKET_COLUMNS = 'bucket_start, invocations, completed, abandoned, total_duration_seconds, duration_sketch';

/** Sets buckets' rows to figures summed again from their source (`skill` null: a table over every skill). */
function putBuckets(table: string, perSkill: boolean): string {
  const key = perSkill ? 'skill_name, bucket_start' : 'bucket_start';
  return `
  INSERT INTO ${table} (${perSkill ? 'skill_name, ' : ''}${BUCKET_COLUMNS})
  SELECT ${perSkill ? 's, ' : ''}b, n, c, a, d, k FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[],
    $5::bigint[], $6::float8[], $7::bytea[]) AS u(s, b, n, c, a, d, k)
  ON CONFLICT (${key}) DO UPDATE SET invocations = excluded.invocations, completed = excluded.completed,
    abandoned = excluded.abandoned, total_duration_seconds = excluded.total_duration_seconds,
    duration_sketch = excluded.duration_sketch`;
}

/** A skill's finished invocations in the given (skill, start, end) ranges, in the index's order. */
const FINISHED_IN_RANGES = `
  SELECT r.n AS range, i.completed, i.duration_seconds
  FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS r(s, since, until, n)
  JOIN skill_invocation i ON i.skill_name = r.s AND i.invoked_at >= r.since AND i.invoked_at < r.until
  WHERE i.completed_at IS NOT NULL
  ORDER BY r.n, i.invoked_at, i.id`;

/** Stored bucket rows of each (key, start, end) range, in order of their start. */
const rowsInRanges = (table: string, perSkill: boolean) => `
  SELECT r.n AS range, t.bucket_start, t.invocations, t.completed, t.abandoned, t.total_duration_seconds,
    t.duration_sketch
  FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS r(s, since, until, n)
  JOIN ${table} t ON ${perSkill ? 't.skill_name = r.s AND ' : ''}t.bucket_start >= r.since AND t.bucket_start < r.until
  ORDER BY r.n, t.bucket_start`;

/**
 * Each skill's row of the given hours, by hour then skill, and a skill named '' last: the order in
 * which SQLite adds them (its key for that skill sorts after every name), so that the sums agree.
 */
const HOURS_OF_EVERY_SKILL = `
  SELECT bucket_start, invocations, completed, abandoned, total_duration_seconds, duration_sketch
  FROM skill_timeline WHERE bucket_start = ANY($1::text[]) ORDER BY bucket_start, skill_name = '', skill_name`;

type Range = readonly [key: string, since: string, until: string];

/** Finished invocations' `[completed, durationSeconds]` of each range, one list per range. */
async function finishedIn(q: Queryable, ranges: readonly Range[]): Promise<Array<Array<[boolean, number | null]>>> {
  const lists = ranges.map((): Array<[boolean, number | null]> => []);
  if (ranges.length === 0) return lists;
  const { rows } = await q.query<{ range: number; completed: boolean; duration_seconds: number | null }>(
    FINISHED_IN_RANGES,
    columnsOf(ranges, 3),
  );
  for (const row of rows) lists[row.range - 1]?.push([row.completed, row.duration_seconds]);
  return lists;
}

/** Stored bucket rows of each range of `table`. */
async function rowsIn(
  q: Queryable,
  table: string,
  perSkill: boolean,
  ranges: readonly Range[],
): Promise<BucketRow[][]> {
  const lists = ranges.map((): BucketRow[] => []);
  if (ranges.length === 0) return lists;
  const { rows } = await q.query(rowsInRanges(table, perSkill), columnsOf(ranges, 3));
  for (const r of rows) lists[(r.range as number) - 1]?.push(bucketRowOf(r));
  return lists;
}

/** One skill's hour summed from its invocations (the open hour, read by the timeline). */
export async function hourTotalsOf(q: Queryable, skillName: string, hour: string): Promise<BucketTotals> {
  const [finished] = await finishedIn(q, [[skillName, hour, bucketEndOf(hour, 'hour')]]);
  return sumFinished(hour, finished ?? []);
}

export function bucketRowOf(r: Record<string, unknown>): BucketRow {
  return [
    r.bucket_start as string,
    r.invocations as number,
    r.completed as number,
    r.abandoned as number,
    r.total_duration_seconds as number,
    (r.duration_sketch as Buffer | null) ?? null,
  ];
}

/**
 * Writes everything `update` changes. An import gives its `BatchHours`: the hours that hold only its
 * new invocations are summed from them, and only the others read back.
 */
export async function writeUpdate(q: Queryable, update: TotalsUpdate, batch?: BatchHours): Promise<void> {
  if (update.skills.length > 0) await q.query(UPSERT_SKILLS, skillColumns(update.skills));
  if (update.paths.length > 0) {
    await q.query(ADD_PATHS, [
      update.paths.map((d) => d[0]),
      update.paths.map((d) => d[1]),
      update.paths.map((d) => d[2]),
      update.paths.map((d) => searchWords(d[1]).map(lexemeOf).join(' ')),
    ]);
  }
  for (const [kind, deltas] of [
    ['error', update.errors],
    ['action', update.actions],
  ] as const) {
    if (deltas.length > 0) {
      await q.query(ADD_COUNTS, [kind, deltas.map((d) => d[0]), deltas.map((d) => d[1]), deltas.map((d) => d[2])]);
    }
  }
  if (update.reopened.length > 0) {
    await q.query(
      'DELETE FROM skill_timeline t USING unnest($1::text[], $2::text[]) AS u(s, b) WHERE t.skill_name = u.s AND t.bucket_start = u.b',
      [update.reopened.map((r) => r[0]), update.reopened.map((r) => r[1])],
    );
  }
  if (update.hours.length > 0) {
    const totals = update.hours.map(([s, hour]) => batch?.fromBatch(s, hour) ?? null);
    const unknown = update.hours.filter((_, i) => totals[i] === null);
    const finished = await finishedIn(
      q,
      unknown.map(([s, hour]) => [s, hour, bucketEndOf(hour, 'hour')] as const),
    );
    let next = 0;
    await putAll(q, 'skill_timeline', true, update.hours, (i, hour) => {
      return totals[i] ?? sumFinished(hour, finished[next++] ?? []);
    });
  }
  if (update.days.length > 0) {
    const ranges = update.days.map(([s, day]) => [s, day, bucketEndOf(day, 'day')] as const);
    const hours = await rowsIn(q, 'skill_timeline', true, ranges);
    await putAll(q, 'skill_timeline_day', true, update.days, (i, day) => sumRows(day, hours[i] ?? []));
  }
  if (update.allSkillHours.length > 0) await sumEverySkill(q, update.allSkillHours, update.allSkillDays);
  if (update.sessions.length > 0) await q.query(UPSERT_SESSIONS, contextColumns(update.sessions));
  if (update.projects.length > 0) await q.query(UPSERT_PROJECTS, contextColumns(update.projects));
}

/**
 * Sums these hours, then these days, over every skill. Under a lock of its own: two writers of
 * different skills each read the other's hour rows as committed, and the later must wait for the
 * earlier's commit to see its row.
 */
async function sumEverySkill(q: Queryable, hours: readonly string[], days: readonly string[]): Promise<void> {
  await q.query('SELECT pg_advisory_xact_lock($1, $2)', [...ALL_SKILLS_LOCK]);
  const { rows } = await q.query(HOURS_OF_EVERY_SKILL, [hours]);
  const byHour = new Map<string, BucketRow[]>(hours.map((h) => [h, []]));
  for (const r of rows) byHour.get(r.bucket_start as string)?.push(bucketRowOf(r));
  const hourKeys = hours.map((h) => ['', h] as const);
  await putAll(q, 'timeline_all_skills', false, hourKeys, (_i, hour) => sumRows(hour, byHour.get(hour) ?? []));
  const ranges = days.map((day) => ['', day, bucketEndOf(day, 'day')] as const);
  const dayHours = await rowsIn(q, 'timeline_all_skills', false, ranges);
  await putAll(
    q,
    'timeline_day_all_skills',
    false,
    days.map((d) => ['', d] as const),
    (i, day) => sumRows(day, dayHours[i] ?? []),
  );
}

async function putAll(
  q: Queryable,
  table: string,
  perSkill: boolean,
  keys: ReadonlyArray<readonly [string, string]>,
  totalsOf: (i: number, bucketStart: string) => BucketTotals,
): Promise<void> {
  const all = keys.map(([, start], i) => totalsOf(i, start));
  await q.query(putBuckets(table, perSkill), [
    keys.map((k) => k[0]),
    all.map((t) => t.bucketStart),
    all.map((t) => t.invocations),
    all.map((t) => t.completed),
    all.map((t) => t.abandoned),
    all.map((t) => t.totalDurationSeconds),
    all.map((t) => t.durationSketch),
  ]);
}

function skillColumns(skills: readonly SkillRow[]): unknown[][] {
  return [
    skills.map((r) => r.skillName),
    skills.map((r) => r.totalInvocations),
    skills.map((r) => r.completedInvocations),
    skills.map((r) => r.abandonedInvocations),
    skills.map((r) => r.totalDurationSeconds),
    skills.map((r) => r.firstInvoked),
    skills.map((r) => r.lastInvoked),
    skills.map((r) => r.completionRate),
    skills.map((r) => r.avgDurationSeconds),
    skills.map((r) => r.lastAggregatedAt),
    skills.map((r) => r.p50DurationSeconds),
    skills.map((r) => r.p95DurationSeconds),
    skills.map((r) => r.p99DurationSeconds),
    skills.map((r) => r.durationSketch),
    skills.map((r) => r.timelineOpenHour),
  ];
}

function contextColumns(rows: readonly ContextTotals[]): unknown[][] {
  return [
    rows.map((c) => c.contextKey),
    rows.map((c) => c.skillName),
    rows.map((c) => c.invocationCount),
    rows.map((c) => c.completedCount),
    rows.map((c) => c.abandonedCount),
    rows.map((c) => c.totalDurationSeconds),
    rows.map((c) => c.firstInvoked),
    rows.map((c) => c.lastInvoked),
  ];
}

function columnsOf(rows: ReadonlyArray<readonly unknown[]>, width: number): unknown[][] {
  return Array.from({ length: width }, (_, c) => rows.map((r) => r[c]));
}
