import { writeFileSync } from 'node:fs';
import {
  addLegacyCompletion,
  type LegacyRawInvocation,
  type LegacyRawSkill,
  legacyFileChunks,
  newLegacySkill,
  toLegacyTimestamp,
} from '@skill-metrics/json-legacy';
import { ERRORS, FOLLOW_UPS, QUERIES, skillAt } from './catalog.js';
import { Dice } from './random.js';

export interface LegacyFileOptions {
  /** Where to write it; it must not exist yet. */
  path: string;
  /** The zone the old tracker's naive local times are written in. */
  timeZone: string;
  /** The history covers the `days` whole UTC days before the one this instant (epoch ms) is in. */
  endMs: number;
  /** @default 21 */
  days?: number;
  /** @default 20261126 */
  seed?: number;
}

/** What was written, with how many of each of the old tracker's quirks. */
export interface LegacyFileSummary {
  path: string;
  invocations: number;
  pending: number;
  abandoned: number;
  skills: number;
  sessions: number;
  days: number;
  /** Completions the skills section counts twice (a completer called twice). */
  doubleCompletions: number;
  zeroDurations: number;
  nullDurations: number;
  /** `invoked_at` written with `+00:00` (the later tracker's aware UTC times). */
  offsetTimes: number;
  /** `invoked_at` on a whole second, which Python writes without a fraction. */
  wholeSecondTimes: number;
  /** Invocations with keys the old tracker did not write (`session_id`, `user_query`). */
  withExtraKeys: number;
}

/** One run as the tracker saw it: its entry, when it started and when its completer ran (µs). */
interface Run {
  raw: LegacyRawInvocation;
  startUs: number;
  completions: number[];
}

const DAY_MS = 86_400_000;

/** Canonical UTC text of an instant in microseconds. */
function canonical(us: number): string {
  const micros = String(us % 1_000_000).padStart(6, '0');
  return `${new Date(Math.floor(us / 1000)).toISOString().slice(0, 19)}.${micros}Z`;
}

/** `invoked_at` as the tracker wrote it: naive local time, or aware UTC (`+00:00`) for the later one. */
function trackerTime(us: number, timeZone: string, aware: boolean): string {
  const text = canonical(us);
  if (!aware) return toLegacyTimestamp(text, timeZone);
  const fraction = text.slice(20, 26) === '000000' ? '' : text.slice(19, 26);
  return `${text.slice(0, 19)}${fraction}+00:00`;
}

/**
 * Writes a legacy `skill_metrics.json` as the old tracker left it after a few weeks of use: sessions
 * of overlapping runs (so its skills section follows completion order), abandoned runs with errors,
 * follow-up actions, runs never finished, a completer called twice, durations of 0 and null, times
 * on a whole second, and, in the last part, a later tracker's `session_id`, `user_query` and
 * `+00:00` times. The skills section is built by json-legacy's own rules of the old tracker, and the
 * text by its writer, so the file is byte for byte what that tracker wrote. Deterministic per seed.
 */
