import { formatEpochMs, type Invocation, timestampToEpochMs, toCanonicalTimestamp } from '@skill-metrics/core/contract';
import { increment } from '@skill-metrics/core/engine';
import { type LegacyIdentity, legacyInvocationId } from './ids.js';
import { toLegacyTimestamp } from './legacy-time.js';
import { cloneJson, defineKey, markFloat } from './pyjson.js';

/**
 * What the legacy file is made of, and the old tracker's rules for it. The tracker (crackerjack's
 * `skills/metrics.py`) wrote `json.dumps(data, indent=2)` of
 * `{ invocations: [...], skills: {...}, last_updated }`.
 */

/** One invocation as it is in the file (its keys are kept as they are, known or not). */
export type LegacyRawInvocation = Record<string, unknown>;
/** One entry of the `skills` section as it is in the file. */
export type LegacyRawSkill = Record<string, unknown>;

/** The keys the old tracker wrote for an invocation, in its order. */
export const INVOCATION_KEYS = [
  'skill_name',
  'invoked_at',
  'workflow_path',
  'completed',
  'duration_seconds',
  'follow_up_actions',
  'error_type',
] as const;

/** The keys the old tracker wrote for a skill, in its order; the last two are derived. */
export const SKILL_KEYS = [
  'skill_name',
  'total_invocations',
  'completed_invocations',
  'abandoned_invocations',
  'total_duration_seconds',
  'workflow_paths',
  'common_errors',
  'follow_up_actions',
  'first_invoked',
  'last_invoked',
  'completion_rate',
  'avg_duration_seconds',
] as const;

/** The root keys the old tracker wrote, in its order. */
export const ROOT_KEYS = ['invocations', 'skills', 'last_updated'] as const;

/**
 * Keys this store adds to an invocation when the contract needs them (a legacy-format extension):
 * `invocation_id` when the invocation's id is not the one derived from its place in the file,
 * `completed_at` when its completion time is not `invoked_at + duration_seconds`.
 */
export const EXTENSION_KEYS = ['invocation_id', 'completed_at'] as const;

/** Keys later trackers added that map onto contract fields. */
export const CONTEXT_KEYS = ['session_id', 'project_path', 'user_context'] as const;

const KNOWN_INVOCATION_KEYS: ReadonlySet<string> = new Set([...INVOCATION_KEYS, ...EXTENSION_KEYS]);
const KNOWN_SKILL_KEYS: ReadonlySet<string> = new Set(SKILL_KEYS);

/** Numbers the old tracker held as Python floats, written `0.0`, `5.0`, whatever their value. */
export const INVOCATION_FLOATS: ReadonlySet<string> = new Set(['duration_seconds']);
export const SKILL_FLOATS: ReadonlySet<string> = new Set([
  'total_duration_seconds',
  'completion_rate',
  'avg_duration_seconds',
]);

export function isKnownInvocationKey(key: string): boolean {
  return KNOWN_INVOCATION_KEYS.has(key);
}

export function isKnownSkillKey(key: string): boolean {
  return KNOWN_SKILL_KEYS.has(key);
}

// ---------------------------------------------------------------------------------------------
// Invocations

/** The id of the invocation at `ordinal`: its `invocation_id` when it has one, else the derived one. */
export function invocationIdOf(raw: LegacyRawInvocation, ordinal: number): string {
  const explicit = raw.invocation_id;
  return typeof explicit === 'string' && explicit.length > 0
    ? explicit
    : legacyInvocationId(raw as unknown as LegacyIdentity, ordinal);
}

/** `true` when the raw invocation is pending: not completed, no duration, no completion time. */
export function isPendingRaw(raw: LegacyRawInvocation): boolean {
  return raw.completed !== true && raw.duration_seconds == null && raw.completed_at == null;
}

/** The contract's view of an invocation of the file. */
export function toContractInvocation(
  raw: LegacyRawInvocation,
  id: string,
  timeZone: string,
  /** `invoked_at` already in canonical form, when the caller has it. */
  canonicalInvokedAt?: string,
): Invocation {
  const invokedAt =
    canonicalInvokedAt ?? toCanonicalTimestamp(raw.invoked_at, { naiveTimeZone: timeZone, field: 'invoked_at' });
  const completed = raw.completed === true;
  const durationSeconds = typeof raw.duration_seconds === 'number' ? raw.duration_seconds : null;
  const pending = isPendingRaw(raw);
  let completedAt: string | null = null;
  if (!pending) {
    completedAt =
      typeof raw.completed_at === 'string'
        ? toCanonicalTimestamp(raw.completed_at, { naiveTimeZone: timeZone, field: 'completed_at' })
        : formatEpochMs(timestampToEpochMs(invokedAt) + (durationSeconds ?? 0) * 1000);
  }
  const context = raw.user_context;
  return {
    id,
    skillName: raw.skill_name as string,
    invokedAt,
    workflowPath: typeof raw.workflow_path === 'string' ? raw.workflow_path : null,
    status: pending ? 'pending' : completed ? 'completed' : 'abandoned',
    completed,
    completedAt,
    durationSeconds,
    errorType: typeof raw.error_type === 'string' ? raw.error_type : null,
    followUpActions: Array.isArray(raw.follow_up_actions) ? [...(raw.follow_up_actions as string[])] : [],
    sessionId: typeof raw.session_id === 'string' ? raw.session_id : null,
    projectPath: typeof raw.project_path === 'string' ? raw.project_path : null,
    userContext:
      context !== null && typeof context === 'object' && !Array.isArray(context)
        ? cloneJson(context as Record<string, unknown>)
        : null,
  };
}

