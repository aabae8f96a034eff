import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addFinished, emptyTotals, loadMigrations, migrate, openStore, type SkillTotals } from '@skill-metrics/core';
import { expectWithinOnePercent, referencePercentile, testInvocation } from '@skill-metrics/core/testing';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'skill-metrics-upgrade-'));

interface Row {
  id: string;
  skill: string;
  at: string;
  path: string | null;
  status: 'completed' | 'abandoned' | 'pending';
  duration: number | null;
  session: string | null;
  project: string | null;
}

/** 3,000 invocations as the first schema's store wrote them: rows and per-skill figures, with plain SQL. */
function fillAsVersionOne(db: Database.Database): Row[] {
  const rows: Row[] = [];
  let seed = 1;
  const rand = () => {
    seed = (seed * 48271) % 2147483647;
    return seed / 2147483647;
  };
  for (let i = 0; i < 3000; i++) {
    const status = i % 11 === 0 ? 'pending' : i % 7 === 0 ? 'abandoned' : 'completed';
    rows.push({
      id: `v1-${String(i).padStart(5, '0')}`,
      skill: ['crackerjack-run', 'pytest-runner', 'code-review'][i % 3] as string,
      at: new Date(Date.UTC(2026, 0, 1) + i * 97_000).toISOString().replace('Z', '000Z'),
      path: i % 4 === 0 ? null : (['quick', 'comprehensive', 'ci.v1.2'][i % 3] as string),
      status,
      duration: status === 'pending' ? null : i % 13 === 0 ? null : Math.exp(rand() * 6 - 2),
      session: i % 5 === 0 ? null : `session-${i % 40}`,
      project: `/repo/${i % 4}`,
    });
  }
  const insert = db.prepare(`INSERT INTO skill_invocation (id, skill_name, invoked_at, workflow_path, completed,
    completed_at, duration_seconds, session_id, project_path, follow_up_actions) VALUES (?,?,?,?,?,?,?,?,?,'[]')`);
  const totals = new Map<string, SkillTotals>();
  for (const r of rows) {
    const finished = r.status !== 'pending';
    insert.run(
      r.id,
      r.skill,
      r.at,
      r.path,
      r.status === 'completed' ? 1 : 0,
      finished ? r.at : null,
      r.duration,
      r.session,
      r.project,
    );
    if (!finished) continue;
    const t = totals.get(r.skill) ?? emptyTotals(r.skill);
    totals.set(
      r.skill,
      addFinished(t, {
        invokedAt: r.at,
        workflowPath: r.path,
        completed: r.status === 'completed',
        durationSeconds: r.duration,
        errorType: null,
        followUpActions: [],
      }),
    );
  }
  const upsert = db.prepare(`INSERT INTO skill_metrics (skill_name, total_invocations, completed_invocations,
    abandoned_invocations, total_duration_seconds, workflow_paths, common_errors, follow_up_actions, first_invoked,
    last_invoked, completion_rate, avg_duration_seconds) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`);
  for (const t of totals.values()) {
    upsert.run(
      t.skillName,
      t.totalInvocations,
      t.completedInvocations,
      t.abandonedInvocations,
      t.totalDurationSeconds,
      JSON.stringify(t.workflowPaths),
      '{}',
      '{}',
      t.firstInvoked,
      t.lastInvoked,
      (t.completedInvocations / t.totalInvocations) * 100,
      t.totalDurationSeconds / t.completedInvocations,
    );
  }
  return rows;
}

const V1_METRICS = `SELECT skill_name, total_invocations, completed_invocations, abandoned_invocations,
  total_duration_seconds, workflow_paths, common_errors, follow_up_actions, first_invoked, last_invoked,
  completion_rate, avg_duration_seconds FROM skill_metrics ORDER BY skill_name`;

/** skill_metrics rows with their JSON columns parsed: the same counts, whatever order the keys come in. */
const metricsOf = (db: Database.Database) =>
  (db.prepare(V1_METRICS).all() as Array<{ skill_name: string } & Record<string, unknown>>).map((row) => ({
    ...row,
    workflow_paths: JSON.parse(row.workflow_paths as string),
    common_errors: JSON.parse(row.common_errors as string),
    follow_up_actions: JSON.parse(row.follow_up_actions as string),
  }));

