import type Database from 'better-sqlite3';
import type { StoreNotes } from '../contract/notes.js';
import type { KeptState } from '../engine/bulk.js';
import { CheckedNotes, type StoredNote } from '../engine/notes.js';
import type { Clock } from '../engine/store.js';
import { whenFree } from './busy.js';
import { sqliteStorageError } from './errors.js';

const SET_STATE =
  'INSERT INTO store_state (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at';
const UNSET_STATE = 'DELETE FROM store_state WHERE key = ?';

/** Keeps state as `setState` does, within the caller's transaction (a bulk import's checkpoint). */
export function keepState(client: Database.Database): (keep: KeptState, now: string) => void {
  const set = client.prepare(SET_STATE);
  const unset = client.prepare(UNSET_STATE);
  return ({ key, json }, now) => {
    if (json === 'null') unset.run(key);
    else set.run(key, json, now);
  };
}

/** `StoreNotes` in the `store_note` and `store_state` tables, each call one statement. */
export function sqliteNotes(
  client: Database.Database,
  clock: Clock,
  busyTimeoutMs: number,
  isClosed: () => boolean,
): StoreNotes {
  const s = {
    add: client.prepare('INSERT INTO store_note (kind, recorded_at, body) VALUES (?, ?, ?)'),
    list: client.prepare(
      'SELECT seq, kind, recorded_at AS recordedAt, body FROM store_note WHERE kind = ? AND seq > ? ORDER BY seq LIMIT ?',
    ),
    count: client.prepare('SELECT count(*) AS n FROM store_note WHERE kind = ?').pluck(),
    clear: client.prepare('DELETE FROM store_note WHERE kind = ? AND seq <= ?'),
    get: client.prepare('SELECT value FROM store_state WHERE key = ?').pluck(),
    set: client.prepare(SET_STATE),
    unset: client.prepare(UNSET_STATE),
  };
  const run = <T>(work: () => T) => whenFree(work, busyTimeoutMs);
  return new CheckedNotes(
    {
      add: (kind, recordedAt, json) => run(() => Number(s.add.run(kind, recordedAt, json).lastInsertRowid)),
      list: (kind, after, limit) => run(() => s.list.all(kind, after, limit) as StoredNote[]),
      count: (kind) => run(() => s.count.get(kind) as number),
      clear: (kind, through) => run(() => s.clear.run(kind, through).changes),
      get: (key) => run(() => s.get.get(key) as string | undefined),
      set: (key, json, updatedAt) =>
        run(() => {
          s.set.run(key, json, updatedAt);
        }),
      unset: (key) =>
        run(() => {
          s.unset.run(key);
        }),
    },
    clock,
    isClosed,
    (error) => sqliteStorageError(error, client.name),
  );
}
