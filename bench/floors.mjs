// The floors the store is measured against: the same writes, done with hand-written better-sqlite3
// statements and no store around them. They keep every figure the store keeps — the skill's row with
// its percentiles, a row per count key, the search index, the session and project rows, the timeline
// hours a write closes — so that a ratio measures what the store adds, not what it maintains. The
// duration sketch, core's folds (how an invocation adds to a skill's, a session's, a project's
// totals) and its search words are the store's own arithmetic: part of the work, not of the wrapper.
import {
  addFinished,
  addToContext,
  contextTotalsOf,
  DurationSketch,
  emptyTotals,
  searchWords,
  uuidv7,
} from '@skill-metrics/core';

const hourOf = (t) => `${t.slice(0, 13)}:00:00.000000Z`;
const nextHour = (h) => `${new Date(Date.parse(h) + 3_600_000).toISOString().slice(0, 13)}:00:00.000000Z`;
const stamp = () => `${new Date().toISOString().slice(0, 23)}000Z`;

function statements(db) {
  return {
    insert: db.prepare(`INSERT INTO skill_invocation (id, skill_name, invoked_at, workflow_path, completed,
      completed_at, duration_seconds, error_type, follow_up_actions, session_id, project_path, user_context)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL) ON CONFLICT (id) DO NOTHING`),
    finish: db.prepare(`UPDATE skill_invocation SET completed = ?, completed_at = ?, duration_seconds = ?,
      error_type = ?, follow_up_actions = ? WHERE id = ? AND completed_at IS NULL
      RETURNING skill_name, invoked_at, workflow_path, session_id, project_path`),
    read: db.prepare(`SELECT total_invocations, completed_invocations, abandoned_invocations,
      total_duration_seconds, first_invoked, last_invoked, duration_sketch, timeline_open_hour
      FROM skill_totals WHERE skill_name = ?`),
    upsert: db.prepare(`INSERT INTO skill_totals (skill_name, total_invocations, completed_invocations,
      abandoned_invocations, total_duration_seconds, first_invoked, last_invoked, completion_rate,
      avg_duration_seconds, last_aggregated_at, p50_duration_seconds, p95_duration_seconds, p99_duration_seconds,
      duration_sketch, timeline_open_hour) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
      ON CONFLICT (skill_name) DO UPDATE SET total_invocations = excluded.total_invocations,
      completed_invocations = excluded.completed_invocations, abandoned_invocations = excluded.abandoned_invocations,
      total_duration_seconds = excluded.total_duration_seconds, first_invoked = excluded.first_invoked,
      last_invoked = excluded.last_invoked, completion_rate = excluded.completion_rate,
      avg_duration_seconds = excluded.avg_duration_seconds, last_aggregated_at = excluded.last_aggregated_at,
      p50_duration_seconds = excluded.p50_duration_seconds, p95_duration_seconds = excluded.p95_duration_seconds,
      p99_duration_seconds = excluded.p99_duration_seconds, duration_sketch = excluded.duration_sketch,
      timeline_open_hour = excluded.timeline_open_hour`),
    path: db.prepare(`INSERT INTO skill_workflow_path (skill_name, workflow_path, invocation_count, id)
      VALUES (?, ?, ?, (SELECT coalesce(max(id), 0) + 1 FROM skill_workflow_path))
      ON CONFLICT (skill_name, workflow_path) DO UPDATE SET invocation_count = invocation_count + excluded.invocation_count
      RETURNING id, invocation_count`),
    key: db.prepare(`INSERT INTO skill_count (skill_name, kind, key, count) VALUES (?, ?, ?, ?)
      ON CONFLICT (skill_name, kind, key) DO UPDATE SET count = count + excluded.count`),
    search: db.prepare('INSERT INTO workflow_path_search (rowid, words) VALUES (?, ?)'),
    ...Object.fromEntries(
      ['session_skill session_id', 'project_skill project_path'].map((spec) => {
        const [table, key] = spec.split(' ');
        return [
          table,
          db.prepare(`INSERT INTO ${table} (${key}, skill_name, invocation_count, completed_count, abandoned_count,
            total_duration_seconds, first_invoked, last_invoked) VALUES (?,?,?,?,?,?,?,?)
            ON CONFLICT (${key}, skill_name) DO UPDATE SET invocation_count = invocation_count + excluded.invocation_count,
            completed_count = completed_count + excluded.completed_count,
            abandoned_count = abandoned_count + excluded.abandoned_count,
            total_duration_seconds = total_duration_seconds + excluded.total_duration_seconds,
            first_invoked = min(first_invoked, excluded.first_invoked), last_invoked = max(last_invoked, excluded.last_invoked)`),
        ];
      }),
    ),
    hourRows: db
      .prepare(`SELECT completed, duration_seconds FROM skill_invocation
        WHERE skill_name = ? AND invoked_at >= ? AND invoked_at < ? AND completed_at IS NOT NULL`)
      .raw(true),
    hourUpsert: db.prepare(`INSERT OR REPLACE INTO skill_timeline (skill_name, bucket_start, invocations, completed,
      abandoned, total_duration_seconds, duration_sketch) VALUES (?,?,?,?,?,?,?)`),
  };
}

/** Adds one finished invocation `v` to the running totals of its skill (made on first use), with core's fold. */
function fold(per, v) {
  let a = per.get(v.skillName);
  if (!a) {
    a = { totals: emptyTotals(v.skillName), hours: new Set(), durations: [] };
    per.set(v.skillName, a);
  }
  addFinished(a.totals, v);
  if (v.completed && v.durationSeconds !== null) a.durations.push(v.durationSeconds);
  a.hours.add(hourOf(v.invokedAt));
}

