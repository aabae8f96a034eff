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
  METRIC_PERCENTILES,
  type SkillTotals,
  toDurationPercentiles,
  toSkillMetrics,
} from './totals.js';

/**
 * What a database store writes when invocations finish, worked out from what it has stored: each
 * skill's new row (with its percentiles and sketch), what to add to each count by workflow path,
 * error type and follow-up action, to each session's and project's totals, and which timeline
 * buckets to sum again. Every write changes a bounded number of rows, however many keys a skill has.
 *
 * A skill's open hour is the latest hour, not after the clock, that its invocations started in. It
 * is not kept in the timeline tables: live writes land in it and cost the timeline nothing. An hour
 * is summed from the invocations once it closes (an invocation of a later hour arrives), or when an
 * invocation arrives late for it, or at once for an invocation dated in the future (which does not
 * move the open hour, so that one such invocation cannot make every later write sum an hour). An
 * hour that opens and was summed before (it was in the future then) loses its row. Each summed
 * hour's day is summed again from its hours, and both again over every skill.
 */

/** A skill as a database store keeps it: its scalar totals, the sketch of its durations, its open hour. */
export type StoredSkill = Omit<SkillTotals, 'workflowPaths' | 'commonErrors' | 'followUpActions'> & {
  durationSketch: Uint8Array | null;
  timelineOpenHour: string | null;
};

/** A skill's row to write. */
export type SkillRow = Omit<SkillMetrics, 'workflowPaths' | 'commonErrors' | 'followUpActions'> & {
  lastAggregatedAt: string;
  durationSketch: Uint8Array | null;
  timelineOpenHour: string | null;
};

/** A finished invocation with the context it counts in. */
export type FinishedEverywhere = FinishedInvocation & Pick<Invocation, 'skillName' | 'sessionId' | 'projectPath'>;

/** An amount to add to one of a skill's counts. */
export type CountDelta = readonly [skillName: string, key: string, by: number];

export interface TotalsUpdate {
  skills: SkillRow[];
  /** To add to the counts by workflow path; a path whose count was 0 goes into the search index. */
  paths: CountDelta[];
  errors: CountDelta[];
  actions: CountDelta[];
  /** To add to the stored session and project totals. */
  sessions: ContextTotals[];
  projects: ContextTotals[];
  /** (skill, hour) buckets that open again: their stored rows go, before any bucket is summed. */
  reopened: Array<readonly [string, string]>;
  /** (skill, hour) buckets to sum again from the skill's invocations, then (skill, day) from its hours. */
  hours: Array<readonly [string, string]>;
  days: Array<readonly [string, string]>;
  /** Hours, then days, to sum again over every skill. */
  allSkillHours: string[];
  allSkillDays: string[];
}

interface SkillEntry {
  /** The stored scalars plus this update's invocations; its count maps hold this update's additions. */
  totals: SkillTotals;
  sketch: DurationSketch;
  open: string | null;
  /**
   * The open hour's first 13 characters (`2026-11-26T10`), which every timestamp in it starts with;
   * '' when there is none, or when it is after the clock (the clock went back).
   */
  openPrefix: string;
  /** Hours to sum again from the invocations. */
  summed: Set<string>;
  /** The open hour before this update, to see whether it moved. */
  openBefore: string | null;
}

