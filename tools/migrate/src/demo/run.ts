import { join } from 'node:path';
import { openStore, systemTimeZone } from '@skill-metrics/core';
import {
  checkConsistency,
  type DualStore,
  describeMismatch,
  openDualStore,
  type StorageMode,
} from '@skill-metrics/dual';
import { openLegacyStore } from '@skill-metrics/json-legacy';
import { backfill } from '../backfill/backfill.js';
import { count, printBackfillReport } from '../commands/backfill-summary.js';
import { writeReportFiles } from '../commands/report-files.js';
import type { Io } from '../options.js';
import { writeLegacyFile } from './legacy-file.js';
import { holdWriteLock } from './lock-holder.js';
import {
  describeTraffic,
  describeVerification,
  RolloutFlag,
  readEverything,
  serveTraffic,
  since,
  type Tally,
  tally,
} from './traffic.js';

export interface DemoOptions {
  /** A fresh directory for the demo's files. */
  dir: string;
  /** Invocations served in each rollout mode. @default 200 */
  perMode?: number;
  /** Of the dual-write ones, how many run while another process holds the database's lock. @default 10 */
  whileLocked?: number;
  /** The zone of the legacy file's naive times. @default this machine's */
  timeZone?: string;
}

/** The demo's defaults, for the CLI's help and its test. */
export const DEMO_DEFAULTS = { perMode: 200, whileLocked: 10 } as const;

/** How long a database write waits for a lock here: long enough for the demo's own writes, short for the injected one. */
const BUSY_TIMEOUT_MS = 100;

const ROLLOUT: readonly StorageMode[] = ['legacy', 'dual-write', 'verify', 'db-primary', 'db'];

/** Each line of a step after its first, indented under its label. */
function stepWriter(io: Io) {
  return (label: string, ...lines: string[]) => {
    lines.forEach((line, i) => {
      io.out(`${(i === 0 ? label : '').padEnd(13)} ${line}`);
    });
  };
}

/**
 * The whole migration path on the embedded default, in `dir`: a legacy file as the old tracker
 * left it, its backfill, traffic through every rollout mode with a secondary failure injected and
 * repaired, the consistency check with its report files, and the metrics report. Resolves with the
 * exit code: 0 when nothing is owed, nothing mismatched, and the check is consistent.
 */
export async function runDemo(options: DemoOptions, io: Io): Promise<number> {
  const say = stepWriter(io);
  const perMode = options.perMode ?? DEMO_DEFAULTS.perMode;
  const whileLocked = Math.min(options.whileLocked ?? DEMO_DEFAULTS.whileLocked, perMode);
  const timeZone = options.timeZone ?? systemTimeZone();
  const paths = {
    legacy: join(options.dir, 'skill_metrics.json'),
    db: join(options.dir, 'skill_metrics.db'),
    flag: join(options.dir, 'rollout.json'),
  };
  io.out(`skill-metrics demo in ${options.dir} (naive times in ${timeZone})\n`);

  const file = writeLegacyFile({ path: paths.legacy, timeZone, endMs: Date.now() });
  say(
    'legacy file',
    `${count(file.invocations)} invocations of ${file.skills} skills, ${file.sessions} sessions over ${file.days} days: ${file.path}`,
    `the old tracker's quirks in it: ${file.pending} pending, ${file.doubleCompletions} completions counted twice, ` +
      `${file.zeroDurations} durations of 0 and ${file.nullDurations} null, ${count(file.wholeSecondTimes)} times without a fraction, ` +
      `${count(file.offsetTimes)} with +00:00, ${count(file.withExtraKeys)} with session_id/user_query`,
  );

  const db = await openStore({ path: paths.db, busyTimeoutMs: BUSY_TIMEOUT_MS });
  let store: DualStore | null = null;
  try {
    const backfilled = await backfill({ file: paths.legacy, db, timeZone });
    const lines: string[] = [];
    printBackfillReport(backfilled, { database: db.path, zoneGiven: true }, { out: (t) => lines.push(t), err: io.err });
    say('backfill', ...lines);

    // What the dual store logs (a line per missed write) is kept, and summed up where it matters.
    const logged: string[] = [];
    const logger = { warn: (m: string) => logged.push(m), error: (m: string) => logged.push(m) };
    const flag = new RolloutFlag(paths.flag, logger);
    flag.set('legacy');
    const legacy = await openLegacyStore({ path: paths.legacy, timeZone });
    store = await openDualStore({ legacy, db, flag: flag.provider, verify: { sampleRate: 1 }, logger });
    let mismatches = 0;
    for (const mode of ROLLOUT) {
      flag.set(mode);
      const before = await tally(store);
      const traffic = { invocations: perMode, label: `demo-${mode}`, seed: before.file };
      let failure: string | null = null;
      if (mode === 'dual-write') failure = await dualWriteWithLockedDatabase(store, traffic, whileLocked, paths.db);
      else await serveTraffic(store, traffic);
      await store.flush();
      await readEverything(store, traffic);
      const step = since(before, await tally(store));
      say(mode, `${describeTraffic(step)}; modeFor(session) now: ${await store.modeFor({ sessionId: traffic.label })}`);
      if (step.verify.compared + step.verify.skipped > 0) say('', describeVerification(step.verify));
      mismatches += step.verify.mismatched;
      if (mode === 'legacy') say('', 'the database is given these by the repair after dual-write');
      if (failure) {
        say('failure', failure);
        await repairStep(store, step, logged, say);
      }
      if (mode === 'db') {
        const back = await store.repair();
        say('', `repair gave the file the ${count(back.copied.legacy)} it lacked, so a step back loses nothing`);
      }
    }
    const owed = await store.journalDepth();
    const kept = await store.mismatches();
    for (const m of kept.slice(0, 5)) say('mismatch', describeMismatch(m));

    const report = await checkConsistency({ legacyFile: paths.legacy, timeZone }, store.db);
    const files = writeReportFiles(report, options.dir);
    say(
      'check',
      report.ok
        ? `consistent: ${count(report.compared)} invocations compared, only named quirks differ`
        : `NOT consistent: ${report.verdict}`,
      `owed ${owed}, mismatches kept ${kept.length}; the report follows (also in ${files.markdown})`,
    );
    io.out(`\n${report.toMarkdown()}`);
    io.out(await store.generateReport());
    say('files', `database:    ${db.path}`, `legacy file: ${paths.legacy}`, `report:      ${files.json}`);
    say('', `             ${files.markdown}`, `             ${files.html}`, `flag:        ${paths.flag}`);
    return report.ok && owed === 0 && mismatches === 0 && kept.length === 0 ? 0 : 1;
  } finally {
    await (store ?? db).close();
  }
}

