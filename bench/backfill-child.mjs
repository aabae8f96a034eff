// One side of the backfill benchmark, in a fresh process, so that neither side runs in a heap the
// other has grown (the floor's JSON.parse holds the whole file) and the peak RSS is its own:
//   node backfill-child.mjs floor|backfill FILE DB
// Prints {"invocations": N, "ms": T, "maxRssMB": M}.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { formatEpochMs, openStore, timestampToEpochMs, toCanonicalTimestamp } from '@skill-metrics/core';
import { legacyInvocationId } from '@skill-metrics/json-legacy';
import { backfill } from '@skill-metrics/migrate';
import Database from 'better-sqlite3';

const BATCH = 2000;

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

async function backfillInto(file, dbPath) {
  const db = await openStore({ path: dbPath });
  const report = await backfill({ file, db, timeZone: 'UTC', batchSize: BATCH });
  await db.close();
  return report.inserted;
}

const [side, file, dbPath] = process.argv.slice(2);
const started = performance.now();
const invocations = side === 'floor' ? rawImport(file, dbPath) : await backfillInto(file, dbPath);
const ms = performance.now() - started;
const maxRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
process.stdout.write(`${JSON.stringify({ invocations, ms, maxRssMB })}\n`);
