import { InvalidInputError, type SkillMetricsError } from '../contract/errors.js';
import type { InvocationHandle, SkillMetricsStore, TrackOptions } from '../contract/types.js';
import { isWellFormed } from './text.js';

/** Where a failure to record goes when `track()` keeps it from the caller. */
export type TrackErrorHandler = (error: SkillMetricsError, skillName: string) => void;

/** The default `onError`: one warning line on stderr. */
export const warnOnce: TrackErrorHandler = (error, skillName) => {
  process.emitWarning(`could not record ${JSON.stringify(skillName)}: ${error.message}`, { code: error.code });
};

/**
 * `store.track()`: runs `fn` as one invocation. A resolved `fn` completes it; a thrown error abandons
 * it with `errorType` set to the error's name, and is rethrown as it was. Metrics never break the
 * work they measure: when the invocation cannot be recorded (the storage fails, the store is
 * closed), `fn` still runs, its result or error is what the caller gets, and the failure goes to
 * `onError`. Only a bad argument — `fn` not a function, a bad name or option — rejects, before `fn`
 * runs.
 */
export async function trackWith<T>(
  store: Pick<SkillMetricsStore, 'trackInvocation'>,
  onError: TrackErrorHandler,
  skillName: string,
  fn: () => T | Promise<T>,
  options?: TrackOptions,
): Promise<T> {
  if (typeof fn !== 'function') throw new InvalidInputError('fn', 'must be a function');
  let handle: InvocationHandle | null = null;
  try {
    handle = await store.trackInvocation(skillName, options);
  } catch (error) {
    if (error instanceof InvalidInputError) throw error;
    onError(error as SkillMetricsError, skillName);
  }
  const finish = async (outcome?: { completed: false; errorType: string }) => {
    await handle?.complete(outcome).catch((error: unknown) => onError(error as SkillMetricsError, skillName));
  };
  let result: T;
  try {
    result = await fn();
  } catch (error) {
    await finish({ completed: false, errorType: errorName(error) });
    throw error;
  }
  await finish();
  return result;
}

/** What a thrown value is called: its `name`, else its constructor's, else `Error` (or its type). */
export function errorName(error: unknown): string {
  if (error === null || typeof error !== 'object') return typeof error;
  const { name } = error as { name?: unknown };
  if (typeof name === 'string' && name.length > 0 && isWellFormed(name)) return name;
  const constructorName = (error as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof constructorName === 'string' && constructorName.length > 0 ? constructorName : 'Error';
}