function addContext(map, key, v) {
  if (key !== null) addToContext(map, key, v.skillName, v);
}

/** Writes the folded figures: skill rows, search entries, session and project rows, closed hours. */
function save(s, per, sessions, projects) {
  for (const [skill, { totals: a, hours, durations }] of per) {
    const m = s.read.get(skill);
    for (const [path, n] of Object.entries(a.workflowPaths)) {
      const { id, invocation_count } = s.path.get(skill, path, n);
      if (invocation_count === n) s.search.run(id, searchWords(path).join(' '));
    }
    for (const [key, n] of Object.entries(a.commonErrors)) s.key.run(skill, 'error', key, n);
    for (const [key, n] of Object.entries(a.followUpActions)) s.key.run(skill, 'action', key, n);
    const sketch = m?.duration_sketch ? DurationSketch.decode(m.duration_sketch) : new DurationSketch();
    for (const d of durations) sketch.add(d);
    const [p50, p95, p99] = sketch.quantiles([0.5, 0.95, 0.99]);
    const t = (m?.total_invocations ?? 0) + a.totalInvocations;
    const c = (m?.completed_invocations ?? 0) + a.completedInvocations;
    const d = (m?.total_duration_seconds ?? 0) + a.totalDurationSeconds;
    // The open hour moves to the latest; the hours it leaves, and any earlier one, are summed.
    let open = m?.timeline_open_hour ?? null;
    const summed = new Set();
    for (const h of [...hours].sort()) {
      if (open === null || h > open) {
        if (open !== null) summed.add(open);
        open = h;
      } else if (h < open) summed.add(h);
    }
    s.upsert.run(
      skill,
      t,
      c,
      t - c,
      d,
      m?.first_invoked && m.first_invoked < a.firstInvoked ? m.first_invoked : a.firstInvoked,
      m?.last_invoked && m.last_invoked > a.lastInvoked ? m.last_invoked : a.lastInvoked,
      (c / t) * 100,
      c ? d / c : 0,
      stamp(),
      p50,
      p95,
      p99,
      sketch.count ? sketch.encode() : null,
      open,
    );
    for (const h of summed) {
      const hs = new DurationSketch();
      let n = 0;
      let done = 0;
      let total = 0;
      for (const [completed, duration] of s.hourRows.all(skill, h, nextHour(h))) {
        n++;
        if (!completed) continue;
        done++;
        if (duration !== null) {
          total += duration;
          hs.add(duration);
        }
      }
      s.hourUpsert.run(skill, h, n, done, n - done, total, hs.count ? hs.encode() : null);
    }
  }
  for (const c of contextTotalsOf(sessions)) s.session_skill.run(...contextRow(c));
  for (const c of contextTotalsOf(projects)) s.project_skill.run(...contextRow(c));
}

const contextRow = (c) => [
  c.contextKey,
  c.skillName,
  c.invocationCount,
  c.completedCount,
  c.abandonedCount,
  c.totalDurationSeconds,
  c.firstInvoked,
  c.lastInvoked,
];

/** `track` + `complete` by hand: the INSERT, then the UPDATE and every figure, two IMMEDIATE transactions. */
export function rawTracker(db) {
  const s = statements(db);
  const start = db.transaction((id, skill, at, path, session, project) =>
    s.insert.run(id, skill, at, path, 0, null, null, null, '[]', session, project),
  );
  const complete = db.transaction((id, done, duration, actions) => {
    const r = s.finish.get(done ? 1 : 0, stamp(), duration, null, JSON.stringify(actions), id);
    const v = {
      skillName: r.skill_name,
      invokedAt: r.invoked_at,
      workflowPath: r.workflow_path,
      completed: done,
      durationSeconds: duration,
      errorType: null,
      followUpActions: actions,
    };
    const per = new Map();
    const sessions = new Map();
    const projects = new Map();
    fold(per, v);
    addContext(sessions, r.session_id, v);
    addContext(projects, r.project_path, v);
    save(s, per, sessions, projects);
  });
  return ({ skill, path, session = null, project = null, done, actions }) => {
    const id = uuidv7(); // the store's own ids: time-ordered, so inserts land at the index's right edge
    const t0 = performance.now();
    start.immediate(id, skill, stamp(), path, session, project);
    complete.immediate(id, done, (performance.now() - t0) / 1000, actions);
  };
}

/** A batch import by hand: raw inserts and every figure, in one transaction. */
export function rawImporter(db) {
  const s = statements(db);
  return db.transaction((batch) => {
    const per = new Map();
    const sessions = new Map();
    const projects = new Map();
    for (const v of batch) {
      const completedAt = new Date(Date.parse(v.invokedAt) + (v.durationSeconds ?? 0) * 1000).toISOString();
      s.insert.run(
        v.id,
        v.skillName,
        v.invokedAt,
        v.workflowPath,
        v.completed ? 1 : 0,
        completedAt,
        v.durationSeconds,
        v.errorType,
        JSON.stringify(v.followUpActions),
        v.sessionId,
        v.projectPath,
      );
      fold(per, v);
      addContext(sessions, v.sessionId, v);
      addContext(projects, v.projectPath, v);
    }
    save(s, per, sessions, projects);
  });
}
