import { describe, InvalidInputError } from '../contract/errors.js';
import { formatEpochMs, isTimestampInRange, timestampToEpochMs, toCanonicalTimestamp } from '../contract/time.js';
import type { TrackOptions } from '../contract/types.js';
import { checkJsonObject } from './json-value.js';
import type { CheckedInvocation } from './record.js';
import { checkWellFormed } from './text.js';

/**
 * Input checks shared by every store, so that they all reject the same things with the same
 * errors before touching storage. Every text must be well-formed Unicode; an options object may
 * hold only the options it has.
 */

/** The most ids one `getInvocations` call takes. */
export const MAX_IDS_PER_LOOKUP = 10_000;

/** The ids of a lookup: non-empty, well-formed strings, at most `MAX_IDS_PER_LOOKUP` of them. */
export function checkIds(value: unknown): readonly string[] {
  if (!Array.isArray(value)) throw new InvalidInputError('ids', `must be an array of ids, got ${describe(value)}`);
  if (value.length > MAX_IDS_PER_LOOKUP) {
    throw new InvalidInputError('ids', `holds ${value.length} ids; at most ${MAX_IDS_PER_LOOKUP} per call`);
  }
  for (let i = 0; i < value.length; i++) checkSkillName(value[i], `ids[${i}]`);
  return value as readonly string[];
}

export function checkSkillName(value: unknown, field = 'skillName'): string {
  if (typeof value !== 'string') throw new InvalidInputError(field, `must be a string, got ${describe(value)}`);
  if (value.length === 0) throw new InvalidInputError(field, 'must not be empty');
  return checkWellFormed(value, field);
}

export function checkText(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new InvalidInputError(field, `must be a string, got ${describe(value)}`);
  return checkWellFormed(value, field);
}

function optionalText(value: unknown, field: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new InvalidInputError(field, `must be a string or null, got ${describe(value)}`);
  return checkWellFormed(value, field);
}

function stringList(value: unknown, field: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new InvalidInputError(field, `must be an array of strings, got ${describe(value)}`);
  for (let i = 0; i < value.length; i++) checkText(value[i], `${field}[${i}]`);
  return value as string[];
}

/** An options object (`undefined` is none) holding only `known` keys. */
export function checkOptions(value: unknown, field: string, known: ReadonlySet<string>): Record<string, unknown> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidInputError(field, `must be an object, got ${describe(value)}`);
  }
  for (const key in value) {
    if (!known.has(key)) {
      const name = field === '' ? key : `${field}.${key}`;
      throw new InvalidInputError(
        name,
        `is not one of ${field === '' ? 'its fields' : 'the options'}: ${[...known].join(', ')}`,
      );
    }
  }
  return value as Record<string, unknown>;
}

export type CheckedTrackOptions = Required<{ [K in keyof TrackOptions]: NonNullable<TrackOptions[K]> | null }>;

const TRACK_OPTIONS: ReadonlySet<string> = new Set(['workflowPath', 'sessionId', 'projectPath', 'userContext']);

export function checkTrackOptions(value: unknown): CheckedTrackOptions {
  const o = checkOptions(value, 'options', TRACK_OPTIONS);
  return {
    workflowPath: optionalText(o.workflowPath, 'workflowPath'),
    sessionId: optionalText(o.sessionId, 'sessionId'),
    projectPath: optionalText(o.projectPath, 'projectPath'),
    userContext: o.userContext == null ? null : checkJsonObject(o.userContext, 'userContext'),
  };
}

export interface CheckedCompleteOptions {
  completed: boolean;
  followUpActions: string[];
  errorType: string | null;
}

const COMPLETE_OPTIONS: ReadonlySet<string> = new Set(['completed', 'followUpActions', 'errorType']);

export function checkCompleteOptions(value: unknown): CheckedCompleteOptions {
  const o = checkOptions(value, 'options', COMPLETE_OPTIONS);
  if (o.completed !== undefined && typeof o.completed !== 'boolean') {
    throw new InvalidInputError('completed', `must be a boolean, got ${describe(o.completed)}`);
  }
  return {
    completed: o.completed ?? true,
    followUpActions: stringList(o.followUpActions, 'followUpActions'),
    errorType: optionalText(o.errorType, 'errorType'),
  };
}

