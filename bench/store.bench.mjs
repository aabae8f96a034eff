// The core store against raw better-sqlite3 statements doing the same work.
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, uuidv7 } from '@skill-metrics/core';
import Database from 'better-sqlite3';
import { compare, report } from './harness.mjs';

const SKILLS = [
  'crackerjack-run',
  'pytest-runner',
  'code-review',
  'git-commit',
  'refactor',
  'docs-writer',
  'deploy',
  'lint-fix',
];
const PATHS = ['quick', 'comprehensive', 'daily', 'ci.v1.2', null];

function rawConnection(path) {
  const db = new Database(path, { timeout: 5000 });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  return db;
}

/**
 * The floor for track + complete: the same INSERT, then the UPDATE and the read-fold-upsert of the
 * skill's row, as two IMMEDIATE transactions of hand-written better-sqlite3 statements.
 */
function rawTracker(db) {
  const insert = db.prepare(`INSERT INTO skill_invocation (id, skill_name, invoked_at, workflow_path, completed,
    completed_at, duration_seconds, error_type, follow_up_actions, session_id, project_path, user_context)
    VALUES (?, ?, ?, ?, 0, NULL, NULL, NULL, '[]', ?, ?, NULL) ON CONFLICT (id) DO NOTHING`);
  const finish = db.prepare(`UPDATE skill_invocation SET completed = ?, completed_at = ?, duration_seconds = ?,
    error_type = ?, follow_up_actions = ? WHERE id = ? AND completed_at IS NULL
    RETURNING skill_name, invoked_at, workflow_path`);
  const read = db.prepare(`SELECT total_invocations, completed_invocations, abandoned_invocations,
    total_duration_seconds, workflow_paths, common_errors, follow_up_actions, first_invoked, last_invoked
    FROM skill_metrics WHERE skill_name = ?`);
  const upsert = db.prepare(`INSERT INTO skill_metrics (skill_name, total_invocations, completed_invocations,
    abandoned_invocations, total_duration_seconds, workflow_paths, common_errors, follow_up_actions, first_invoked,
    last_invoked, completion_rate, avg_duration_seconds, last_aggregated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)
    ON CONFLICT (skill_name) DO UPDATE SET total_invocations = excluded.total_invocations,
    completed_invocations = excluded.completed_invocations, abandoned_invocations = excluded.abandoned_invocations,
    total_duration_seconds = excluded.total_duration_seconds, workflow_paths = excluded.workflow_paths,
    common_errors = excluded.common_errors, follow_up_actions = excluded.follow_up_actions,
    first_invoked = excluded.first_invoked, last_invoked = excluded.last_invoked,
    completion_rate = excluded.completion_rate, avg_duration_seconds = excluded.avg_duration_seconds,
    last_aggregated_at = excluded.last_aggregated_at`);
  const start = db.transaction((id, skill, at, path) => insert.run(id, skill, at, path, null, null));
  const complete = db.transaction((id, done, at, duration, actions) => {
    const r = finish.get(done ? 1 : 0, at, duration, null, JSON.stringify(actions), id);
    const m = read.get(r.skill_name);
    const total = (m?.total_invocations ?? 0) + 1;
    const completed = (m?.completed_invocations ?? 0) + (done ? 1 : 0);
    const totalDuration = (m?.total_duration_seconds ?? 0) + (done ? duration : 0);
    const paths = m ? JSON.parse(m.workflow_paths) : {};
    if (r.workflow_path !== null) paths[r.workflow_path] = (paths[r.workflow_path] ?? 0) + 1;
    const fa = m ? JSON.parse(m.follow_up_actions) : {};
    for (const a of actions) fa[a] = (fa[a] ?? 0) + 1;
    upsert.run(
      r.skill_name,
      total,
      completed,
      (m?.abandoned_invocations ?? 0) + (done ? 0 : 1),
      totalDuration,
      JSON.stringify(paths),
      m?.common_errors ?? '{}',
      JSON.stringify(fa),
      m?.first_invoked && m.first_invoked < r.invoked_at ? m.first_invoked : r.invoked_at,
      m?.last_invoked && m.last_invoked > r.invoked_at ? m.last_invoked : r.invoked_at,
      (completed / total) * 100,
      completed ? totalDuration / completed : 0,
      new Date().toISOString(),
    );
  });
  return (i) => {
    const id = uuidv7(); // the store's own ids: time-ordered, so inserts land at the index's right edge
    const t0 = performance.now();
    start.immediate(
      id,
      SKILLS[i % SKILLS.length],
      `${new Date().toISOString().slice(0, 23)}000Z`,
      PATHS[i % PATHS.length],
    );
    complete.immediate(
      id,
      i % 10 !== 0,
      `${new Date().toISOString().slice(0, 23)}000Z`,
      (performance.now() - t0) / 1000,
      i % 3 ? ['git commit'] : [],
    );
  };
}

