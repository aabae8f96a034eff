import type pg from 'pg';
import type { StoreNotes } from '../contract/notes.js';
import { CheckedNotes, type StoredNote } from '../engine/notes.js';
import type { Clock } from '../engine/store.js';
import { pgStorageError } from './client.js';

export const SET_STATE = `INSERT INTO store_state (key, value, updated_at) VALUES ($1, $2, $3)
  ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`;
export const UNSET_STATE = 'DELETE FROM store_state WHERE key = $1';

/** `StoreNotes` in PostgreSQL's `store_note` and `store_state` tables, each call one statement. */
export function pgNotes(pool: pg.Pool, clock: Clock, where: string, isClosed: () => boolean): StoreNotes {
  return new CheckedNotes(
    {
      add: async (kind, recordedAt, json) =>
        (
          await pool.query<{ seq: number }>(
            'INSERT INTO store_note (kind, recorded_at, body) VALUES ($1, $2, $3) RETURNING seq',
            [kind, recordedAt, json],
          )
        ).rows[0]?.seq as number,
      list: async (kind, after, limit) =>
        (
          await pool.query<StoredNote>(
            'SELECT seq, kind, recorded_at AS "recordedAt", body FROM store_note WHERE kind = $1 AND seq > $2 ORDER BY seq LIMIT $3',
            [kind, after, limit],
          )
        ).rows,
      count: async (kind) =>
        (await pool.query<{ n: number }>('SELECT count(*) AS n FROM store_note WHERE kind = $1', [kind])).rows[0]?.n ??
        0,
      clear: async (kind, through) =>
        (await pool.query('DELETE FROM store_note WHERE kind = $1 AND seq <= $2', [kind, through])).rowCount ?? 0,
      get: async (key) =>
        (await pool.query<{ value: string }>('SELECT value FROM store_state WHERE key = $1', [key])).rows[0]?.value,
      set: async (key, json, updatedAt) => {
        await pool.query(SET_STATE, [key, json, updatedAt]);
      },
      unset: async (key) => {
        await pool.query(UNSET_STATE, [key]);
      },
    },
    clock,
    isClosed,
    (error) => pgStorageError(error, where),
  );
}
