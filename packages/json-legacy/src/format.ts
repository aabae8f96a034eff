import {
  formatEpochMs,
  InvalidInputError,
  type Invocation,
  increment,
  type LegacyIdentity,
  legacyInvocationId,
  timestampToEpochMs,
  toCanonicalTimestamp,
  wallClock,
} from '@skill-metrics/core/contract';
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
// Time

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Checks that `timeZone` is an IANA zone this runtime knows. */
export function checkTimeZone(timeZone: unknown): string {
  if (typeof timeZone !== 'string' || timeZone.length === 0) {
    throw new InvalidInputError('timeZone', `must be an IANA time zone name, got ${JSON.stringify(timeZone)}`);
  }
  wallClock(0, timeZone);
  return timeZone;
}

/**
 * A canonical UTC timestamp as the old tracker wrote times: `datetime.now().isoformat()`, naive local
 * time in `timeZone`, with the fraction left out when the microseconds are zero. A local time that
 * does not name one instant (the repeated hour when clocks go back) is written with its UTC offset
 * instead (`2026-11-01T01:30:00-04:00`), which Python's `fromisoformat` reads too.
 */
export function toLegacyTimestamp(canonical: string, timeZone: string): string {
  const micros = canonical.slice(20, 26);
  const epochSeconds = Math.floor(timestampToEpochMs(`${canonical.slice(0, 19)}.000000Z`) / 1000);
  const [y, mo, d, h, mi, s] = wallClock(epochSeconds * 1000, timeZone);
  const wall = `${pad(y, 4)}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(s)}`;
  const fraction = micros === '000000' ? '' : `.${micros}`;
  const naive = `${wall}${fraction}`;
  if (toCanonicalTimestamp(naive, { naiveTimeZone: timeZone }) === canonical) return naive;
  const offsetMin = Math.round((Date.UTC(y, mo - 1, d, h, mi, s) / 1000 - epochSeconds) / 60);
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  return `${naive}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digit(s: string, i: number): number {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : Number.NaN;
}

/** Epoch ms of the date and hour at the start of `text` read as UTC, or -1 when they are not valid. */
function localHourMs(text: string): number {
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 84) return -1;
  const y = digit(text, 0) * 1000 + digit(text, 1) * 100 + digit(text, 2) * 10 + digit(text, 3);
  const mo = digit(text, 5) * 10 + digit(text, 6);
  const d = digit(text, 8) * 10 + digit(text, 9);
  const h = digit(text, 11) * 10 + digit(text, 12);
  // Date.UTC reads years 0–99 as 1900–1999; those (and any NaN) go the slow way.
  if (!(y >= 100 && mo >= 1 && mo <= 12 && d >= 1 && h <= 23)) return -1;
  const leap = mo === 2 && y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  if (d > (DAYS_IN_MONTH[mo - 1] as number) + (leap ? 1 : 0)) return -1;
  return Date.UTC(y, mo - 1, d, h);
}

/**
 * Reads legacy times into epoch microseconds, fast, for sorting and comparing a million of them.
 * Gives exactly what `toCanonicalTimestamp(text, { naiveTimeZone })` gives (the common forms are
 * parsed here, the rest handed to it), or NaN for what it rejects.
 */
export class LegacyTimeReader {
  readonly timeZone: string;
  /** Zone offset by local hour (`localHourMs`), as toCanonicalTimestamp caches it. */
  readonly #offsets = new Map<number, number>();
  /** `YYYY-MM-DDTHH` → epoch ms of that hour read as UTC, or -1 when it is not a valid date and hour. */
  readonly #hours = new Map<string, number>();

  constructor(timeZone: string) {
    this.timeZone = timeZone;
  }

  /** Epoch microseconds of a legacy time, or NaN when it is not one. */
  epochMicros(text: string): number {
    const n = text.length;
    if (n < 19 || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return this.#slow(text);
    // The date and hour (`2026-03-01T12`) repeat for thousands of invocations: parse and check them once.
    const prefix = text.slice(0, 13);
    let hour = this.#hours.get(prefix);
    if (hour === undefined) {
      hour = localHourMs(text);
      this.#hours.set(prefix, hour);
    }
    const mi = digit(text, 14) * 10 + digit(text, 15);
    const s = digit(text, 17) * 10 + digit(text, 18);
    // NaN (a non-digit) fails every comparison and goes the slow way.
    if (!(hour >= 0 && mi <= 59 && s <= 59)) return this.#slow(text);
    let i = 19;
    let micros = 0;
    if (i < n && text.charCodeAt(i) === 46) {
      let scale = 100000;
      i++;
      const from = i;
      for (; i < n; i++) {
        const c = text.charCodeAt(i) - 48;
        if (c < 0 || c > 9) break;
        micros += c * scale;
        scale /= 10;
      }
      if (i === from || i - from > 9) return this.#slow(text);
      micros = Math.floor(micros + 1e-6);
    }
    const localMs = hour + mi * 60_000 + s * 1000;
    let utcMs: number;
    if (i === n) {
      let offset = this.#offsets.get(hour);
      if (offset === undefined) {
        const canonical = this.#canonical(text);
        if (canonical === null) return Number.NaN;
        offset = localMs - Date.parse(`${canonical.slice(0, 19)}Z`);
        this.#offsets.set(hour, offset);
      }
      utcMs = localMs - offset;
    } else {
      const c = text.charCodeAt(i);
      if ((c === 90 || c === 122) && i + 1 === n) utcMs = localMs;
      else if ((c === 43 || c === 45) && n - i === 6 && text.charCodeAt(i + 3) === 58) {
        const oh = digit(text, i + 1) * 10 + digit(text, i + 2);
        const om = digit(text, i + 4) * 10 + digit(text, i + 5);
        if (Number.isNaN(oh) || Number.isNaN(om)) return Number.NaN;
        utcMs = localMs - (c === 45 ? -1 : 1) * (oh * 60 + om) * 60_000;
      } else {
        return this.#slow(text);
      }
    }
    return utcMs * 1000 + micros;
  }

  /** The canonical form (`…Z`, six fractional digits), or null when `text` is not a time. */
  canonical(text: string): string | null {
    const micros = this.epochMicros(text);
    return Number.isNaN(micros) ? null : formatEpochMs(micros / 1000);
  }

  #canonical(text: string): string | null {
    try {
      return toCanonicalTimestamp(text, { naiveTimeZone: this.timeZone });
    } catch {
      return null;
    }
  }

  #slow(text: string): number {
    const canonical = this.#canonical(text);
    if (canonical === null) return Number.NaN;
    const micros = Math.round(timestampToEpochMs(canonical) * 1000);
    // toCanonicalTimestamp passes text already in canonical form through unchecked (`…T24:00:00.000000Z`).
    return formatEpochMs(micros / 1000) === canonical ? micros : Number.NaN;
  }
}

/** `true` when a legacy time carries a UTC offset or `Z` (later trackers wrote `+00:00`). */
export function hasOffset(text: string): boolean {
  return /(?:[zZ]|[+-]\d\d(?::?\d\d)?)$/.test(text.slice(19));
}

/** `true` when a legacy time has no fractional seconds (Python leaves them out when they are zero). */
export function hasNoFraction(text: string): boolean {
  const c = text.charCodeAt(19);
  return c !== 46 && c !== 44;
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
export interface ShapeProblem {
  key: string;
  problem: string;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}

/**
 * The first value of the wrong type in a raw invocation, or null. The old tracker's dataclass needs
 * `skill_name` and `invoked_at`; the rest have defaults.
 */
export function invocationShapeProblem(raw: LegacyRawInvocation, times: LegacyTimeReader): ShapeProblem | null {
  const name = raw.skill_name;
  if (typeof name !== 'string') {
    return {
      key: 'skill_name',
      problem: `must be a string, got ${name === undefined ? 'nothing' : describeValue(name)}`,
    };
  }
  const at = raw.invoked_at;
  if (typeof at !== 'string') {
    return { key: 'invoked_at', problem: `must be a string, got ${at === undefined ? 'nothing' : describeValue(at)}` };
  }
  if (Number.isNaN(times.epochMicros(at))) {
    return { key: 'invoked_at', problem: `is not an ISO-8601 time: ${JSON.stringify(at)}` };
  }
  const wp = raw.workflow_path;
  if (wp != null && typeof wp !== 'string') {
    return { key: 'workflow_path', problem: `must be a string or null, got ${describeValue(wp)}` };
  }
  const completed = raw.completed;
  if (completed !== undefined && typeof completed !== 'boolean') {
    return { key: 'completed', problem: `must be true or false, got ${describeValue(completed)}` };
  }
  const duration = raw.duration_seconds;
  if (duration != null && typeof duration !== 'number') {
    return { key: 'duration_seconds', problem: `must be a number or null, got ${describeValue(duration)}` };
  }
  const actions = raw.follow_up_actions;
  if (actions != null) {
    if (!Array.isArray(actions)) {
      return { key: 'follow_up_actions', problem: `must be a list of strings, got ${describeValue(actions)}` };
    }
    for (let i = 0; i < actions.length; i++) {
      if (typeof actions[i] !== 'string') {
        return { key: `follow_up_actions[${i}]`, problem: `must be a string, got ${describeValue(actions[i])}` };
      }
    }
  }
  const error = raw.error_type;
  if (error != null && typeof error !== 'string') {
    return { key: 'error_type', problem: `must be a string or null, got ${describeValue(error)}` };
  }
  const id = raw.invocation_id;
  if (id !== undefined && (typeof id !== 'string' || id.length === 0)) {
    return { key: 'invocation_id', problem: `must be a non-empty string, got ${describeValue(id)}` };
  }
  const completedAt = raw.completed_at;
  if (completedAt != null && (typeof completedAt !== 'string' || Number.isNaN(times.epochMicros(completedAt)))) {
    return { key: 'completed_at', problem: `must be an ISO-8601 time or null, got ${describeValue(completedAt)}` };
  }
  return null;
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