describe('upgrading a database made by the first migration alone', () => {
  it('adds percentiles, sessions, projects, timeline and search, filled from the data, which stays untouched', async () => {
    const path = join(dir, 'v1.db');
    const db = new Database(path);
    expect(migrate(db, loadMigrations().slice(0, 1), new Map())).toEqual([1]);
    const rows = db.transaction(() => fillAsVersionOne(db))();
    const invocationsBefore = db.prepare('SELECT * FROM skill_invocation ORDER BY id').all();
    const metricsBefore = metricsOf(db);
    db.close();

    const store = await openStore({ path });
    expect(store.migrationsApplied).toEqual([2, 3, 4, 5, 6, 7]);

    const finished = rows.filter((r) => r.status !== 'pending');
    const durations = (skill: string) =>
      finished
        .filter((r) => r.skill === skill && r.status === 'completed' && r.duration !== null)
        .map((r) => r.duration as number);
    for (const skill of ['crackerjack-run', 'pytest-runner', 'code-review']) {
      const m = await store.getSkillMetrics(skill);
      // Filled by the migration's SQL: exact.
      expect(m?.p50DurationSeconds).toBeCloseTo(referencePercentile(durations(skill), 0.5) as number, 12);
      expect(m?.p95DurationSeconds).toBeCloseTo(referencePercentile(durations(skill), 0.95) as number, 12);
      expect(m?.p99DurationSeconds).toBeCloseTo(referencePercentile(durations(skill), 0.99) as number, 12);
      // And the sketch built while migrating agrees.
      const [p50, p99] = await store.getDurationPercentiles(skill, [0.5, 0.99]);
      expectWithinOnePercent(p50, referencePercentile(durations(skill), 0.5));
      expectWithinOnePercent(p99, referencePercentile(durations(skill), 0.99));
    }

    const session = finished.filter((r) => r.session === 'session-7');
    const sessionFigures = await store.getSessionSkills('session-7');
    expect(sessionFigures.reduce((n, s) => n + s.invocationCount, 0)).toBe(session.length);
    for (const s of sessionFigures) {
      const mine = session.filter((r) => r.skill === s.skillName);
      expect(s.completedCount).toBe(mine.filter((r) => r.status === 'completed').length);
      expect(s.totalDurationSeconds).toBeCloseTo(
        mine.filter((r) => r.status === 'completed').reduce((t, r) => t + (r.duration ?? 0), 0),
        9,
      );
    }
    const project = await store.getProjectMetrics('/repo/2');
    expect(project?.totalInvocations).toBe(finished.filter((r) => r.project === '/repo/2').length);

    const day = await store.getSkillTimeline('pytest-runner', {
      bucket: 'day',
      since: '2026-01-02T00:00:00Z',
      until: '2026-01-03T00:00:00Z',
    });
    const dayRows = finished.filter((r) => r.skill === 'pytest-runner' && r.at.startsWith('2026-01-02'));
    expect(day[0]?.invocations).toBe(dayRows.length);
    expectWithinOnePercent(
      day[0]?.p95DurationSeconds,
      referencePercentile(
        dayRows.filter((r) => r.status === 'completed' && r.duration !== null).map((r) => r.duration as number),
        0.95,
      ),
    );
    const [allDay] = await store.getTimeline({
      bucket: 'day',
      since: '2026-01-02T00:00:00Z',
      until: '2026-01-03T00:00:00Z',
    });
    expect(allDay?.invocations).toBe(finished.filter((r) => r.at.startsWith('2026-01-02')).length);
    expect((await store.searchWorkflowPaths('ci.v1')).map((m) => m.workflowPath)).toEqual(['ci.v1.2']);

    // New writes keep every figure current from there on.
    await store.recordInvocation(
      testInvocation({
        id: 'after-upgrade',
        skillName: 'code-review',
        invokedAt: '2026-03-01T00:00:00Z',
        workflowPath: 'quick',
        durationSeconds: 1000,
        sessionId: 'session-7',
        projectPath: '/repo/2',
      }),
    );
    const after = await store.getSkillMetrics('code-review');
    expectWithinOnePercent(after?.p99DurationSeconds, referencePercentile([...durations('code-review'), 1000], 0.99));
    await store.close();

    const check = new Database(path, { readonly: true });
    const invocationsAfter = check
      .prepare("SELECT * FROM skill_invocation WHERE id != 'after-upgrade' ORDER BY id")
      .all();
    expect(invocationsAfter).toEqual(invocationsBefore);
    // skill_metrics is a view now, and reads as the table did.
    expect(metricsOf(check).filter((m) => m.skill_name !== 'code-review')).toEqual(
      metricsBefore.filter((m) => m.skill_name !== 'code-review'),
    );
    check.close();
  });
});
