// Costs that stay flat: a write and a read of a skill with 20,000 distinct workflow paths and error
// types, against the same on a fresh skill (in the same run); search over 20,000 distinct paths;
// a write after an invocation dated in the future; and how long a live writer waits behind a large
// import from another process.
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore } from '@skill-metrics/core';
import { compare, report, reportValue } from './harness.mjs';
import { rawConnection } from './store.bench.mjs';

const DISTINCT = 20_000;
const hourAgo = () => Date.now() - 3_600_000;

/** `n` finished invocations of `skill`, each with its own workflow path, every other with its own error. */
function manyKeys(skill, n, start) {
  return Array.from({ length: n }, (_, i) => ({
    id: `${skill}-${i}`,
    skillName: skill,
    invokedAt: new Date(start + i).toISOString(),
    workflowPath: `step ${i} comprehensive`,
    completed: i % 2 === 0,
    durationSeconds: 1 + (i % 7),
    errorType: i % 2 ? `[Errno 2] No such file: 'module_${i}.py'` : null,
    followUpActions: [],
    sessionId: null,
    projectPath: null,
    userContext: null,
  }));
}

const tracker = (store, skill) => async () => {
  const h = await store.trackInvocation(skill, { workflowPath: 'quick' });
  await h.complete({ followUpActions: ['git commit'] });
};

export async function run({ quick = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'skill-metrics-flat-'));
  const rounds = quick ? 5 : 21;
  try {
    const path = join(dir, 'flat.db');
    const store = await openStore({ path });
    await store.recordInvocations(manyKeys('wide', DISTINCT, hourAgo()));
    // The first write of each skill closes the hour the import landed in; time what follows.
    await tracker(store, 'wide')();
    await tracker(store, 'fresh')();
    const w = await compare({ floor: tracker(store, 'fresh'), candidate: tracker(store, 'wide'), ops: 300, rounds });
    report(`track+complete, a skill with ${DISTINCT.toLocaleString('en')} paths and errors`, w, 1.2, 'a fresh skill');

    const raw = rawConnection(path);
    const pk = raw.prepare('SELECT total_invocations, p95_duration_seconds FROM skill_totals WHERE skill_name = ?');
    const r = await compare({
      floor: () => pk.get('wide'),
      candidate: () => store.getSkillMetrics('wide'),
      ops: 200,
      rounds,
    });
    report(
      `getSkillMetrics, ${DISTINCT.toLocaleString('en')} paths and errors`,
      r,
      { maxUs: 1000 },
      'raw primary-key read',
    );
    const t0 = performance.now();
    await tracker(store, 'wide')();
    await store.getSkillMetrics('wide');
    console.log(
      `info ${'getSkillMetrics right after a write of the same skill'.padEnd(58)} ${(performance.now() - t0).toFixed(2)} ms (no target)`,
    );

    // Search: 20,000 distinct paths over 8 skills; the last query's 5,000 matches all rank below the rest.
    const searchPath = join(dir, 'search.db');
    const search = await openStore({ path: searchPath });
    const start = hourAgo();
    const pairs = Array.from({ length: DISTINCT }, (_, i) => ({
      id: `p-${i}`,
      skillName: `skill-${i % 8}`,
      invokedAt: new Date(start + i).toISOString(),
      workflowPath: i < 5000 ? `rare path ${i}` : `path ${i} comprehensive deploy`,
      completed: true,
      durationSeconds: 1,
      errorType: null,
      followUpActions: [],
      sessionId: null,
      projectPath: null,
      userContext: null,
    }));
    await search.recordInvocations(pairs);
    // Every common path twice, so each ranks above every rare one.
    await search.recordInvocations(pairs.slice(5000).map((p) => ({ ...p, id: `${p.id}-again` })));
    const searchRaw = rawConnection(searchPath);
    const floor = searchRaw.prepare(
      'SELECT invocation_count FROM skill_workflow_path WHERE skill_name = ? AND workflow_path = ?',
    );
    for (const query of ['comp', 'p', 'path deploy', 'path 1999', 'nothing', 'rare']) {
      const s = await compare({
        floor: () => floor.get('skill-0', 'path 5000 comprehensive deploy'),
        candidate: () => search.searchWorkflowPaths(query),
        ops: 20,
        rounds: quick ? 3 : 11,
      });
      report(
        `searchWorkflowPaths '${query}', ${DISTINCT.toLocaleString('en')} paths`,
        s,
        { maxUs: 5000 },
        'raw primary-key read',
      );
    }
    searchRaw.close();
    await search.close();

    // One invocation dated in the future: later writes of its skill must cost what they did.
    const future = await openStore({ path: join(dir, 'future.db') });
    await future.recordInvocations(manyKeys('dated', 2000, hourAgo()).map((i) => ({ ...i, workflowPath: 'quick' })));
    await tracker(future, 'dated')();
    await tracker(future, 'plain')();
    await future.recordInvocation({ ...manyKeys('dated', 1, Date.UTC(2030, 0, 1))[0], id: 'from-2030' });
    const f = await compare({ floor: tracker(future, 'plain'), candidate: tracker(future, 'dated'), ops: 300, rounds });
    report('track+complete after an invocation dated 2030', f, 1.1, 'a skill without one');
    await future.close();

    // A live writer while another process imports 100,000 invocations in one recordInvocations call.
    for (const chunk of quick ? [2000] : [2000, 100_000]) {
      const db = join(dir, `import-${chunk}.db`);
      const live = await openStore({ path: db, busyTimeoutMs: 30_000 });
      const child = fork(fileURLToPath(new URL('./import-child.mjs', import.meta.url)), [db, '100000', String(chunk)]);
      await new Promise((resolve) => child.once('message', resolve)); // importing
      let worst = 0;
      let writes = 0;
      const done = new Promise((resolve) => child.once('exit', resolve));
      let finished = false;
      done.then(() => {
        finished = true;
      });
      while (!finished) {
        const t = performance.now();
        await tracker(live, 'live')();
        worst = Math.max(worst, performance.now() - t);
        writes++;
        // A live process does other work between its tracks (and hears the importer exit).
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      await live.close();
      const label = chunk === 100_000 ? 'one transaction' : `chunks of ${chunk.toLocaleString('en')}`;
      if (chunk === 100_000) {
        console.log(
          `info ${`longest live track+complete, import in ${label}`.padEnd(58)} ${worst.toFixed(0)} ms (no target)`,
        );
      } else {
        reportValue(
          `longest live track+complete, import in ${label}`,
          Math.round(worst),
          'ms',
          100,
          `(${writes} writes meanwhile)`,
        );
      }
    }
    raw.close();
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run({ quick: process.argv.includes('--quick') });