/** A bad value inside an invocation: where (relative to the invocation) and what is wrong. */

/** An invocation in the file's form: the old tracker's seven keys, then the context keys it has. */
export function toRaw(inv: Omit<Invocation, 'id' | 'completedAt'>, timeZone: string): LegacyRawInvocation {
  const raw: LegacyRawInvocation = {};
  defineKey(raw, 'skill_name', inv.skillName);
  raw.invoked_at = toLegacyTimestamp(inv.invokedAt, timeZone);
  raw.workflow_path = inv.workflowPath;
  raw.completed = inv.completed;
  raw.duration_seconds = inv.status === 'pending' ? null : inv.durationSeconds;
  raw.follow_up_actions = [...inv.followUpActions];
  raw.error_type = inv.errorType;
  if (inv.sessionId !== null) raw.session_id = inv.sessionId;
  if (inv.projectPath !== null) raw.project_path = inv.projectPath;
  // As JSON keeps it (what the database stores keep): no undefined, dates as text.
  if (inv.userContext !== null) raw.user_context = JSON.parse(JSON.stringify(inv.userContext));
  return raw;
}

/**
 * The `completed_at` to write for a finished invocation, or null when the file's own rule gives it:
 * `invoked_at + duration_seconds`. An abandoned invocation without a duration needs it, or it would
 * read back as pending.
 */
export function completedAtToWrite(inv: Invocation, given: boolean): string | null {
  if (inv.status === 'pending' || inv.completedAt === null) return null;
  if (!inv.completed && inv.durationSeconds === null) return inv.completedAt;
  if (!given) return null;
  const derived = formatEpochMs(timestampToEpochMs(inv.invokedAt) + (inv.durationSeconds ?? 0) * 1000);
  return derived === inv.completedAt ? null : inv.completedAt;
}

// ---------------------------------------------------------------------------------------------
// Skills

/** The `skills` entry the old tracker starts a skill with. */
export function newLegacySkill(skillName: string, firstInvoked: unknown): LegacyRawSkill {
  const skill: LegacyRawSkill = {};
  defineKey(skill, 'skill_name', skillName);
  skill.total_invocations = 0;
  skill.completed_invocations = 0;
  skill.abandoned_invocations = 0;
  skill.total_duration_seconds = 0;
  skill.workflow_paths = {};
  skill.common_errors = {};
  skill.follow_up_actions = {};
  skill.first_invoked = firstInvoked;
  skill.last_invoked = null;
  skill.completion_rate = 0;
  skill.avg_duration_seconds = 0;
  return skill;
}

function count(value: unknown): number {
  return typeof value === 'number' ? value : 0;
}

function counts(skill: LegacyRawSkill, key: string): Record<string, number> {
  const value = skill[key];
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, number>;
  const fresh: Record<string, number> = {};
  defineKey(skill, key, fresh);
  return fresh;
}

/** Adds one to `obj[key]` as Python's `d[k] = d.get(k, 0) + 1` does (new keys go last). */
function bump(obj: Record<string, number>, key: string): void {
  if (Object.hasOwn(obj, key)) increment(obj, key);
  else defineKey(obj, key, 1);
}

/**
 * Adds a finished invocation to its `skills` entry (in place) exactly as the old tracker's
 * `_update_aggregates` did, derived fields included: `first_invoked` is set when the entry is made
 * and `last_invoked` on every completion (completion order); a zero or missing duration adds
 * nothing; empty workflow paths and error types are not counted.
 */
export function addLegacyCompletion(skill: LegacyRawSkill, raw: LegacyRawInvocation): void {
  const total = count(skill.total_invocations) + 1;
  skill.total_invocations = total;
  skill.last_invoked = raw.invoked_at;
  if (raw.completed === true) {
    skill.completed_invocations = count(skill.completed_invocations) + 1;
    const duration = raw.duration_seconds;
    if (typeof duration === 'number' && duration !== 0) {
      skill.total_duration_seconds = count(skill.total_duration_seconds) + duration;
    }
  } else {
    skill.abandoned_invocations = count(skill.abandoned_invocations) + 1;
  }
  if (typeof raw.workflow_path === 'string' && raw.workflow_path !== '')
    bump(counts(skill, 'workflow_paths'), raw.workflow_path);
  if (typeof raw.error_type === 'string' && raw.error_type !== '') bump(counts(skill, 'common_errors'), raw.error_type);
  const actions = Array.isArray(raw.follow_up_actions) ? (raw.follow_up_actions as string[]) : [];
  const followUps = counts(skill, 'follow_up_actions');
  for (const action of actions) bump(followUps, action);
  refreshDerived(skill);
}

/**
 * Sets `completion_rate` and `avg_duration_seconds` from the skill's counters, as the old tracker's
 * `to_dict` did on every save. Returns false when they were already right.
 */
export function refreshDerived(skill: LegacyRawSkill): boolean {
  const total = count(skill.total_invocations);
  const completed = count(skill.completed_invocations);
  const rate = total === 0 ? 0 : (completed / total) * 100;
  const avg = completed === 0 ? 0 : count(skill.total_duration_seconds) / completed;
  if (skill.completion_rate === rate && skill.avg_duration_seconds === avg) return false;
  defineKey(skill, 'completion_rate', rate);
  defineKey(skill, 'avg_duration_seconds', avg);
  for (const k of SKILL_FLOATS) markFloat(skill, k);
  return true;
}
