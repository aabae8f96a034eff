import type { Invocation, MetricsSummary, SkillMetrics } from './types.js';

/**
 * How finished invocations add up into a skill's figures. Every store folds with these functions,
 * so that "completion rate" or "average duration" mean the same thing everywhere.
 */

/** The stored, additive part of a skill's figures; the rest is derived from it. */
export interface SkillTotals {
  skillName: string;
  totalInvocations: number;
  completedInvocations: number;
  abandonedInvocations: number;
  totalDurationSeconds: number;
  workflowPaths: Record<string, number>;
  commonErrors: Record<string, number>;
  followUpActions: Record<string, number>;
  firstInvoked: string | null;
  lastInvoked: string | null;
}

export type FinishedInvocation = Pick<
  Invocation,
  'invokedAt' | 'workflowPath' | 'completed' | 'durationSeconds' | 'errorType' | 'followUpActions'
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

/**
 * Adds one to `counts[key]`. Keys are arbitrary text, `__proto__` included, so they are defined
 * as own properties rather than assigned.
 */
export function increment(counts: Record<string, number>, key: string, by = 1): void {
  if (Object.hasOwn(counts, key)) counts[key] = (counts[key] as number) + by;
  else Object.defineProperty(counts, key, { value: by, writable: true, enumerable: true, configurable: true });
}

/** Adds a finished invocation to `totals` (in place). Durations count for completed ones only. */
export function addFinished(totals: SkillTotals, inv: FinishedInvocation): SkillTotals {
  totals.totalInvocations += 1;
  if (inv.completed) {
    totals.completedInvocations += 1;
    if (inv.durationSeconds) totals.totalDurationSeconds += inv.durationSeconds;
  } else {
    totals.abandonedInvocations += 1;
  }
  if (inv.workflowPath !== null) increment(totals.workflowPaths, inv.workflowPath);
  if (inv.errorType !== null) increment(totals.commonErrors, inv.errorType);
  for (const action of inv.followUpActions) increment(totals.followUpActions, action);
  if (totals.firstInvoked === null || inv.invokedAt < totals.firstInvoked) totals.firstInvoked = inv.invokedAt;
  if (totals.lastInvoked === null || inv.invokedAt > totals.lastInvoked) totals.lastInvoked = inv.invokedAt;
  return totals;
}

export function completionRate(completed: number, total: number): number {
  return total === 0 ? 0 : (completed / total) * 100;
}

export function averageDuration(totalDurationSeconds: number, completed: number): number {
  return completed === 0 ? 0 : totalDurationSeconds / completed;
}

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

/** Orders skills most used first, ties by name, so every store lists them alike. */
export function byUsage(a: { skillName: string; totalInvocations: number }, b: typeof a): number {
  return (
    b.totalInvocations - a.totalInvocations || (a.skillName < b.skillName ? -1 : a.skillName > b.skillName ? 1 : 0)
  );
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