/** Works out a `TotalsUpdate`; `stored(name)` reads a skill as it is before the update. */
export function planUpdate(
  finished: Iterable<FinishedEverywhere>,
  stored: (skillName: string) => StoredSkill | undefined,
  now: string,
): TotalsUpdate {
  const nowHour = bucketStartOf(now);
  const entries = new Map<string, SkillEntry>();
  const sessions: ContextTotalsMap = new Map();
  const projects: ContextTotalsMap = new Map();
  for (const f of finished) {
    let entry = entries.get(f.skillName);
    if (!entry) {
      entry = skillEntry(f.skillName, stored(f.skillName), nowHour);
      entries.set(f.skillName, entry);
    }
    addFinished(entry.totals, f);
    if (f.completed && f.durationSeconds !== null) entry.sketch.add(f.durationSeconds);
    if (f.sessionId !== null) addToContext(sessions, f.sessionId, f.skillName, f);
    if (f.projectPath !== null) addToContext(projects, f.projectPath, f.skillName, f);
    // Most invocations start in their skill's open hour: that is seen without making the hour's text.
    if (entry.openPrefix !== '' && f.invokedAt.startsWith(entry.openPrefix)) continue;
    const hour = bucketStartOf(f.invokedAt);
    if (hour > nowHour) entry.summed.add(hour);
    else if (entry.open === null || hour > entry.open) {
      if (entry.open !== null) entry.summed.add(entry.open);
      entry.open = hour;
      entry.openPrefix = hour.slice(0, 13);
    } else entry.summed.add(hour);
  }

  const update: TotalsUpdate = {
    skills: [],
    paths: [],
    errors: [],
    actions: [],
    sessions: sessions.size > 0 ? [...contextTotalsOf(sessions)] : [],
    projects: projects.size > 0 ? [...contextTotalsOf(projects)] : [],
    reopened: [],
    hours: [],
    days: [],
    allSkillHours: [],
    allSkillDays: [],
  };
  const allHours = new Set<string>();
  for (const { totals: t, sketch, open, summed, openBefore } of entries.values()) {
    const name = t.skillName;
    update.skills.push(skillRowOf(t, sketch, open, now));
    for (const key in t.workflowPaths) update.paths.push([name, key, t.workflowPaths[key] as number]);
    for (const key in t.commonErrors) update.errors.push([name, key, t.commonErrors[key] as number]);
    for (const key in t.followUpActions) update.actions.push([name, key, t.followUpActions[key] as number]);
    const touched = [...summed];
    if (open !== null && open !== openBefore) {
      update.reopened.push([name, open]);
      touched.push(open);
    }
    let lastDay = '';
    for (const hour of touched.sort()) {
      if (hour !== open) update.hours.push([name, hour]);
      allHours.add(hour);
      const day = bucketStartOf(hour, 'day');
      if (day !== lastDay) update.days.push([name, day]);
      lastDay = day;
    }
  }
  if (allHours.size > 0) {
    update.allSkillHours = [...allHours].sort();
    update.allSkillDays = [...new Set(update.allSkillHours.map((hour) => bucketStartOf(hour, 'day')))];
  }
  return update;
}

/** A skill's row from its totals, the sketch of its completed durations and its open hour. */
export function skillRowOf(t: SkillTotals, sketch: DurationSketch, open: string | null, now: string): SkillRow {
  const metrics = toSkillMetrics(t, toDurationPercentiles(sketch.quantiles(METRIC_PERCENTILES)));
  // Added to the metrics object rather than spread into a new one: this runs on every write.
  return Object.assign(metrics, {
    lastAggregatedAt: now,
    durationSketch: sketch.count > 0 ? sketch.encode() : null,
    timelineOpenHour: open,
  });
}

function skillEntry(skillName: string, row: StoredSkill | undefined, nowHour: string): SkillEntry {
  const totals: SkillTotals = row
    ? {
        skillName,
        totalInvocations: row.totalInvocations,
        completedInvocations: row.completedInvocations,
        abandonedInvocations: row.abandonedInvocations,
        totalDurationSeconds: row.totalDurationSeconds,
        workflowPaths: {},
        commonErrors: {},
        followUpActions: {},
        firstInvoked: row.firstInvoked,
        lastInvoked: row.lastInvoked,
      }
    : emptyTotals(skillName);
  const open = row?.timelineOpenHour ?? null;
  return {
    totals,
    sketch: row?.durationSketch ? DurationSketch.decode(row.durationSketch) : new DurationSketch(),
    open,
    openPrefix: open !== null && open <= nowHour ? open.slice(0, 13) : '',
    summed: new Set(),
    openBefore: row?.timelineOpenHour ?? null,
  };
}