function apiTracker(store) {
  return async (i) => {
    const h = await store.trackInvocation(SKILLS[i % SKILLS.length], { workflowPath: PATHS[i % PATHS.length] });
    await h.complete({ completed: i % 10 !== 0, followUpActions: i % 3 ? ['git commit'] : [] });
  };
}

/** Fills a store with `n` finished invocations over a year, through the public batch import. */
export async function seed(store, n) {
  const t0 = Date.parse('2025-11-26T00:00:00Z');
  const span = 365 * 24 * 3600 * 1000;
  for (let done = 0; done < n; ) {
    const batch = [];
    for (let k = 0; k < 10_000 && done < n; k++, done++) {
      const at = new Date(t0 + Math.floor((done / n) * span)).toISOString();
      batch.push({
        id: uuidv7(t0 + Math.floor((done / n) * span)),
        skillName: SKILLS[done % SKILLS.length],
        invokedAt: at,
        workflowPath: PATHS[done % PATHS.length],
        completed: done % 7 !== 0,
        durationSeconds: 0.5 + ((done * 7919) % 1000) / 50,
        errorType: done % 7 === 0 ? 'TimeoutError' : null,
        followUpActions: done % 3 ? ['git commit'] : [],
        sessionId: `session-${Math.floor(done / 40)}`,
        projectPath: `/work/project-${done % 25}`,
        userContext: null,
      });
    }
    await store.recordInvocations(batch);
  }
}

/** The floor for a batch import: raw inserts and one read-fold-upsert per skill, in one transaction. */
function rawImporter(db) {
  const insert = db.prepare(`INSERT INTO skill_invocation (id, skill_name, invoked_at, workflow_path, completed,
    completed_at, duration_seconds, error_type, follow_up_actions, session_id, project_path, user_context)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`);
  const read = db.prepare(`SELECT total_invocations, completed_invocations, abandoned_invocations,
    total_duration_seconds, workflow_paths, common_errors, follow_up_actions, first_invoked, last_invoked
    FROM skill_metrics WHERE skill_name = ?`);
  const upsert = db.prepare(`INSERT OR REPLACE INTO skill_metrics (skill_name, total_invocations, completed_invocations,
    abandoned_invocations, total_duration_seconds, workflow_paths, common_errors, follow_up_actions, first_invoked,
    last_invoked, completion_rate, avg_duration_seconds, last_aggregated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`);
  const bump = (o, k) => {
    o[k] = (o[k] ?? 0) + 1;
  };
  return db.transaction((batch) => {
    const per = new Map();
    for (const v of batch) {
      insert.run(
        v.id,
        v.skillName,
        v.invokedAt,
        v.workflowPath,
        v.completed ? 1 : 0,
        v.invokedAt,
        v.durationSeconds,
        v.errorType,
        JSON.stringify(v.followUpActions),
        v.sessionId,
        v.projectPath,
        null,
      );
      const a = per.get(v.skillName) ?? {
        t: 0,
        c: 0,
        d: 0,
        p: {},
        e: {},
        f: {},
        first: v.invokedAt,
        last: v.invokedAt,
      };
      per.set(v.skillName, a);
      a.t++;
      if (v.completed) {
        a.c++;
        a.d += v.durationSeconds;
      }
      if (v.workflowPath !== null) bump(a.p, v.workflowPath);
      if (v.errorType !== null) bump(a.e, v.errorType);
      for (const x of v.followUpActions) bump(a.f, x);
      if (v.invokedAt < a.first) a.first = v.invokedAt;
      if (v.invokedAt > a.last) a.last = v.invokedAt;
    }
    for (const [skill, a] of per) {
      const m = read.get(skill);
      const p = m ? JSON.parse(m.workflow_paths) : {};
      const e = m ? JSON.parse(m.common_errors) : {};
      const f = m ? JSON.parse(m.follow_up_actions) : {};
      for (const [k, n] of Object.entries(a.p)) p[k] = (p[k] ?? 0) + n;
      for (const [k, n] of Object.entries(a.e)) e[k] = (e[k] ?? 0) + n;
      for (const [k, n] of Object.entries(a.f)) f[k] = (f[k] ?? 0) + n;
      const t = (m?.total_invocations ?? 0) + a.t;
      const c = (m?.completed_invocations ?? 0) + a.c;
      const d = (m?.total_duration_seconds ?? 0) + a.d;
      upsert.run(
        skill,
        t,
        c,
        t - c,
        d,
        JSON.stringify(p),
        JSON.stringify(e),
        JSON.stringify(f),
        m?.first_invoked && m.first_invoked < a.first ? m.first_invoked : a.first,
        m?.last_invoked && m.last_invoked > a.last ? m.last_invoked : a.last,
        (c / t) * 100,
        c ? d / c : 0,
        new Date().toISOString(),
      );
    }
  });
}

