// OpenTelemetry without an SDK: `track` + `complete` now, every operation timed through
// @opentelemetry/api's no-op meter, against the store just before the instruments (built from that
// commit and run in the same process), on a file and in memory. The older store is given the
// schema's later indexes (the pending one, migration 0006) so that the ratio is the instruments' alone.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '@skill-metrics/core';
import { importCoreAt } from './baseline.mjs';
import { compare, report } from './harness.mjs';
import { apiTracker, workload } from './store.bench.mjs';

/** The last commit before the store recorded through @opentelemetry/api. */
export const BEFORE_TELEMETRY = '862196d';

/** What the schema gained after that commit that every write pays for. */
const LATER_INDEXES = readFileSync(
  new URL('../packages/core/drizzle/sqlite/0006_pending_index.sql', import.meta.url),
  'utf8',
);

export async function run({ quick = false } = {}) {
  const before = await importCoreAt(BEFORE_TELEMETRY);
  if (!before) return;
  const dir = mkdtempSync(join(tmpdir(), 'skill-metrics-telemetry-'));
  try {
    for (const memory of [false, true]) {
      const path = (side) => (memory ? ':memory:' : join(dir, `${side}.db`));
      const old = await before.openStore({ path: path('before') });
      old.drizzle.$client.exec(LATER_INDEXES);
      const now = await openStore({ path: path('now') });
      const floor = apiTracker(old);
      const candidate = apiTracker(now);
      const r = await compare({
        floor: (i) => floor(workload(i, false)),
        candidate: (i) => candidate(workload(i, false)),
        ops: 500,
        rounds: quick ? 5 : 41,
      });
      report(
        `track+complete${memory ? ', in memory' : ''}, no OpenTelemetry SDK: now vs before`,
        r,
        1.02,
        `store at ${BEFORE_TELEMETRY}`,
      );
      await old.close();
      await now.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run({ quick: process.argv.includes('--quick') });
