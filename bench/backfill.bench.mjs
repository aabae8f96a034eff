// The backfill: a legacy file of 1,000,000 invocations into a fresh database, against the floor of
// JSON.parse of the file plus raw better-sqlite3 inserts of the same rows (the same ids and
// canonical times) with their skill aggregates, in batches; and its peak RSS. Each side runs in a
// fresh process of its own (backfill-child.mjs), timed from within it.
// The floor keeps only the skill rows; the backfill leaves every other figure right as well.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore } from '@skill-metrics/core';
import { median, report, reportValue } from './harness.mjs';
import { writeLegacyFile } from './legacy-reader.bench.mjs';

const CHILD = fileURLToPath(new URL('./backfill-child.mjs', import.meta.url));
const ROUNDS = 3;

/** A database with the store's schema and nothing in it. */
async function freshDatabase(dir, name) {
  const path = join(dir, name);
  for (const end of ['', '-wal', '-shm']) rmSync(path + end, { force: true });
  await (await openStore({ path })).close();
  return path;
}

/** One side, in a fresh process, into a fresh database made before its clock starts. */
async function runSide(side, file, dir, n) {
  const db = await freshDatabase(dir, `${side}.db`);
  const out = JSON.parse(execFileSync(process.execPath, [CHILD, side, file, db], { encoding: 'utf8' }));
  if (out.invocations !== n) throw new Error(`the ${side} took in ${out.invocations} of ${n} invocations`);
  return out;
}

export async function run({ quick = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'skill-metrics-backfill-bench-'));
  try {
    const n = quick ? 100_000 : 1_000_000;
    const file = join(dir, 'skill_metrics.json');
    const bytes = writeLegacyFile(file, n);
    const label = `${n.toLocaleString('en')} invocations, ${(bytes / 1e6).toFixed(0)} MB`;
    const floors = [];
    const backfills = [];
    for (let round = 0; round < ROUNDS; round++) {
      // The order alternates, so that neither side always has the warmer page cache.
      const order = round % 2 === 0 ? ['floor', 'backfill'] : ['backfill', 'floor'];
      for (const side of order) (side === 'floor' ? floors : backfills).push(await runSide(side, file, dir, n));
    }
    const ratios = backfills.map((b, i) => b.ms / floors[i].ms);
    const result = {
      floorUs: median(floors.map((f) => f.ms)) * 1000,
      candidateUs: median(backfills.map((b) => b.ms)) * 1000,
      ratio: median(ratios),
    };
    report(`backfill, ${label}, into a fresh database`, result, 1.3, 'JSON.parse + raw inserts');
    reportValue(`peak RSS of a process backfilling ${label}`, Math.max(...backfills.map((b) => b.maxRssMB)), 'MB', 256);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run({ quick: process.argv.includes('--quick') });
