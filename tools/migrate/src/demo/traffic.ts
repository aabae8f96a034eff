import { renameSync, writeFileSync } from 'node:fs';
import {
  type DualLogger,
  type DualStore,
  FLAG_FILE_ENV,
  STORAGE_MODES,
  type StorageMode,
  StorageModeProvider,
  type VerifyStats,
} from '@skill-metrics/dual';
import { count } from '../commands/backfill-summary.js';
import { ERRORS, FOLLOW_UPS, SKILLS, skillAt } from './catalog.js';
import { Dice } from './random.js';

/**
 * The rollout flag of the demo: the built-in provider reading a flag file of shares, as a deployment
 * would use it, with every share given to the step's mode and the file read again on each change.
 */
export class RolloutFlag {
  readonly provider: StorageModeProvider;

  constructor(
    readonly path: string,
    logger: DualLogger,
  ) {
    this.provider = new StorageModeProvider({ env: { [FLAG_FILE_ENV]: path }, recheckMs: 0, logger });
  }

  /** Gives `mode` every share (written whole, then renamed, so no reader sees half a file). */
  set(mode: StorageMode): void {
    writeFileSync(`${this.path}.tmp`, `${JSON.stringify({ [mode]: 100 })}\n`);
    renameSync(`${this.path}.tmp`, this.path);
  }
}

/** Where the dual store's invocations went, and what it compared, up to a moment. */
export interface Tally {
  started: Record<StorageMode, number>;
  file: number;
  database: number;
  secondaryFailures: number;
  verify: VerifyStats;
}

/** The tally now, once the writes queued for a secondary have been made. */
export async function tally(store: DualStore): Promise<Tally> {
  await store.flush();
  const stats = store.stats();
  return {
    started: stats.started,
    file: await store.legacy.countInvocations(),
    database: await store.db.countInvocations(),
    secondaryFailures: stats.secondaryFailures,
    verify: stats.verify,
  };
}

/** What happened between two tallies. */
export function since(before: Tally, after: Tally): Tally {
  const minus = <K extends string>(a: Record<K, number>, b: Record<K, number>) =>
    Object.fromEntries(Object.keys(a).map((k) => [k, a[k as K] - b[k as K]])) as Record<K, number>;
  return {
    started: minus(after.started, before.started),
    file: after.file - before.file,
    database: after.database - before.database,
    secondaryFailures: after.secondaryFailures - before.secondaryFailures,
    verify: minus(after.verify, before.verify),
  };
}

/** One line: how many started in which mode, and what each side gained. */
export function describeTraffic(step: Tally): string {
  const modes = STORAGE_MODES.filter((m) => step.started[m] > 0).map((m) => `${count(step.started[m])} ${m}`);
  return `${modes.join(', ')} → the file +${count(step.file)}, the database +${count(step.database)}`;
}

/** One line on the shadow reads: how many were compared and what they found. */
export function describeVerification(v: VerifyStats): string {
  return (
    `${count(v.compared)} reads also asked of the other side: ${count(v.matched)} matched, ${count(v.mismatched)} mismatches ` +
    `(${v.raced} raced a write, ${v.unsettled} unsettled, ${v.timedOut} timed out, ${v.failed} failed, ${v.skipped} skipped)`
  );
}

export interface TrafficOptions {
  /** Invocations in all. */
  invocations: number;
  /** Sessions running at once, each its own run of invocations. @default 4 */
  sessions?: number;
  /** Names the sessions (`<label>-<n>`). */
  label: string;
  seed: number;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Serves traffic through the dual store: a few sessions at once, each tracking and completing its
 * skills one after another (some abandoned with an error), each call in the mode the flag gives its
 * session.
 */
export async function serveTraffic(store: DualStore, options: TrafficOptions): Promise<void> {
  const sessions = options.sessions ?? 4;
  const projectPath = process.cwd();
  await Promise.all(
    Array.from({ length: sessions }, async (_, k) => {
      const dice = new Dice(options.seed * 31 + k);
      const sessionId = `${options.label}-${k}`;
      const runs = Math.floor(options.invocations / sessions) + (k < options.invocations % sessions ? 1 : 0);
      for (let i = 0; i < runs; i++) {
        const skill = skillAt(dice.next());
        const handle = await store.trackInvocation(skill.name, {
          workflowPath: dice.pick(skill.workflowPaths),
          sessionId,
          projectPath,
        });
        await pause(dice.int(0, 2)); // the skill's work
        if (dice.chance(skill.failure)) await handle.complete({ completed: false, errorType: dice.pick(ERRORS) });
        else await handle.complete({ followUpActions: FOLLOW_UPS.filter(() => dice.chance(0.2)) });
      }
    }),
  );
}

/**
 * Reads as a dashboard makes them: the summary, every skill's figures, each session's. Made once a
 * step's writes are in: while writes keep coming, a shadow read can see the two sides at different
 * writes even after its one re-read, and count that race as a mismatch.
 */
export async function readEverything(store: DualStore, options: TrafficOptions): Promise<void> {
  const reads: Array<() => Promise<unknown>> = [() => store.getSummary(), () => store.getAllMetrics()];
  for (const skill of SKILLS) {
    reads.push(() => store.getSkillMetrics(skill.name));
    reads.push(() => store.getDurationPercentiles(skill.name, [0.5, 0.95, 0.99]));
  }
  for (let k = 0; k < (options.sessions ?? 4); k++) reads.push(() => store.getSessionSkills(`${options.label}-${k}`));
  for (const read of reads) {
    await read();
    await store.flush(); // its comparison done before the next read, so none is skipped at the cap
  }
}