const COMPLETE_BY_ID_OPTIONS: ReadonlySet<string> = new Set([...COMPLETE_OPTIONS, 'completedAt', 'durationSeconds']);

/**
 * The options of `completeInvocation`, checked; what it gives works out the outcome against the
 * stored pending invocation: `completedAt` (default: `nowMs`) not before its start, and the
 * duration (default: the span) not longer than the span.
 */
export function checkCompleteById(
  value: unknown,
  nowMs: number,
): (stored: { invokedAt: string }) => CheckedCompleteOptions & { completedAt: string; durationSeconds: number } {
  const o = checkOptions(value, 'options', COMPLETE_BY_ID_OPTIONS);
  const outcome = checkCompleteOptions({
    completed: o.completed,
    followUpActions: o.followUpActions,
    errorType: o.errorType,
  });
  const completedAt =
    o.completedAt === undefined ? formatEpochMs(nowMs) : toCanonicalTimestamp(o.completedAt, { field: 'completedAt' });
  const given = checkDuration(o.durationSeconds);
  return (stored) => {
    const spanSeconds = (timestampToEpochMs(completedAt) - timestampToEpochMs(stored.invokedAt)) / 1000;
    if (spanSeconds < 0)
      throw new InvalidInputError('completedAt', `must not be before invokedAt (${stored.invokedAt})`);
    const durationSeconds = given ?? spanSeconds;
    if (durationSeconds > spanSeconds + DURATION_SLACK_SECONDS) {
      throw new InvalidInputError(
        'durationSeconds',
        `is ${durationSeconds} s, longer than the ${spanSeconds} s since invokedAt`,
      );
    }
    return { ...outcome, completedAt, durationSeconds };
  };
}

/** The longest duration accepted: far beyond any run, well inside what a timestamp can hold. */
export const MAX_DURATION_SECONDS = 1e9;

/** How far a recorded duration may exceed its wall-clock span (`completedAt - invokedAt`): clocks are adjusted. */
export const DURATION_SLACK_SECONDS = 1;

export function checkDuration(value: unknown, field = 'durationSeconds', negativeAllowed = false): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidInputError(field, `must be a finite number or null, got ${describe(value)}`);
  }
  if (value < 0 && !negativeAllowed) throw new InvalidInputError(field, `must not be negative, got ${value}`);
  if (Math.abs(value) > MAX_DURATION_SECONDS) {
    throw new InvalidInputError(
      field,
      `must be at most ${MAX_DURATION_SECONDS} seconds (about 31 years), got ${value}`,
    );
  }
  return value;
}

const RECORD_OPTIONS: ReadonlySet<string> = new Set(['legacyQuirks']);

/** The options of `recordInvocation(s)`, checked: whether the old tracker's quirks are kept. */
export function checkRecordOptions(value: unknown): { legacyQuirks: boolean } {
  const o = checkOptions(value, 'options', RECORD_OPTIONS);
  if (o.legacyQuirks !== undefined && typeof o.legacyQuirks !== 'boolean') {
    throw new InvalidInputError('legacyQuirks', `must be a boolean, got ${describe(o.legacyQuirks)}`);
  }
  return { legacyQuirks: o.legacyQuirks === true };
}

/**
 * Checks an invocation to import and returns it complete and canonical: timestamps in canonical
 * form, and `status` and `completedAt` settled. A finished invocation without `completedAt` is
 * given `invokedAt + durationSeconds`. Errors name the field under `label` (`invocations[3]`, given
 * as the index in a batch). With `legacyQuirks` the old tracker's odd values are kept (see
 * `RecordOptions`); every type and text is checked all the same.
 */
export function checkInvocationInput(
  value: unknown,
  label: string | number = 'invocation',
  legacyQuirks = false,
): CheckedInvocation {
  try {
    return checkInvocation(value, legacyQuirks);
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    const where = typeof label === 'number' ? `invocations[${label}]` : label;
    throw new InvalidInputError(error.field === '' ? where : `${where}.${error.field}`, error.problem);
  }
}

/** The fields of an invocation; `status` is allowed (an `Invocation` read from a store) and ignored: it is derived. */
const INVOCATION_FIELDS: ReadonlySet<string> = new Set([
  'id',
  'skillName',
  'invokedAt',
  'workflowPath',
  'status',
  'completed',
  'completedAt',
  'durationSeconds',
  'errorType',
  'followUpActions',
  'sessionId',
  'projectPath',
  'userContext',
]);

