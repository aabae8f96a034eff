import type Database from 'better-sqlite3';
import { DurationSketch } from '../contract/sketch.js';
import { searchWords } from '../engine/search.js';

/**
 * Work a migration needs that SQL cannot do, run right after that migration's SQL inside the same
 * transaction: building the binary duration sketches behind percentiles from the durations already
 * stored. Keyed by migration version.
 */
export type DataStep = (db: Database.Database) => void;

const COMPLETED_DURATIONS = `FROM skill_invocation
  WHERE completed = 1 AND completed_at IS NOT NULL AND duration_seconds IS NOT NULL`;

/** Version 2: one sketch per skill, so later writes keep p50/p95/p99 current. */
function buildSkillSketches(db: Database.Database): void {
  const sketches = new Map<string, DurationSketch>();
  const rows = db.prepare(`SELECT skill_name, duration_seconds ${COMPLETED_DURATIONS}`).raw().iterate();
  for (const [skill, duration] of rows as Iterable<[string, number]>) {
    sketches.set(skill, (sketches.get(skill) ?? new DurationSketch()).add(duration));
  }
  const save = db.prepare('UPDATE skill_metrics SET duration_sketch = ? WHERE skill_name = ?');
  for (const [skill, sketch] of sketches) save.run(sketch.encode(), skill);
}

/** Version 3: one sketch per skill and closed hour, and per skill and day, for the timeline's p95. */
function buildTimelineSketches(db: Database.Database): void {
  // A skill's open hour (that of its last_invoked) is not in the timeline tables.
  const openHour = new Map(
    db.prepare('SELECT skill_name, substr(last_invoked, 1, 13) FROM skill_metrics').raw().all() as Array<
      [string, string]
    >,
  );
  const hours = new Map<string, DurationSketch>();
  const days = new Map<string, DurationSketch>();
  const rows = db
    .prepare(`SELECT skill_name, substr(invoked_at, 1, 13), duration_seconds ${COMPLETED_DURATIONS}`)
    .raw()
    .iterate();
  for (const [skill, hour, duration] of rows as Iterable<[string, string, number]>) {
    if (hour >= (openHour.get(skill) ?? '')) continue;
    // Each skill's own rows, and the rows of the skill named '' that sum every skill.
    for (const name of [skill, '']) {
      const hourKey = JSON.stringify([name, `${hour}:00:00.000000Z`]);
      const dayKey = JSON.stringify([name, `${hour.slice(0, 10)}T00:00:00.000000Z`]);
      hours.set(hourKey, (hours.get(hourKey) ?? new DurationSketch()).add(duration));
      days.set(dayKey, (days.get(dayKey) ?? new DurationSketch()).add(duration));
    }
  }
  for (const [table, sketches] of [
    ['skill_timeline', hours],
    ['skill_timeline_day', days],
  ] as const) {
    const save = db.prepare(`UPDATE ${table} SET duration_sketch = ? WHERE skill_name = ? AND bucket_start = ?`);
    for (const [key, sketch] of sketches) {
      const [skill, bucket] = JSON.parse(key) as [string, string];
      save.run(sketch.encode(), skill, bucket);
    }
  }
}

/** Version 4: the search index, from the folded words of every (skill, path) pair. */
function buildSearchWords(db: Database.Database): void {
  const add = db.prepare('INSERT INTO workflow_path_search (rowid, words) VALUES (?, ?)');
  const pairs = db.prepare('SELECT id, workflow_path FROM skill_workflow_path').raw().all();
  for (const [id, path] of pairs as Iterable<[number, string]>) add.run(id, searchWords(path).join(' '));
}

export const DATA_STEPS: ReadonlyMap<number, DataStep> = new Map([
  [2, buildSkillSketches],
  [3, buildTimelineSketches],
  [4, buildSearchWords],
]);
