// The backfill: a legacy file of 1,000,000 invocations into a fresh database, against the floor of
// JSON.parse of the file plus raw better-sqlite3 inserts of the same rows (the same ids and
// canonical times) with their skill aggregates, in batches; and its peak RSS in a fresh process.
// The floor keeps only the skill rows; the backfill leaves every other figure right as well.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatEpochMs, openStore, timestampToEpochMs, toCanonicalTimestamp } from '@skill-metrics/core';
import { legacyInvocationId } from '@skill-metrics/json-legacy';
import { backfill } from '@skill-metrics/migrate';
import Database from 'better-sqlite3';
import { compare, report, reportValue } from './harness.mjs';
import { writeLegacyFile } from './legacy-reader.bench.mjs';

const CHILD = fileURLToPath(new URL('./backfill-child.mjs', import.meta.url));
const BATCH = 2000;

/** A database with the store's schema and nothing in it. */
async function freshDatabase(dir, name) {
  const path = join(dir, name);
  for (const end of ['', '-wal', '-shm']) rmSync(path + end, { force: true });
  await (await openStore({ path })).close();
  return path;
}

/** The floor: parse the whole file, insert its rows and upsert each batch's skill totals by hand. */
function rawImport(file, dbPath) {
  const { invocations } = JSON.parse(readFileSync(file, 'utf8'));
  const db = new Database(dbPath);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const insert = db.prepare(`INSERT INTO skill_invocation (id, skill_name, invoked_at, workflow_path, completed,
    completed_at, duration_seconds, error_type, follow_up_actions, session_id, project_path, user_context)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL) ON CONFLICT (id) DO NOTHING`);
  const upsert = db.prepare(`INSERT INTO skill_totals (skill_name, total_invocations, completed_invocations,
    abandoned_invocations, total_duration_seconds, first_invoked, last_invoked, completion_rate, avg_duration_seconds)
    VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0) ON CONFLICT (skill_name) DO UPDATE SET
    total_invocations = total_invocations + excluded.total_invocations,
    completed_invocations = completed_invocations + excluded.completed_invocations,
    abandoned_invocations = abandoned_invocations + excluded.abandoned_invocations,
    total_duration_seconds = total_duration_seconds + excluded.total_duration_seconds,
    first_invoked = min(first_invoked, excluded.first_invoked), last_invoked = max(last_invoked, excluded.last_invoked),
    completion_rate = 100.0 * (completed_invocations + excluded.completed_invocations)
      / (total_invocations + excluded.total_invocations),
    avg_duration_seconds = (total_duration_seconds + excluded.total_duration_seconds)
      / max(1, completed_invocations + excluded.completed_invocations)`);
  const batch = db.transaction((from) => {
    const skills = new Map();
    for (let i = from; i < Math.min(from + BATCH, invocations.length); i++) {
      const raw = invocations[i];
      const invokedAt = toCanonicalTimestamp(raw.invoked_at, { naiveTimeZone: 'UTC' });
      const pending = raw.completed !== true && raw.duration_seconds === null;
      const completedAt = pending
        ? null
        : formatEpochMs(timestampToEpochMs(invokedAt) + (raw.duration_seconds ?? 0) * 1000);
      insert.run(
        legacyInvocationId(raw, i),
        raw.skill_name,
        invokedAt,
        raw.workflow_path,
        raw.completed ? 1 : 0,
        completedAt,
        raw.duration_seconds,
        raw.error_type,
        JSON.stringify(raw.follow_up_actions),
      );
      if (pending) continue;
      let s = skills.get(raw.skill_name);
      if (!s) {
        s = { n: 0, c: 0, d: 0, first: invokedAt, last: invokedAt };
        skills.set(raw.skill_name, s);
      }
      s.n++;
      if (raw.completed) {
        s.c++;
        s.d += raw.duration_seconds ?? 0;
      }
      if (invokedAt < s.first) s.first = invokedAt;
      if (invokedAt > s.last) s.last = invokedAt;
    }
    for (const [name, s] of skills) upsert.run(name, s.n, s.c, s.n - s.c, s.d, s.first, s.last);
  });
  for (let from = 0; from < invocations.length; from += BATCH) batch.immediate(from);
  db.close();
  return invocations.length;
}

export async function run({ quick = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'skill-metrics-backfill-bench-'));
  try {
    const n = quick ? 100_000 : 1_000_000;
    const file = join(dir, 'skill_metrics.json');
    const bytes = writeLegacyFile(file, n);
    const label = `${n.toLocaleString('en')} invocations, ${(bytes / 1e6).toFixed(0)} MB`;
    // Each round writes into a fresh database, made before the clock starts.
    let floorDb = await freshDatabase(dir, 'floor.db');
    let backfillDb = await freshDatabase(dir, 'backfill.db');
    const floor = async () => {
      if (rawImport(file, floorDb) !== n) throw new Error('the floor lost invocations');
      floorDb = await freshDatabase(dir, 'floor.db');
    };
    const candidate = async () => {
      const db = await openStore({ path: backfillDb });
      const r = await backfill({ file, db, timeZone: 'UTC', batchSize: BATCH });
      await db.close();
      if (r.inserted !== n) throw new Error(`the backfill inserted ${r.inserted} of ${n}`);
      backfillDb = await freshDatabase(dir, 'backfill.db');
    };
    const r = await compare({ floor, candidate, ops: 1, rounds: 3, warmup: 0 });
    report(`backfill, ${label}, into a fresh database`, r, 1.3, 'JSON.parse + raw inserts');
    const out = JSON.parse(execFileSync(process.execPath, [CHILD, file, backfillDb], { encoding: 'utf8' }));
    if (out.inserted !== n) throw new Error(`the backfill in a child process failed: ${JSON.stringify(out)}`);
    reportValue(`peak RSS of a process backfilling ${label}`, out.maxRssMB, 'MB', 256);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run({ quick: process.argv.includes('--quick') });
