import type { SkillMetricsStore, TrackOptions } from '../contract/types.js';

/**
 * `store.track()` for any store: runs `fn` as one invocation. A resolved `fn` completes it; a
 * thrown error abandons it with `errorType` set to the error's name, and is rethrown as it was.
 */
export async function trackWith<T>(
  store: Pick<SkillMetricsStore, 'trackInvocation'>,
  skillName: string,
  fn: () => T | Promise<T>,
  options?: TrackOptions,
): Promise<T> {
  const handle = await store.trackInvocation(skillName, options);
  let result: T;
  try {
    result = await fn();
  } catch (error) {
    // The caller's error matters more than a failure to record it.
    await handle.complete({ completed: false, errorType: errorName(error) }).catch(() => {});
    throw error;
  }
  await handle.complete();
  return result;
}

function errorName(error: unknown): string {
  if (error instanceof Error) return error.name;
  return typeof error;
}
