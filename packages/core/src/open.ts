import type { InvocationHandle, TrackOptions } from './contract/types.js';
import { SqliteStore, type SqliteStoreOptions } from './sqlite/store.js';

export type OpenStoreOptions = SqliteStoreOptions;

/** Opens (creating and migrating if needed) the store at `options.path`. */
export async function openStore(options: OpenStoreOptions = {}): Promise<SqliteStore> {
  return new SqliteStore(options);
}

let shared: Promise<SqliteStore> | undefined;

/**
 * The process-wide store, opened on first use at `path` (default `.session-buddy/skill_metrics.db`).
 * Later calls return the same store whatever path they pass; once it is closed, the next call opens
 * a new one.
 */
export function getStore(path?: string): Promise<SqliteStore> {
  if (!shared) {
    const opening = openStore(path === undefined ? {} : { path }).then((store) => {
      const close = store.close.bind(store);
      store.close = async () => {
        if (shared === opening) shared = undefined;
        await close();
      };
      return store;
    });
    opening.catch(() => {
      if (shared === opening) shared = undefined;
    });
    shared = opening;
  }
  return shared;
}

/** Starts an invocation on the shared store: `const done = await trackSkill('x'); …; await done.complete()`. */
export async function trackSkill(skillName: string, options?: TrackOptions): Promise<InvocationHandle> {
  return (await getStore()).trackInvocation(skillName, options);
}
