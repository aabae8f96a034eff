import type {
  ContextSkillFigures,
  Invocation,
  MetricsSummary,
  ProjectMetrics,
  SkillMetrics,
} from '../contract/types.js';
import { compareText } from './text.js';

/**
 * How finished invocations add up. Every store folds with these functions — into a skill's totals,
 * a session's or project's, or a timeline bucket's — so that "completion rate" or "average
 * duration" mean the same thing everywhere. A total is the additive part that is stored; the
 * rates and averages are derived from it when it is read.
 */

/** What a finished invocation brings to every total it belongs to. */
export type FinishedInvocation = Pick<
  Invocation,
  'invokedAt' | 'workflowPath' | 'completed' | 'durationSeconds' | 'errorType' | 'followUpActions'
>;

/** The stored, additive part of a skill's metrics; the rest is derived from it. */
export type SkillTotals = Pick<
  SkillMetrics,
  | 'skillName'
  | 'totalInvocations'
  | 'completedInvocations'
  | 'abandonedInvocations'
  | 'totalDurationSeconds'
  | 'workflowPaths'
  | 'commonErrors'
  | 'followUpActions'
  | 'firstInvoked'
  | 'lastInvoked'
>;

export function emptyTotals(skillName: string): SkillTotals {
  return {
    skillName,
    totalInvocations: 0,
    completedInvocations: 0,
    abandonedInvocations: 0,
    totalDurationSeconds: 0,
    workflowPaths: {},
    commonErrors: {},
    followUpActions: {},
    firstInvoked: null,
    lastInvoked: null,
  };
}

/** A copy whose count objects can be changed without touching the original's. */
export function copyTotals(t: SkillTotals): SkillTotals {
  return {
    ...t,
    workflowPaths: { ...t.workflowPaths },
    commonErrors: { ...t.commonErrors },
    followUpActions: { ...t.followUpActions },
  };
}

/**
 * Adds `by` to `counts[key]`. Keys are arbitrary text, `__proto__` included, so they are defined
 * as own properties rather than assigned.
 */
export function increment(counts: Record<string, number>, key: string, by = 1): void {
  if (Object.hasOwn(counts, key)) counts[key] = (counts[key] as number) + by;
  else Object.defineProperty(counts, key, { value: by, writable: true, enumerable: true, configurable: true });
}

/** The duration a finished invocation adds to a total: completed ones only, nothing for null. */
export function countedDuration(inv: Pick<Invocation, 'completed' | 'durationSeconds'>): number {
  return inv.completed && inv.durationSeconds ? inv.durationSeconds : 0;
}

/** Adds a finished invocation to a skill's totals (in place). */
export function addFinished(totals: SkillTotals, inv: FinishedInvocation): SkillTotals {
  addCounts(totals, inv);
  addSpan(totals, inv.invokedAt);
  return totals;
}

/** The additive part of `addFinished`: counts, durations and keys, not first/last. */
export function addCounts(totals: SkillTotals, inv: Omit<FinishedInvocation, 'invokedAt'>): void {
  totals.totalInvocations += 1;
  if (inv.completed) totals.completedInvocations += 1;
  else totals.abandonedInvocations += 1;
  totals.totalDurationSeconds += countedDuration(inv);
  if (inv.workflowPath !== null) increment(totals.workflowPaths, inv.workflowPath);
  if (inv.errorType !== null) increment(totals.commonErrors, inv.errorType);
  for (const action of inv.followUpActions) increment(totals.followUpActions, action);
}

/** Widens `firstInvoked`/`lastInvoked` to take in `invokedAt` (canonical). */
export function addSpan(totals: Pick<SkillTotals, 'firstInvoked' | 'lastInvoked'>, invokedAt: string): void {
  if (totals.firstInvoked === null || invokedAt < totals.firstInvoked) totals.firstInvoked = invokedAt;
  if (totals.lastInvoked === null || invokedAt > totals.lastInvoked) totals.lastInvoked = invokedAt;
}

