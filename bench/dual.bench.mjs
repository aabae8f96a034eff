// The dual store against the stores alone, in the same run:
// - dual-write: what its database side costs (over a primary that costs almost nothing) against the
//   database store alone doing the same track + complete;
// - db-primary: what the caller waits for, against the database store alone (the JSON side is
//   written behind; close() flushes it, outside the timing);
// - verify with 1 % sampling: reads against the primary (the legacy store) alone.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '@skill-metrics/core';
import { openDualStore } from '@skill-metrics/dual';
import { openLegacyStore } from '@skill-metrics/json-legacy';
import { compare, report } from './harness.mjs';
import { apiTracker, workload } from './store.bench.mjs';

const quiet = { warn: () => undefined, error: () => undefined };

export async function run({ quick = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'skill-metrics-dual-bench-'));
  const rounds = quick ? 5 : 21;
  let n = 0;
  const paths = () => {
    n++;
    return { legacy: join(dir, `legacy-${n}.json`), db: join(dir, `db-${n}.db`) };
  };
  const open = async (mode) => {
    const p = paths();
    const legacy = await openLegacyStore({ path: p.legacy, timeZone: 'UTC', durable: false });
    const db = await openStore({ path: p.db });
    return openDualStore({ legacy, db, flag: mode, logger: quiet, verify: { sampleRate: 0.01 } });
  };
  try {
    // dual-write: the database side. Its primary here is SQLite in memory, which costs little, so
    // that what the dual store adds over its primary alone is the database side: its writes behind
    // (two recordInvocations per invocation, group-committed) and the dual store's own work.
    {
      const memory = await openStore({ path: ':memory:' });
      const dual = await openDualStore({
        legacy: await openStore({ path: ':memory:' }),
        db: await openStore({ path: paths().db }),
        flag: 'dual-write',
        logger: quiet,
      });
      const alone = await openStore({ path: paths().db });
      const ops = quick ? 100 : 300;
      // Each call lets the event loop turn, after its start and after its end, as a skill's own
      // work would: otherwise a start and its end reach the secondary together, as one write.
      const turn = () => new Promise((resolve) => setImmediate(resolve));
      const time = async (store, base, flush) => {
        const t = performance.now();
        for (let i = 0; i < ops; i++) {
          const op = workload(base + i, false);
          const h = await store.trackInvocation(op.skill, { workflowPath: op.path });
          await turn();
          await h.complete({ completed: op.done, followUpActions: op.actions });
          await turn();
        }
        if (flush) await store.flush();
        return ((performance.now() - t) * 1000) / ops;
      };
      const sides = [];
      const floors = [];
      const ratios = [];
      for (let r = 0; r < rounds + 2; r++) {
        const base = r * ops;
        const order = r % 2 ? ['alone', 'dual', 'memory'] : ['memory', 'dual', 'alone'];
        const t = {};
        for (const which of order) {
          t[which] =
            which === 'dual'
              ? await time(dual, base, true)
              : await time(which === 'alone' ? alone : memory, base, false);
        }
        if (r < 2) continue;
        sides.push(t.dual - t.memory);
        floors.push(t.alone);
        ratios.push((t.dual - t.memory) / t.alone);
      }
      const median = (v) => [...v].sort((x, y) => x - y)[v.length >> 1];
      report(
        'dual-write: its database side vs the database store alone',
        { floorUs: median(floors), candidateUs: median(sides), ratio: median(ratios) },
        1.2,
        'openStore, track+complete',
      );
      await dual.close();
      await alone.close();
      await memory.close();
    }
    // dual-write over the real legacy store, as its caller sees it: the file's cost and the rest.
    {
      const dual = await open('dual-write');
      const legacy = await openLegacyStore({ path: paths().legacy, timeZone: 'UTC', durable: false });
      const d = apiTracker(dual);
      const l = apiTracker(legacy);
      const r = await compare({
        floor: (i) => l(workload(i, false)),
        candidate: (i) => d(workload(i, false)),
        ops: 50,
        rounds: quick ? 3 : 9,
      });
      report('dual-write: track+complete as the caller waits', r, null, 'LegacyJsonStore alone');
      await dual.close();
      await legacy.close();
    }
    // db-primary: the caller's wait, against the database store alone.
    {
      const dual = await open('db-primary');
      const alone = await openStore({ path: paths().db });
      const d = apiTracker(dual);
      const a = apiTracker(alone);
      const r = await compare({
        floor: (i) => a(workload(i, true)),
        candidate: (i) => d(workload(i, true)),
        ops: 200,
        rounds,
      });
      report('db-primary: track+complete as the caller waits', r, 1.2, 'openStore, track+complete');
      const t = performance.now();
      await dual.close();
      report(
        'db-primary: close() writing what the JSON side is owed',
        { floorUs: 0, candidateUs: (performance.now() - t) * 1000, ratio: 0 },
        null,
        'none',
      );
      await alone.close();
    }
    // verify, 1 % of reads compared: reads against the legacy store alone.
    {
      const dual = await open('verify');
      for (let i = 0; i < 2000; i++) await apiTracker(dual)(workload(i, true));
      await dual.flush();
      const legacy = dual.legacy;
      const reads = [
        ['getSkillMetrics', (s) => s.getSkillMetrics('crackerjack-run')],
        ['getSummary', (s) => s.getSummary()],
        ['getSessionSkills', (s) => s.getSessionSkills('session-3')],
      ];
      for (const [name, read] of reads) {
        const r = await compare({ floor: () => read(legacy), candidate: () => read(dual), ops: 500, rounds });
        report(`verify, 1 % compared: ${name}, 2,000 stored`, r, 1.1, 'LegacyJsonStore alone');
      }
      await dual.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run({ quick: process.argv.includes('--quick') });