function finishedBatch(n, offsetMs) {
  const batch = [];
  for (let k = 0; k < n; k++) {
    batch.push({
      id: randomUUID(),
      skillName: SKILLS[k % SKILLS.length],
      invokedAt: `${new Date(offsetMs + k * 1000).toISOString().slice(0, 23)}417Z`,
      workflowPath: PATHS[k % PATHS.length],
      completed: k % 7 !== 0,
      durationSeconds: 0.25 + (k % 40) / 8,
      errorType: k % 7 === 0 ? 'TimeoutError' : null,
      followUpActions: k % 3 ? ['git commit'] : [],
      sessionId: `session-${k >> 5}`,
      projectPath: `/work/project-${k % 25}`,
      userContext: null,
    });
  }
  return batch;
}

export async function run({ quick = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'skill-metrics-bench-'));
  const rounds = quick ? 5 : 21;
  try {
    const results = {};
    for (const size of quick ? [1_000] : [1_000, 1_000_000]) {
      // Floor and candidate get twin files: sharing one, each would find its page cache invalidated
      // by the other's writes, and whichever wrote second would pay for reloading it.
      const path = join(dir, `store-${size}.db`);
      const seeded = await openStore({ path });
      await seed(seeded, size);
      await seeded.close(); // checkpoints the WAL into the file
      copyFileSync(path, join(dir, `floor-${size}.db`));
      const store = await openStore({ path });
      const raw = rawConnection(join(dir, `floor-${size}.db`));
      const r = await compare({ floor: rawTracker(raw), candidate: apiTracker(store), ops: 500, rounds });
      report(`track+complete, ${size.toLocaleString('en')} stored`, r, 1.3, 'raw statements, 2 IMMEDIATE tx');
      results[`track:${size}`] = r;

      const pk = raw.prepare('SELECT * FROM skill_metrics WHERE skill_name = ?');
      const pkRead = (i) => pk.get(SKILLS[i % SKILLS.length]);
      const m = await compare({
        floor: pkRead,
        candidate: (i) => store.getSkillMetrics(SKILLS[i % SKILLS.length]),
        ops: 2000,
        rounds,
      });
      report(`getSkillMetrics, ${size.toLocaleString('en')} stored`, m, 2, 'raw primary-key read');
      const s = await compare({ floor: pkRead, candidate: () => store.getSummary(), ops: 2000, rounds });
      report(`getSummary (${SKILLS.length} skills), ${size.toLocaleString('en')} stored`, s, 2, 'raw primary-key read');

      // Batches are made before timing starts, so both sides time the import alone.
      const batchRounds = rounds * 3 + 2;
      const start = Date.parse('2027-01-01T00:00:00Z');
      const batches = Array.from({ length: 2 * batchRounds }, (_, k) => finishedBatch(1000, start + k * 1e7));
      const importer = rawImporter(raw);
      let next = 0;
      const b = await compare({
        floor: () => importer.immediate(batches[next++]),
        candidate: () => store.recordInvocations(batches[next++]),
        ops: 1,
        rounds: batchRounds - 2,
      });
      report(`recordInvocations ×1,000, ${size.toLocaleString('en')} stored`, b, 1.3, 'raw inserts + aggregates, 1 tx');
      raw.close();
      await store.close();
    }
    if (!quick) {
      const grow = results['track:1000000'].candidateUs / results['track:1000'].candidateUs;
      console.log(`track+complete at 1,000,000 stored vs 1,000 stored: ${grow.toFixed(3)}× (≤ 1.10)`);
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run({ quick: process.argv.includes('--quick') });
