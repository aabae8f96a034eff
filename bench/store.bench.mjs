// The core store against raw better-sqlite3 statements doing the same work.
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, uuidv7 } from '@skill-metrics/core';
import Database from 'better-sqlite3';
import { rawImporter, rawTracker } from './floors.mjs';
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

/** The n-th call of the track + complete workload; with `context`, each call names a session and a project. */
export function workload(i, context) {
  return {
    skill: SKILLS[i % SKILLS.length],
    path: PATHS[i % PATHS.length],
    session: context ? `session-${i >> 6}` : null,
    project: context ? `/work/project-${i % 5}` : null,
    done: i % 10 !== 0,
    actions: i % 3 ? ['git commit'] : [],
  };
}

export function apiTracker(store) {
  return async (op) => {
    const h = await store.trackInvocation(op.skill, {
      workflowPath: op.path,
      sessionId: op.session,
      projectPath: op.project,
    });
    await h.complete({ completed: op.done, followUpActions: op.actions });
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

export function finishedBatch(n, offsetMs) {
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

export { rawConnection, SKILLS };

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
      for (const context of [false, true]) {
        const floor = rawTracker(raw);
        const candidate = apiTracker(store);
        const r = await compare({
          floor: (i) => floor(workload(i, context)),
          candidate: (i) => candidate(workload(i, context)),
          ops: 500,
          rounds,
        });
        const name = `track+complete${context ? ' (session, project)' : ''}, ${size.toLocaleString('en')} stored`;
        report(name, r, 1.3, 'raw statements, 2 IMMEDIATE tx');
        results[`track:${context}:${size}`] = r;
      }

      // The columns getSkillMetrics returns, by primary key.
      const pk = raw.prepare(`SELECT skill_name, total_invocations, completed_invocations, abandoned_invocations,
        total_duration_seconds, workflow_paths, common_errors, follow_up_actions, first_invoked, last_invoked,
        p50_duration_seconds, p95_duration_seconds, p99_duration_seconds FROM skill_metrics WHERE skill_name = ?`);
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
      const grow = results['track:false:1000000'].candidateUs / results['track:false:1000'].candidateUs;
      console.log(`track+complete at 1,000,000 stored vs 1,000 stored: ${grow.toFixed(3)}× (≤ 1.10)`);
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run({ quick: process.argv.includes('--quick') });