type Say = ReturnType<typeof stepWriter>;

/**
 * Dual-write traffic whose last `whileLocked` invocations run while a second process holds the
 * database's write lock: every database write among them times out (a real SQLITE_BUSY), none of
 * the callers notices, and the dual store journals what the database is owed.
 */
async function dualWriteWithLockedDatabase(
  store: DualStore,
  traffic: Parameters<typeof serveTraffic>[1],
  whileLocked: number,
  dbPath: string,
): Promise<string> {
  await serveTraffic(store, { ...traffic, invocations: traffic.invocations - whileLocked });
  const holder = await holdWriteLock(dbPath);
  const before = await tally(store);
  try {
    await serveTraffic(store, { ...traffic, invocations: whileLocked, label: `${traffic.label}-locked` });
    await store.flush();
  } finally {
    await holder.release();
  }
  const step = since(before, await tally(store));
  return (
    `process ${holder.pid} held the database's write lock for the last ${whileLocked}: ` +
    `${count(step.secondaryFailures)} database writes timed out after ${BUSY_TIMEOUT_MS} ms; every call succeeded`
  );
}

/** What is owed after the failure, the guardrail if it tripped, the repair, and nothing owed after. */
async function repairStep(store: DualStore, step: Tally, logged: string[], say: Say): Promise<void> {
  const owed = await store.journalDepth();
  const sides = await tally(store);
  say(
    'owed',
    `${count(owed)} writes the database missed, in the repair journal (${count(step.secondaryFailures)} failures logged, e.g. "${logged[0] ?? 'none'}")`,
    `the file holds ${count(sides.file)} invocations, the database ${count(sides.database)}`,
  );
  const held = await store.guardrailState();
  const r = await store.repair();
  const after = await tally(store);
  say(
    'repair',
    `copied ${count(r.copied.db)} into the database and ${count(r.copied.legacy)} into the file, completed ${count(r.completed.db + r.completed.legacy)}, ` +
      `${count(r.conflicts.length)} conflicts, ${count(r.failed.length)} failed; ${count(r.journalCleared)} journal entries cleared`,
    `owed now ${await store.journalDepth()}; the file holds ${count(after.file)}, the database ${count(after.database)}`,
  );
  say(
    'guardrail',
    held
      ? `holding the rollout a step back since ${held.since}: ${held.reason} ${(held.rate * 100).toFixed(1)} % over ${(held.threshold * 100).toFixed(1)} %`
      : 'not holding: the failures stayed under its secondary-error threshold',
  );
}
