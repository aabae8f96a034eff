import { describe, InvalidInputError } from '../contract/errors.js';
import { formatEpochMs, timestampToEpochMs, toCanonicalTimestamp } from '../contract/time.js';
import type { TrackOptions } from '../contract/types.js';
import type { CheckedInvocation } from './record.js';

/**
 * Input checks shared by every store, so that they all reject the same things with the same
 * errors before touching storage.
 */

export function checkSkillName(value: unknown, field = 'skillName'): string {
  if (typeof value !== 'string') throw new InvalidInputError(field, `must be a string, got ${describe(value)}`);
  if (value.length === 0) throw new InvalidInputError(field, 'must not be empty');
  return value;
}

function optionalText(value: unknown, field: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new InvalidInputError(field, `must be a string or null, got ${describe(value)}`);
  return value;
}

function optionalObject(value: unknown, field: string): Record<string, unknown> | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidInputError(field, `must be a plain object or null, got ${describe(value)}`);
  }
  try {
    JSON.stringify(value);
  } catch (error) {
    throw new InvalidInputError(field, `must be JSON-serialisable (${(error as Error).message})`);
  }
  return value as Record<string, unknown>;
}

function stringList(value: unknown, field: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new InvalidInputError(field, `must be an array of strings, got ${describe(value)}`);
  for (let i = 0; i < value.length; i++) {
    if (typeof value[i] !== 'string') {
      throw new InvalidInputError(`${field}[${i}]`, `must be a string, got ${describe(value[i])}`);
    }
  }
  return value as string[];
}

function optionsObject(value: unknown, field: string): Record<string, unknown> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidInputError(field, `must be an object, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

export type CheckedTrackOptions = Required<{ [K in keyof TrackOptions]: NonNullable<TrackOptions[K]> | null }>;

export function checkTrackOptions(value: unknown): CheckedTrackOptions {
  const o = optionsObject(value, 'options');
  return {
    workflowPath: optionalText(o.workflowPath, 'workflowPath'),
    sessionId: optionalText(o.sessionId, 'sessionId'),
    projectPath: optionalText(o.projectPath, 'projectPath'),
    userContext: optionalObject(o.userContext, 'userContext'),
  };
}

export interface CheckedCompleteOptions {
  completed: boolean;
  followUpActions: string[];
  errorType: string | null;
}

export function checkCompleteOptions(value: unknown): CheckedCompleteOptions {
  const o = optionsObject(value, 'options');
  if (o.completed !== undefined && typeof o.completed !== 'boolean') {
    throw new InvalidInputError('completed', `must be a boolean, got ${describe(o.completed)}`);
  }
  return {
    completed: o.completed ?? true,
    followUpActions: stringList(o.followUpActions, 'followUpActions'),
    errorType: optionalText(o.errorType, 'errorType'),
  };
}

/** The longest duration accepted: far beyond any run, well inside what a timestamp can hold. */
export const MAX_DURATION_SECONDS = 1e9;

export function checkDuration(value: unknown, field = 'durationSeconds'): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidInputError(field, `must be a finite number or null, got ${describe(value)}`);
  }
  if (value < 0) throw new InvalidInputError(field, `must not be negative, got ${value}`);
  if (value > MAX_DURATION_SECONDS) {
    throw new InvalidInputError(
      field,
      `must be at most ${MAX_DURATION_SECONDS} seconds (about 31 years), got ${value}`,
    );
  }
  return value;
}

/**
 * Checks an invocation to import and returns it complete and canonical: timestamps in canonical
 * form, and `status` and `completedAt` settled. A finished invocation without `completedAt` is
 * given `invokedAt + durationSeconds`. Errors name the field under `label` (`invocations[3]`, given
 * as the index in a batch).
 */
export function checkInvocationInput(value: unknown, label: string | number = 'invocation'): CheckedInvocation {
  try {
    return checkInvocation(value);
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    const where = typeof label === 'number' ? `invocations[${label}]` : label;
    throw new InvalidInputError(error.field === '' ? where : `${where}.${error.field}`, error.problem);
  }
}

function checkInvocation(value: unknown): CheckedInvocation {
  const o = optionsObject(value, '');
  if (typeof o.id !== 'string' || o.id.length === 0) {
    throw new InvalidInputError('id', `must be a non-empty string, got ${describe(o.id)}`);
  }
  const skillName = checkSkillName(o.skillName);
  const invokedAt = toCanonicalTimestamp(o.invokedAt, { field: 'invokedAt' });
  if (typeof o.completed !== 'boolean') {
    throw new InvalidInputError('completed', `must be a boolean, got ${describe(o.completed)}`);
  }
  const durationSeconds = checkDuration(o.durationSeconds);
  const completedAtGiven = o.completedAt !== undefined && o.completedAt !== null;
  let completedAt = completedAtGiven ? toCanonicalTimestamp(o.completedAt, { field: 'completedAt' }) : null;
  const pending = !o.completed && durationSeconds === null && completedAt === null;
  if (!pending && completedAt === null) {
    completedAt = formatEpochMs(timestampToEpochMs(invokedAt) + (durationSeconds ?? 0) * 1000);
  }
  const followUpActions = stringList(o.followUpActions, 'followUpActions');
  const errorType = optionalText(o.errorType, 'errorType');
  if (pending && (followUpActions.length > 0 || errorType !== null)) {
    throw new InvalidInputError(
      'completed',
      'is false with no duration or completedAt (pending), but an outcome is given',
    );
  }
  return {
    id: o.id,
    skillName,
    invokedAt,
    workflowPath: optionalText(o.workflowPath, 'workflowPath'),
    status: pending ? 'pending' : o.completed ? 'completed' : 'abandoned',
    completed: o.completed,
    completedAt,
    durationSeconds,
    errorType,
    followUpActions,
    sessionId: optionalText(o.sessionId, 'sessionId'),
    projectPath: optionalText(o.projectPath, 'projectPath'),
    userContext: optionalObject(o.userContext, 'userContext'),
    completedAtGiven,
  };
}

/** Checks a batch for `recordInvocations`: every invocation checked, errors naming `invocations[i]`. */
export function checkInvocationBatch(invocations: unknown): CheckedInvocation[] {
  if (invocations === null || typeof (invocations as Iterable<unknown>)?.[Symbol.iterator] !== 'function') {
    throw new InvalidInputError('invocations', 'must be an iterable of invocations');
  }
  const batch: CheckedInvocation[] = [];
  for (const item of invocations as Iterable<unknown>) batch.push(checkInvocationInput(item, batch.length));
  return batch;
}
