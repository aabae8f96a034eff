import { describe } from '@skill-metrics/core/contract';
import type { SkillTotals } from '@skill-metrics/core/engine';
import { isKnownSkillKey, type LegacyRawSkill, SKILL_KEYS } from '../format.js';
import type { LegacyTimeReader } from '../legacy-time.js';
import { keysOf } from '../pyjson.js';
import type { QuirkCollector } from '../quirks.js';
import { Located } from './window.js';

/**
 * The `skills` section: the old tracker's counters, checked for the types it wrote and kept as
 * written; then, once the list has been read, held against the figures of the list itself.
 */

const COUNTERS = [
  'total_invocations',
  'completed_invocations',
  'abandoned_invocations',
  'total_duration_seconds',
  'completion_rate',
  'avg_duration_seconds',
] as const;
const COUNTS = ['workflow_paths', 'common_errors', 'follow_up_actions'] as const;

/** Checks the section read at `offset` and returns its skills in file order. */
export function readSkills(
  value: unknown,
  offset: number,
  times: LegacyTimeReader,
  quirks: QuirkCollector,
): Map<string, LegacyRawSkill> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Located(`must be an object, got ${describe(value)}`, offset, 'skills');
  }
  const skills = new Map<string, LegacyRawSkill>();
  for (const name of keysOf(value)) {
    const skill = (value as Record<string, unknown>)[name];
    const path = `skills[${JSON.stringify(name)}]`;
    const fail = (key: string | null, problem: string): never => {
      throw new Located(problem, offset, key === null ? path : `${path}.${key}`);
    };
    if (skill === null || typeof skill !== 'object' || Array.isArray(skill)) {
      fail(null, `must be an object, got ${describe(skill)}`);
    }
    const s = skill as LegacyRawSkill;
    if (s.skill_name !== undefined && typeof s.skill_name !== 'string') {
      fail('skill_name', `must be a string, got ${describe(s.skill_name)}`);
    }
    for (const key of COUNTERS) {
      if (s[key] !== undefined && typeof s[key] !== 'number') fail(key, `must be a number, got ${describe(s[key])}`);
    }
    for (const key of COUNTS) {
      const counts = s[key];
      if (counts === undefined) continue;
      if (counts === null || typeof counts !== 'object' || Array.isArray(counts)) {
        fail(key, `must be an object of counts, got ${describe(counts)}`);
      }
      for (const k of Object.keys(counts as object)) {
        const n = (counts as Record<string, unknown>)[k];
        if (typeof n !== 'number') fail(`${key}[${JSON.stringify(k)}]`, `must be a number, got ${describe(n)}`);
      }
    }
    for (const key of ['first_invoked', 'last_invoked']) {
      const t = s[key];
      if (t === undefined || t === null) continue;
      if (typeof t !== 'string' || Number.isNaN(times.epochMicros(t))) {
        fail(key, `must be an ISO-8601 time or null, got ${describe(t)}`);
      }
    }
    const keys = keysOf(s);
    const extra = keys.filter((k) => !isKnownSkillKey(k));
    if (extra.length > 0) quirks.skill('extra-skill-keys', name, 1, extra);
    const missing = SKILL_KEYS.filter((k) => s[k] === undefined);
    if (missing.length > 0) quirks.skill('missing-skill-keys', name, 1, missing);
    skills.set(name, s);
  }
  return skills;
}

/**
 * Names every way the stored counters differ from the figures of the invocation list (`totals`,
 * each finished invocation counted once, first/last the earliest/latest start).
 */
export function reconcile(
  skills: ReadonlyMap<string, LegacyRawSkill>,
  totals: ReadonlyMap<string, SkillTotals>,
  times: LegacyTimeReader,
  quirks: QuirkCollector,
): void {
  for (const [name, raw] of skills) {
    const t = totals.get(name);
    const stored = numberOr(raw.total_invocations, 0);
    if (!t) {
      if (stored !== 0) quirks.skill('aggregate-mismatch', name);
      continue;
    }
    const extra = stored - t.totalInvocations;
    let mismatch = false;
    if (extra > 0) quirks.skill('double-completion', name, extra);
    else if (extra < 0) mismatch = true;
    else {
      mismatch =
        numberOr(raw.completed_invocations, 0) !== t.completedInvocations ||
        numberOr(raw.abandoned_invocations, 0) !== t.abandonedInvocations ||
        !closeEnough(numberOr(raw.total_duration_seconds, 0), t.totalDurationSeconds) ||
        !sameCounts(raw.workflow_paths, t.workflowPaths, true) ||
        !sameCounts(raw.common_errors, t.commonErrors, true) ||
        !sameCounts(raw.follow_up_actions, t.followUpActions, false);
    }
    const completed = numberOr(raw.completed_invocations, 0);
    const rate = stored === 0 ? 0 : (completed / stored) * 100;
    const avg = completed === 0 ? 0 : numberOr(raw.total_duration_seconds, 0) / completed;
    if (
      (raw.completion_rate !== undefined && !closeEnough(raw.completion_rate as number, rate)) ||
      (raw.avg_duration_seconds !== undefined && !closeEnough(raw.avg_duration_seconds as number, avg))
    ) {
      mismatch = true;
    }
    if (mismatch) quirks.skill('aggregate-mismatch', name);
    const first = typeof raw.first_invoked === 'string' ? times.canonical(raw.first_invoked) : null;
    const last = typeof raw.last_invoked === 'string' ? times.canonical(raw.last_invoked) : null;
    if (first !== t.firstInvoked || last !== t.lastInvoked) quirks.skill('completion-order-first-last', name);
  }
  for (const name of totals.keys()) {
    if (!skills.has(name)) quirks.skill('aggregate-mismatch', name);
  }
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' ? value : fallback;
}

function closeEnough(a: number, b: number): boolean {
  return a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

/** Equal counts; the old tracker never counted an empty workflow path or error type (`skipEmpty`). */
function sameCounts(stored: unknown, computed: Record<string, number>, skipEmpty: boolean): boolean {
  const s = (stored ?? {}) as Record<string, number>;
  const sk = Object.keys(s).filter((k) => !(skipEmpty && k === ''));
  const ck = Object.keys(computed).filter((k) => !(skipEmpty && k === ''));
  if (sk.length !== ck.length) return false;
  return ck.every((k) => Object.hasOwn(s, k) && s[k] === computed[k]);
}
