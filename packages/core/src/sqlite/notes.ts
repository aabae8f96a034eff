import type Database from 'better-sqlite3';
import { describe, InvalidInputError, SkillMetricsError, StoreClosedError } from '../contract/errors.js';
import type { StoreNote, StoreNotes } from '../contract/notes.js';
import { formatEpochMs } from '../contract/time.js';
import type { KeptState } from '../engine/bulk.js';
import { checkOptions, checkSkillName } from '../engine/checks.js';
import { jsonText } from '../engine/json-value.js';
import { checkCount } from '../engine/query.js';
import type { Clock } from '../engine/store.js';
import { whenFree } from './busy.js';
import { sqliteStorageError } from './errors.js';

const SET_STATE =
  'INSERT INTO store_state (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at';
const UNSET_STATE = 'DELETE FROM store_state WHERE key = ?';
const LIST_OPTIONS: ReadonlySet<string> = new Set(['after', 'limit']);
const CLEAR_OPTIONS: ReadonlySet<string> = new Set(['through']);

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
export class SqliteNotes implements StoreNotes {
  readonly #client: Database.Database;
  readonly #clock: Clock;
  readonly #busyTimeoutMs: number;
  readonly #isClosed: () => boolean;
  readonly #statements;

  constructor(client: Database.Database, clock: Clock, busyTimeoutMs: number, isClosed: () => boolean) {
    this.#client = client;
    this.#clock = clock;
    this.#busyTimeoutMs = busyTimeoutMs;
    this.#isClosed = isClosed;
    this.#statements = {
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
  }

  async add(kind: string, body: unknown): Promise<number> {
    checkSkillName(kind, 'kind');
    const json = jsonText(body, 'body');
    return this.#run(() => Number(this.#statements.add.run(kind, this.#now(), json).lastInsertRowid));
  }

  async list(kind: string, options?: { after?: number; limit?: number }): Promise<StoreNote[]> {
    checkSkillName(kind, 'kind');
    const o = checkOptions(options, 'options', LIST_OPTIONS);
    const after = o.after === undefined ? 0 : checkSeq(o.after, 'options.after');
    const limit = o.limit === undefined ? 1000 : checkCount(o.limit, 'options.limit');
    return this.#run(() =>
      (this.#statements.list.all(kind, after, limit) as Array<Omit<StoreNote, 'body'> & { body: string }>).map(
        (row) => ({ ...row, body: JSON.parse(row.body) as unknown }),
      ),
    );
  }

  async count(kind: string): Promise<number> {
    checkSkillName(kind, 'kind');
    return this.#run(() => this.#statements.count.get(kind) as number);
  }

  async clear(kind: string, options?: { through?: number }): Promise<number> {
    checkSkillName(kind, 'kind');
    const o = checkOptions(options, 'options', CLEAR_OPTIONS);
    const through = o.through === undefined ? Number.MAX_SAFE_INTEGER : checkSeq(o.through, 'options.through');
    return this.#run(() => this.#statements.clear.run(kind, through).changes);
  }

  async getState(key: string): Promise<unknown> {
    checkSkillName(key, 'key');
    return this.#run(() => {
      const value = this.#statements.get.get(key) as string | undefined;
      return value === undefined ? null : (JSON.parse(value) as unknown);
    });
  }

  async setState(key: string, value: unknown): Promise<void> {
    checkSkillName(key, 'key');
    if (value === null) {
      return this.#run(() => {
        this.#statements.unset.run(key);
      });
    }
    const json = jsonText(value, 'value');
    return this.#run(() => {
      this.#statements.set.run(key, json, this.#now());
    });
  }

  #now(): string {
    return formatEpochMs(this.#clock.now());
  }

  async #run<T>(work: () => T): Promise<T> {
    if (this.#isClosed()) throw new StoreClosedError();
    try {
      return await whenFree(work, this.#busyTimeoutMs);
    } catch (error) {
      throw error instanceof SkillMetricsError ? error : sqliteStorageError(error, this.#client.name);
    }
  }
}

function checkSeq(value: unknown, field: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 0) {
    throw new InvalidInputError(field, `must be a note's seq (a whole number ≥ 0), got ${describe(value)}`);
  }
  return value as number;
}
