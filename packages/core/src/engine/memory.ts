import { exactPercentiles } from '../contract/sketch.js';
import type { Invocation, TimelineBucket, WorkflowPathMatch } from '../contract/types.js';
import { byMatchRank, pathMatches, searchWords } from './search.js';
import { type TimelineRange, timelineFromInvocations } from './timeline.js';
import {
  addToContext,
  type ContextKind,
  type ContextTotals,
  type ContextTotalsMap,
  contextKeyOf,
  contextTotalsOf,
  type SkillTotals,
} from './totals.js';

/**
 * The analytics of a store that holds its invocations in memory (the legacy file's store), folded
 * from the finished invocations with the same functions a database store keeps its tables with.
 * Percentiles are exact. Each read is one pass over the invocations.
 */

/** Percentiles of the skill's completed durations, exact. */
export function durationPercentilesOf(
  finished: Iterable<Invocation>,
  skillName: string,
  qs: readonly number[],
): Array<number | null> {
  return exactPercentiles(completedDurations(finished, skillName), qs);
}

/** The completed durations of one skill (or, with null, of every skill). */
export function completedDurations(finished: Iterable<Invocation>, skillName: string | null): number[] {
  const durations: number[] = [];
  for (const inv of finished) {
    if (inv.completed && inv.durationSeconds !== null && (skillName === null || inv.skillName === skillName)) {
      durations.push(inv.durationSeconds);
    }
  }
  return durations;
}

export function timelineOf(
  finished: Iterable<Invocation>,
  skillName: string | null,
  range: TimelineRange,
): TimelineBucket[] {
  return timelineFromInvocations(range, skillName === null ? finished : ofSkill(finished, skillName));
}

function* ofSkill(invocations: Iterable<Invocation>, skillName: string): Generator<Invocation> {
  for (const inv of invocations) if (inv.skillName === skillName) yield inv;
}

export function contextTotalsOfKey(finished: Iterable<Invocation>, kind: ContextKind, key: string): ContextTotals[] {
  const totals: ContextTotalsMap = new Map();
  for (const inv of finished) if (contextKeyOf(inv, kind) === key) addToContext(totals, key, inv.skillName, inv);
  return [...contextTotalsOf(totals)];
}

/**
 * Workflow-path search over the skills' totals (their `workflowPaths` counts are the finished
 * invocations on each path). `wordsOf` caches each path's words between calls.
 */
export function searchPathsOf(
  skills: Iterable<SkillTotals>,
  words: readonly string[],
  limit: number,
  wordsOf: Map<string, string[]> = new Map(),
): WorkflowPathMatch[] {
  const matches: WorkflowPathMatch[] = [];
  for (const t of skills) {
    for (const [workflowPath, invocationCount] of Object.entries(t.workflowPaths)) {
      let pathWords = wordsOf.get(workflowPath);
      if (!pathWords) {
        pathWords = searchWords(workflowPath);
        wordsOf.set(workflowPath, pathWords);
      }
      if (pathMatches(pathWords, words)) matches.push({ skillName: t.skillName, workflowPath, invocationCount });
    }
  }
  return matches.sort(byMatchRank).slice(0, limit);
}