function checkInvocation(value: unknown, legacyQuirks: boolean): CheckedInvocation {
  if (value === undefined) throw new InvalidInputError('', 'must be an invocation, got nothing');
  const o = checkOptions(value, '', INVOCATION_FIELDS);
  if (typeof o.id !== 'string' || o.id.length === 0) {
    throw new InvalidInputError('id', `must be a non-empty string, got ${describe(o.id)}`);
  }
  checkWellFormed(o.id, 'id');
  const skillName = legacyQuirks ? checkText(o.skillName, 'skillName') : checkSkillName(o.skillName);
  const invokedAt = toCanonicalTimestamp(o.invokedAt, { field: 'invokedAt' });
  if (typeof o.completed !== 'boolean') {
    throw new InvalidInputError('completed', `must be a boolean, got ${describe(o.completed)}`);
  }
  const durationSeconds = checkDuration(o.durationSeconds, 'durationSeconds', legacyQuirks);
  const completedAtGiven = o.completedAt !== undefined && o.completedAt !== null;
  let completedAt = completedAtGiven ? toCanonicalTimestamp(o.completedAt, { field: 'completedAt' }) : null;
  const pending = !o.completed && durationSeconds === null && completedAt === null;
  if (completedAt !== null) {
    // The old tracker's times need not fit; a live caller's must.
    if (!legacyQuirks) checkSpan(invokedAt, completedAt, durationSeconds);
  } else if (!pending) {
    const endMs = timestampToEpochMs(invokedAt) + (durationSeconds ?? 0) * 1000;
    if (!isTimestampInRange(endMs)) {
      throw new InvalidInputError('durationSeconds', `ends the invocation outside 0001–9999 (${durationSeconds} s)`);
    }
    completedAt = formatEpochMs(endMs);
  }
  const followUpActions = stringList(o.followUpActions, 'followUpActions');
  const errorType = optionalText(o.errorType, 'errorType');
  if (pending && !legacyQuirks && (followUpActions.length > 0 || errorType !== null)) {
    throw new InvalidInputError(
      'completed',
      'is false with no duration or completedAt (pending), but an outcome is given',
    );
  }
  const status = pending ? 'pending' : o.completed ? 'completed' : 'abandoned';
  return {
    id: o.id,
    skillName,
    invokedAt,
    workflowPath: optionalText(o.workflowPath, 'workflowPath'),
    status,
    completed: o.completed,
    completedAt,
    durationSeconds,
    errorType,
    followUpActions,
    sessionId: optionalText(o.sessionId, 'sessionId'),
    projectPath: optionalText(o.projectPath, 'projectPath'),
    userContext: o.userContext == null ? null : checkJsonObject(o.userContext, 'userContext'),
    completedAtGiven,
  };
}

/** Checks that an invocation ends after it starts, and lasts no longer than from start to end. */
function checkSpan(invokedAt: string, completedAt: string, durationSeconds: number | null): void {
  const spanSeconds = (timestampToEpochMs(completedAt) - timestampToEpochMs(invokedAt)) / 1000;
  if (spanSeconds < 0) throw new InvalidInputError('completedAt', `must not be before invokedAt (${invokedAt})`);
  if (durationSeconds !== null && durationSeconds > spanSeconds + DURATION_SLACK_SECONDS) {
    throw new InvalidInputError(
      'durationSeconds',
      `is ${durationSeconds} s, longer than the ${spanSeconds} s from invokedAt to completedAt`,
    );
  }
}

/** Checks a batch for `recordInvocations`: every invocation checked, errors naming `invocations[i]`. */
export function checkInvocationBatch(invocations: unknown, legacyQuirks = false): CheckedInvocation[] {
  if (invocations === null || typeof (invocations as Iterable<unknown>)?.[Symbol.iterator] !== 'function') {
    throw new InvalidInputError('invocations', `must be an iterable of invocations, got ${describe(invocations)}`);
  }
  if (typeof invocations === 'string')
    throw new InvalidInputError('invocations', 'must be an iterable of invocations, got a string');
  const batch: CheckedInvocation[] = [];
  for (const item of invocations as Iterable<unknown>)
    batch.push(checkInvocationInput(item, batch.length, legacyQuirks));
  return batch;
}
