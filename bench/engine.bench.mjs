// The shared engine: the store now against the store just before it (built from that commit and run
// in the same process), for the writes it must not slow down. On files, and in memory, where no I/O
// noise hides what the engine itself costs. Then, as information, the store now against the store just
// before the flat counts, which split a skill's counts into a row per key: the price of the extra pages
// a fresh skill's write touches.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '@skill-metrics/core';
import { importCoreAt } from './baseline.mjs';
import { compare, report } from './harness.mjs';
import { apiTracker, finishedBatch, workload } from './store.bench.mjs';

/** The last commit before the shared engine. */
export const BEFORE_ENGINE = '5bd8917';
/** The last commit before the flat counts (skill_workflow_path, skill_count, the open hour). */
export const BEFORE_FLAT_COUNTS = '57b124b';

export async function run({ quick = false } = {}) {
  const before = await importCoreAt(BEFORE_ENGINE);
  const beforeFlat = await importCoreAt(BEFORE_FLAT_COUNTS);
  if (!before) return;
  const dir = mkdtempSync(join(tmpdir(), 'skill-metrics-engine-'));
  const rounds = quick ? 5 : 41;
  try {
    for (const [context, memory] of [
      [false, false],
      [true, false],
      [false, true],
    ]) {
      const path = (side) => (memory ? ':memory:' : join(dir, `${side}-${context}.db`));
      const old = await before.openStore({ path: path('before') });
      const now = await openStore({ path: path('now') });
      const floor = apiTracker(old);
      const candidate = apiTracker(now);
      const r = await compare({
        floor: (i) => floor(workload(i, context)),
        candidate: (i) => candidate(workload(i, context)),
        ops: 500,
        rounds,
      });
      const name = `track+complete${context ? ' (session, project)' : ''}${memory ? ', in memory' : ''}: now vs before the engine`;
      report(name, r, 1.03, `store at ${BEFORE_ENGINE}`);
      await old.close();
      await now.close();
    }
    const old = await before.openStore({ path: join(dir, 'before-batch.db') });
    const now = await openStore({ path: join(dir, 'now-batch.db') });
    const batchRounds = quick ? 15 : 63;
    const start = Date.parse('2027-01-01T00:00:00Z');
    // Each side imports the same batches (made before timing starts) into its own file.
    const batches = Array.from({ length: batchRounds + 2 }, (_, k) => finishedBatch(1000, start + k * 1e7));
    let nextOld = 0;
    let nextNow = 0;
    const b = await compare({
      floor: () => old.recordInvocations(batches[nextOld++]),
      candidate: () => now.recordInvocations(batches[nextNow++]),
      ops: 1,
      rounds: batchRounds,
    });
    report('recordInvocations ×1,000: now vs before the engine', b, 1.03, `store at ${BEFORE_ENGINE}`);
    await old.close();
    await now.close();
    if (beforeFlat) await flatCountsPrice(beforeFlat, dir, rounds);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function flatCountsPrice(beforeFlat, dir, rounds) {
  for (const memory of [false, true]) {
    const path = (side) => (memory ? ':memory:' : join(dir, `${side}-flat.db`));
    const old = await beforeFlat.openStore({ path: path('before') });
    const now = await openStore({ path: path('now') });
    const floor = apiTracker(old);
    const candidate = apiTracker(now);
    const r = await compare({
      floor: (i) => floor(workload(i, false)),
      candidate: (i) => candidate(workload(i, false)),
      ops: 500,
      rounds,
    });
    report(
      `track+complete${memory ? ', in memory' : ''}: now vs before the flat counts`,
      r,
      null,
      `store at ${BEFORE_FLAT_COUNTS}`,
    );
    await old.close();
    await now.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run({ quick: process.argv.includes('--quick') });
