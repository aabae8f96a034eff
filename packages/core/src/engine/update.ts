import { DurationSketch } from '../contract/sketch.js';
import type { Invocation, SkillMetrics } from '../contract/types.js';
import { bucketStartOf } from './timeline.js';
import {
  addFinished,
  addToContext,
  type ContextTotals,
  type ContextTotalsMap,
  contextTotalsOf,
  emptyTotals,
  type FinishedInvocation,
  increment,
  METRIC_PERCENTILES,
  type SkillTotals,
  toDurationPercentiles,
  toSkillMetrics,
} from './totals.js';

/**
 * What a database store writes when invocations finish, worked out from what it has stored: each
 * skill's new row (with its percentiles and sketch), the workflow paths seen for the first time,
 * what to add to each session's and project's totals, and which timeline buckets to sum again.
 *
 * A skill's latest hour — the hour of its `lastInvoked` — is its open hour, not kept in the timeline
 * tables: live writes land in it and cost the timeline nothing. An hour is summed from the
 * invocations once it closes (a later hour's invocation arrives) or when an invocation arrives late
 * for an earlier hour; its day is then summed from its hours, and both again over every skill.
 */

/** A skill as a database store keeps it: its totals and the sketch of its completed durations. */
export interface StoredSkill extends SkillTotals {
  durationSketch: Uint8Array | null;
}

/** A skill's row to write. */
export interface SkillRow extends SkillMetrics {
  lastAggregatedAt: string;
  durationSketch: Uint8Array | null;
}

/** A finished invocation with the context it counts in. */
export type FinishedEverywhere = FinishedInvocation & Pick<Invocation, 'skillName' | 'sessionId' | 'projectPath'>;

export interface TotalsUpdate {
  skills: SkillRow[];
  /** (skill, path) pairs no finished invocation had brought before: new in the search index. */
  newPaths: Array<readonly [string, string]>;
  /** To add to the stored session and project totals. */
  sessions: ContextTotals[];
  projects: ContextTotals[];
  /** (skill, hour) buckets to sum again from the skill's invocations, then (skill, day) from its hours. */
  hours: Array<readonly [string, string]>;
  days: Array<readonly [string, string]>;
  /** Hours, then days, to sum again over every skill. */
  allSkillHours: string[];
  allSkillDays: string[];
}

interface SkillEntry {
  totals: SkillTotals;
  sketch: DurationSketch;
  newPaths: string[];
  /** The hour of `lastInvoked` before this update. */
  openHour: string | null;
  /** The hours the update's invocations started in. */
  hours: Set<string>;
}

/** Works out a `TotalsUpdate`; `stored(name)` reads a skill as it is before the update. */
export function planUpdate(
  finished: Iterable<FinishedEverywhere>,
  stored: (skillName: string) => StoredSkill | undefined,
  now: string,
): TotalsUpdate {
  const entries = new Map<string, SkillEntry>();
  const sessions: ContextTotalsMap = new Map();
  const projects: ContextTotalsMap = new Map();
  for (const f of finished) {
    let entry = entries.get(f.skillName);
    if (!entry) {
      entry = skillEntry(f.skillName, stored(f.skillName));
      entries.set(f.skillName, entry);
    }
    const paths = entry.totals.workflowPaths;
    if (f.workflowPath !== null && !Object.hasOwn(paths, f.workflowPath)) {
      entry.newPaths.push(f.workflowPath);
      increment(paths, f.workflowPath, 0); // seen: later items of the batch are not new
    }
    addFinished(entry.totals, f);
    if (f.completed && f.durationSeconds !== null) entry.sketch.add(f.durationSeconds);
    if (f.sessionId !== null) addToContext(sessions, f.sessionId, f.skillName, f);
    if (f.projectPath !== null) addToContext(projects, f.projectPath, f.skillName, f);
    entry.hours.add(bucketStartOf(f.invokedAt));
  }

  const update: TotalsUpdate = {
    skills: [],
    newPaths: [],
    sessions: sessions.size > 0 ? [...contextTotalsOf(sessions)] : [],
    projects: projects.size > 0 ? [...contextTotalsOf(projects)] : [],
    hours: [],
    days: [],
    allSkillHours: [],
    allSkillDays: [],
  };
  for (const { totals, sketch, newPaths, openHour, hours } of entries.values()) {
    const row = toSkillMetrics(totals, toDurationPercentiles(sketch.quantiles(METRIC_PERCENTILES)));
    update.skills.push(
      Object.assign(row, { lastAggregatedAt: now, durationSketch: sketch.count > 0 ? sketch.encode() : null }),
    );
    for (const path of newPaths) update.newPaths.push([totals.skillName, path]);
    // Every hour before the open one that this update closed or reached back to.
    const openNow = bucketStartOf(totals.lastInvoked as string);
    if (openHour !== null) hours.add(openHour);
    let lastDay = '';
    for (const hour of [...hours].sort()) {
      if (hour >= openNow) break;
      update.hours.push([totals.skillName, hour]);
      const day = bucketStartOf(hour, 'day');
      if (day !== lastDay) update.days.push([totals.skillName, day]);
      lastDay = day;
    }
  }
  if (update.hours.length > 0) {
    update.allSkillHours = [...new Set(update.hours.map(([, hour]) => hour))];
    update.allSkillDays = [...new Set(update.days.map(([, day]) => day))];
  }
  return update;
}

function skillEntry(skillName: string, row: StoredSkill | undefined): SkillEntry {
  return {
    totals: row ?? emptyTotals(skillName),
    sketch: row?.durationSketch ? DurationSketch.decode(row.durationSketch) : new DurationSketch(),
    newPaths: [],
    openHour: row?.lastInvoked ? bucketStartOf(row.lastInvoked) : null,
    hours: new Set(),
  };
}
