import { InvalidInputError } from './contract/errors.js';
import type { InvocationHandle, TrackOptions } from './contract/types.js';
import type { PgStore, PgStoreOptions } from './pg/store.js';
import { SqliteStore, type SqliteStoreOptions } from './sqlite/store.js';

export type OpenStoreOptions = SqliteStoreOptions | PgStoreOptions;

/**
 * Opens (creating and migrating if needed) the store: on PostgreSQL when `options.url` is given,
 * else the SQLite file at `options.path`. The PostgreSQL driver is loaded only then.
 */
export async function openStore(options: PgStoreOptions): Promise<PgStore>;
export async function openStore(options?: SqliteStoreOptions): Promise<SqliteStore>;
export async function openStore(options: OpenStoreOptions = {}): Promise<SqliteStore | PgStore> {
  if (options !== null && typeof options === 'object' && 'url' in options && options.url !== undefined) {
    if ('path' in options && options.path !== undefined) {
      throw new InvalidInputError('options.url', 'cannot be given with path: url opens PostgreSQL, path a SQLite file');
    }
    const { openPgStore } = await import('./pg/store.js');
    return openPgStore(options);
  }
  return new SqliteStore(options as SqliteStoreOptions);
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
