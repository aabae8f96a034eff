import { describe, InvalidInputError, SkillMetricsError, StoreClosedError } from '../contract/errors.js';
import type { StoreNote, StoreNotes } from '../contract/notes.js';
import { formatEpochMs } from '../contract/time.js';
import { checkOptions, checkSkillName } from './checks.js';
import { jsonText } from './json-value.js';
import { checkCount } from './query.js';
import type { Clock } from './store.js';

/** A note as a storage keeps it: its body as JSON text. */
export type StoredNote = Omit<StoreNote, 'body'> & { body: string };

/** The storage steps of `StoreNotes`, given checked arguments; each one statement. */
export interface NotesStorage {
  add(kind: string, recordedAt: string, json: string): Promise<number>;
  list(kind: string, after: number, limit: number): Promise<StoredNote[]>;
  count(kind: string): Promise<number>;
  clear(kind: string, through: number): Promise<number>;
  get(key: string): Promise<string | undefined>;
  set(key: string, json: string, updatedAt: string): Promise<void>;
  unset(key: string): Promise<void>;
}

const LIST_OPTIONS: ReadonlySet<string> = new Set(['after', 'limit']);
const CLEAR_OPTIONS: ReadonlySet<string> = new Set(['through']);

/** `StoreNotes` over a storage: every argument checked, bodies kept as JSON, failures typed. */
export class CheckedNotes implements StoreNotes {
  readonly #storage: NotesStorage;
  readonly #clock: Clock;
  readonly #isClosed: () => boolean;
  readonly #typed: (error: unknown) => SkillMetricsError;

  constructor(
    storage: NotesStorage,
    clock: Clock,
    isClosed: () => boolean,
    typed: (error: unknown) => SkillMetricsError,
  ) {
    this.#storage = storage;
    this.#clock = clock;
    this.#isClosed = isClosed;
    this.#typed = typed;
  }

  async add(kind: string, body: unknown): Promise<number> {
    checkSkillName(kind, 'kind');
    const json = jsonText(body, 'body');
    return this.#run(() => this.#storage.add(kind, this.#now(), json));
  }

  async list(kind: string, options?: { after?: number; limit?: number }): Promise<StoreNote[]> {
    checkSkillName(kind, 'kind');
    const o = checkOptions(options, 'options', LIST_OPTIONS);
    const after = o.after === undefined ? 0 : checkSeq(o.after, 'options.after');
    const limit = o.limit === undefined ? 1000 : checkCount(o.limit, 'options.limit');
    const rows = await this.#run(() => this.#storage.list(kind, after, limit));
    return rows.map((row) => ({ ...row, body: JSON.parse(row.body) as unknown }));
  }

  async count(kind: string): Promise<number> {
    checkSkillName(kind, 'kind');
    return this.#run(() => this.#storage.count(kind));
  }

  async clear(kind: string, options?: { through?: number }): Promise<number> {
    checkSkillName(kind, 'kind');
    const o = checkOptions(options, 'options', CLEAR_OPTIONS);
    const through = o.through === undefined ? Number.MAX_SAFE_INTEGER : checkSeq(o.through, 'options.through');
    return this.#run(() => this.#storage.clear(kind, through));
  }

  async getState(key: string): Promise<unknown> {
    checkSkillName(key, 'key');
    const value = await this.#run(() => this.#storage.get(key));
    return value === undefined ? null : (JSON.parse(value) as unknown);
  }

  async setState(key: string, value: unknown): Promise<void> {
    checkSkillName(key, 'key');
    if (value === null) return this.#run(() => this.#storage.unset(key));
    const json = jsonText(value, 'value');
    return this.#run(() => this.#storage.set(key, json, this.#now()));
  }

  #now(): string {
    return formatEpochMs(this.#clock.now());
  }

  async #run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#isClosed()) throw new StoreClosedError();
    try {
      return await work();
    } catch (error) {
      throw error instanceof SkillMetricsError ? error : this.#typed(error);
    }
  }
}

function checkSeq(value: unknown, field: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 0) {
    throw new InvalidInputError(field, `must be a note's seq (a whole number ≥ 0), got ${describe(value)}`);
  }
  return value as number;
}