export function writeLegacyFile(options: LegacyFileOptions): LegacyFileSummary {
  const days = options.days ?? 21;
  const dice = new Dice(options.seed ?? 20261126);
  const firstDayMs = Math.floor(options.endMs / DAY_MS) * DAY_MS - days * DAY_MS;
  const summary: LegacyFileSummary = {
    path: options.path,
    invocations: 0,
    pending: 0,
    abandoned: 0,
    skills: 0,
    sessions: 0,
    days,
    doubleCompletions: 0,
    zeroDurations: 0,
    nullDurations: 0,
    offsetTimes: 0,
    wholeSecondTimes: 0,
    withExtraKeys: 0,
  };
  const runs: Run[] = [];
  for (let day = 0; day < days; day++) {
    const laterTracker = day >= Math.floor(days * 0.6);
    const aware = day >= days - 4;
    const sessionsToday = dice.int(2, 4);
    for (let s = 0; s < sessionsToday; s++) {
      summary.sessions++;
      const sessionId = `sess-${day.toString().padStart(2, '0')}-${s}`;
      let cursorUs = (firstDayMs + day * DAY_MS + dice.int(8 * 3600, 17 * 3600) * 1000) * 1000 + dice.int(0, 999_999);
      const length = dice.int(25, 70);
      for (let i = 0; i < length; i++) {
        const skill = skillAt(dice.next());
        if (dice.chance(0.015)) {
          cursorUs -= cursorUs % 1_000_000; // Python leaves the fraction out of such a time
          summary.wholeSecondTimes++;
        }
        const raw: LegacyRawInvocation = {
          skill_name: skill.name,
          invoked_at: trackerTime(cursorUs, options.timeZone, aware),
          workflow_path: dice.chance(0.1) ? null : dice.pick(skill.workflowPaths),
          completed: false,
          duration_seconds: null,
          follow_up_actions: [],
          error_type: null,
        };
        if (aware) summary.offsetTimes++;
        if (laterTracker) {
          raw.session_id = sessionId;
          if (dice.chance(0.5)) raw.user_query = dice.pick(QUERIES);
          summary.withExtraKeys++;
        }
        const durationUs = Math.max(1, Math.round(dice.around(skill.seconds) * 1e6));
        const run: Run = { raw, startUs: cursorUs, completions: [] };
        runs.push(run);
        if (dice.chance(0.01)) summary.pending++;
        else {
          run.completions.push(cursorUs + durationUs);
          if (dice.chance(skill.failure)) {
            raw.duration_seconds = durationUs / 1e6;
            raw.error_type = dice.pick(ERRORS);
            if (dice.chance(0.3)) raw.follow_up_actions = ['rerun tests'];
            summary.abandoned++;
          } else {
            raw.completed = true;
            raw.follow_up_actions = FOLLOW_UPS.filter(() => dice.chance(0.2));
            if (dice.chance(0.005)) {
              raw.duration_seconds = 0; // a run that finished within the clock's tick
              summary.zeroDurations++;
            } else if (dice.chance(0.002)) {
              summary.nullDurations++; // a completer that never set the duration
            } else raw.duration_seconds = durationUs / 1e6;
          }
        }
        // Runs overlap: the next one often starts before this one ends.
        cursorUs += Math.round((5 + dice.around(skill.seconds * 0.7)) * 1e6);
      }
    }
  }
  // A completer called twice: the second call counted the run again, a second and a half later.
  for (let doubled = 0; doubled < 2; ) {
    const run = dice.pick(runs);
    if (run.raw.completed !== true || run.completions.length !== 1) continue;
    run.completions.push((run.completions[0] as number) + 1_500_000);
    summary.doubleCompletions++;
    doubled++;
  }

  // The skills section, updated on every completion in completion order, as the tracker did.
  const events = runs
    .flatMap((run) => run.completions.map((at) => ({ at, run })))
    .sort((a, b) => a.at - b.at || a.run.startUs - b.run.startUs);
  const skills = new Map<string, LegacyRawSkill>();
  for (const { run } of events) {
    const name = run.raw.skill_name as string;
    let skill = skills.get(name);
    if (!skill) {
      skill = newLegacySkill(name, run.raw.invoked_at);
      skills.set(name, skill);
    }
    addLegacyCompletion(skill, run.raw);
  }
  const lastEvent = events.at(-1);
  const lastUpdated = trackerTime(lastEvent ? lastEvent.at : firstDayMs * 1000, options.timeZone, true);
  // The list is in start order (each run was appended when it started).
  const invocations = runs.sort((a, b) => a.startUs - b.startUs).map((run) => run.raw);
  const text = [...legacyFileChunks({ root: [], invocations, skills }, lastUpdated)].join('');
  writeFileSync(options.path, text, { flag: 'wx' });
  summary.invocations = invocations.length;
  summary.skills = skills.size;
  return summary;
}