export function completionRate(completed: number, total: number): number {
  return total === 0 ? 0 : (completed / total) * 100;
}

export function averageDuration(totalDurationSeconds: number, completed: number): number {
  return completed === 0 ? 0 : totalDurationSeconds / completed;
}

/** The percentiles every skill's metrics carry. */
export const METRIC_PERCENTILES = [0.5, 0.95, 0.99] as const;

export interface DurationPercentiles {
  p50DurationSeconds: number | null;
  p95DurationSeconds: number | null;
  p99DurationSeconds: number | null;
}

export const NO_PERCENTILES: DurationPercentiles = Object.freeze({
  p50DurationSeconds: null,
  p95DurationSeconds: null,
  p99DurationSeconds: null,
});

/** p50, p95 and p99 from percentiles computed at `METRIC_PERCENTILES`, in that order. */
export function toDurationPercentiles(values: ReadonlyArray<number | null | undefined>): DurationPercentiles {
  return {
    p50DurationSeconds: values[0] ?? null,
    p95DurationSeconds: values[1] ?? null,
    p99DurationSeconds: values[2] ?? null,
  };
}

export function toSkillMetrics(t: SkillTotals, percentiles: DurationPercentiles = NO_PERCENTILES): SkillMetrics {
  // Spelled out rather than spread: this runs on every read, and spreads are several times slower.
  return {
    skillName: t.skillName,
    totalInvocations: t.totalInvocations,
    completedInvocations: t.completedInvocations,
    abandonedInvocations: t.abandonedInvocations,
    totalDurationSeconds: t.totalDurationSeconds,
    workflowPaths: t.workflowPaths,
    commonErrors: t.commonErrors,
    followUpActions: t.followUpActions,
    firstInvoked: t.firstInvoked,
    lastInvoked: t.lastInvoked,
    completionRate: completionRate(t.completedInvocations, t.totalInvocations),
    avgDurationSeconds: averageDuration(t.totalDurationSeconds, t.completedInvocations),
    p50DurationSeconds: percentiles.p50DurationSeconds,
    p95DurationSeconds: percentiles.p95DurationSeconds,
    p99DurationSeconds: percentiles.p99DurationSeconds,
  };
}

/** Orders skills most used first, ties by name in code-point order, so every store lists them alike. */
export function byUsage(a: { skillName: string; totalInvocations: number }, b: typeof a): number {
  return b.totalInvocations - a.totalInvocations || compareText(a.skillName, b.skillName);
}

export type SummaryInput = Pick<
  SkillTotals,
  'skillName' | 'totalInvocations' | 'completedInvocations' | 'totalDurationSeconds'
>;

/** The summary over skills already in `byUsage` order. */
export function summarize(skills: readonly SummaryInput[]): MetricsSummary {
  let total = 0;
  let completed = 0;
  let duration = 0;
  for (const s of skills) {
    total += s.totalInvocations;
    completed += s.completedInvocations;
    duration += s.totalDurationSeconds;
  }
  const top = skills[0];
  return {
    totalSkills: skills.length,
    totalInvocations: total,
    overallCompletionRate: completionRate(completed, total),
    mostUsedSkill: top?.skillName ?? null,
    mostUsedCount: top?.totalInvocations ?? 0,
    avgDurationSeconds: averageDuration(duration, completed),
    skillsByUsage: skills.map((s) => [s.skillName, s.totalInvocations]),
  };
}

// ---------------------------------------------------------------------------------------------
// Sessions and projects

/** Which context a total is kept for. */
export type ContextKind = 'session' | 'project';

/** The additive totals of one skill in one session or project (`contextKey`). */
export interface ContextTotals {
  contextKey: string;
  skillName: string;
  invocationCount: number;
  completedCount: number;
  abandonedCount: number;
  totalDurationSeconds: number;
  firstInvoked: string;
  lastInvoked: string;
}

