import type { Clock, InvocationInput } from '@skill-metrics/core';
import { seededRandom } from '@skill-metrics/core/testing';
import Database from 'better-sqlite3';

/** Invocations for the import tests, and the figure tables they leave in a SQLite file. */

export const NOW = Date.UTC(2026, 5, 15, 12, 30);
export const clock: Clock = { now: () => NOW, monotonic: () => 0 };

export const SKILLS = ['code-review', 'deploy', 'lint-fix', 'pytest-runner', 'refactor'];
export const PATHS = [null, 'quick', 'ci full', 'daily.report', 'release/v2 hotfix'];

/**
 * Invocations with every figure at stake, in shuffled order: several skills, hours and days (the
 * clock's own hour among them, and some far in the future), paths, errors, actions, sessions,
 * projects, pending ones, and the old tracker's negative durations. Durations are multiples of
 * 0.25, so every sum is exact in whatever order it is added.
 */
export function invocations(count: number, seed = 1): InvocationInput[] {
  const random = seededRandom(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)] as T;
  const out: InvocationInput[] = [];
  for (let i = 0; i < count; i++) {
    const future = i % 97 === 0;
    const startMs = future ? Date.UTC(2099, 0, 1) + i * 60_000 : NOW - Math.floor(random() * 6 * 86_400_000);
    const pending = i % 13 === 0;
    const completed = !pending && random() < 0.8;
    out.push({
      id: `inv-${seed}-${i}`,
      skillName: pick(SKILLS),
      invokedAt: new Date(startMs).toISOString(),
      workflowPath: pick(PATHS),
      completed,
      durationSeconds: pending ? null : i % 41 === 0 ? -0.5 : Math.floor(random() * 400) * 0.25,
      errorType: pending || completed ? null : pick(['TimeoutError', 'ValueError']),
      followUpActions: pending ? [] : random() < 0.3 ? ['git commit', 'git push'] : [],
      sessionId: random() < 0.5 ? `session-${Math.floor(random() * 40)}` : null,
      projectPath: random() < 0.5 ? `/work/project-${Math.floor(random() * 4)}` : null,
      userContext: null,
    });
  }
  return out;
}

/** The same invocations finished: what a later import of the same file brings for the pending ones. */
export function finishedVersions(all: readonly InvocationInput[]): InvocationInput[] {
  return all
    .filter((inv) => inv.durationSeconds === null)
    .map((inv) => ({ ...inv, completed: true, durationSeconds: 1.5 }));
}

export const chunks = <T>(xs: readonly T[], size: number) =>
  Array.from({ length: Math.ceil(xs.length / size) }, (_, i) => xs.slice(i * size, (i + 1) * size));

/** Every figure table of a database file, as rows in key order (a path's id and the row's time left out). */
export function figureTables(path: string) {
  const db = new Database(path, { readonly: true });
  try {
    const all = <Row = Record<string, unknown>>(sql: string) => db.prepare(sql).all() as Row[];
    return {
      skills: all(`SELECT * FROM skill_totals ORDER BY skill_name`).map((row) => {
        const { last_aggregated_at: _, ...rest } = row as Record<string, unknown>;
        return rest;
      }),
      paths: all<{ skill_name: string; workflow_path: string; invocation_count: number }>(
        'SELECT skill_name, workflow_path, invocation_count FROM skill_workflow_path ORDER BY 1, 2',
      ),
      counts: all('SELECT * FROM skill_count ORDER BY skill_name, kind, key'),
      sessions: all('SELECT * FROM session_skill ORDER BY session_id, skill_name'),
      projects: all('SELECT * FROM project_skill ORDER BY project_path, skill_name'),
      hours: all('SELECT * FROM skill_timeline ORDER BY skill_name, bucket_start'),
      days: all('SELECT * FROM skill_timeline_day ORDER BY skill_name, bucket_start'),
      searchable: all(`SELECT p.skill_name, p.workflow_path FROM skill_workflow_path p
        JOIN workflow_path_search s ON s.rowid = p.id ORDER BY 1, 2`).length,
    };
  } finally {
    db.close();
  }
}