/** The context an invocation counts in, or null when it names none. */
export function contextKeyOf(inv: Pick<Invocation, 'sessionId' | 'projectPath'>, kind: ContextKind): string | null {
  return kind === 'session' ? inv.sessionId : inv.projectPath;
}

/** Context totals by context key, then skill: what one write adds to each. */
export type ContextTotalsMap = Map<string, Map<string, ContextTotals>>;

/** Adds a finished invocation of `skillName` to its totals in context `contextKey` (made on first use). */
export function addToContext(
  into: ContextTotalsMap,
  contextKey: string,
  skillName: string,
  inv: FinishedInvocation,
): void {
  let bySkill = into.get(contextKey);
  if (!bySkill) {
    bySkill = new Map();
    into.set(contextKey, bySkill);
  }
  let t = bySkill.get(skillName);
  if (!t) {
    t = {
      contextKey,
      skillName,
      invocationCount: 0,
      completedCount: 0,
      abandonedCount: 0,
      totalDurationSeconds: 0,
      firstInvoked: inv.invokedAt,
      lastInvoked: inv.invokedAt,
    };
    bySkill.set(skillName, t);
  }
  t.invocationCount += 1;
  if (inv.completed) t.completedCount += 1;
  else t.abandonedCount += 1;
  t.totalDurationSeconds += countedDuration(inv);
  if (inv.invokedAt < t.firstInvoked) t.firstInvoked = inv.invokedAt;
  if (inv.invokedAt > t.lastInvoked) t.lastInvoked = inv.invokedAt;
}

/** Every total of a `ContextTotalsMap`. */
export function* contextTotalsOf(map: ContextTotalsMap): Generator<ContextTotals> {
  for (const bySkill of map.values()) yield* bySkill.values();
}

/** One skill's totals in a context, as a store reads them back. */
export type ContextSkillTotals = Omit<ContextTotals, 'contextKey' | 'firstInvoked' | 'lastInvoked'> & {
  firstInvoked: string | null;
  lastInvoked: string | null;
};

/** Most used first, ties by skill name. */
export function byContextUsage(a: ContextSkillTotals, b: ContextSkillTotals): number {
  return b.invocationCount - a.invocationCount || compareText(a.skillName, b.skillName);
}

export function toContextFigures(t: ContextSkillTotals): ContextSkillFigures {
  return {
    skillName: t.skillName,
    invocationCount: t.invocationCount,
    completedCount: t.completedCount,
    abandonedCount: t.abandonedCount,
    totalDurationSeconds: t.totalDurationSeconds,
    completionRate: completionRate(t.completedCount, t.invocationCount),
    avgDurationSeconds: averageDuration(t.totalDurationSeconds, t.completedCount),
    firstInvoked: t.firstInvoked,
    lastInvoked: t.lastInvoked,
  };
}

/** A project's metrics from its skills' figures (most used first), or null when it has none. */
export function toProjectMetrics(projectPath: string, skills: ContextSkillFigures[]): ProjectMetrics | null {
  if (skills.length === 0) return null;
  let total = 0;
  let completed = 0;
  let duration = 0;
  let first: string | null = null;
  let last: string | null = null;
  for (const s of skills) {
    total += s.invocationCount;
    completed += s.completedCount;
    duration += s.totalDurationSeconds;
    if (s.firstInvoked !== null && (first === null || s.firstInvoked < first)) first = s.firstInvoked;
    if (s.lastInvoked !== null && (last === null || s.lastInvoked > last)) last = s.lastInvoked;
  }
  return {
    projectPath,
    totalInvocations: total,
    completedInvocations: completed,
    abandonedInvocations: total - completed,
    totalDurationSeconds: duration,
    completionRate: completionRate(completed, total),
    avgDurationSeconds: averageDuration(duration, completed),
    firstInvoked: first,
    lastInvoked: last,
    skills,
  };
}
