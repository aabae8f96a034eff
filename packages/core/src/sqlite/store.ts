import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, readSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import {
  describe,
  InvalidInputError,
  MigrationError,
  SkillMetricsError,
  StoreClosedError,
  StoreOpenError,
} from '../contract/errors.js';
import type { StoreNotes } from '../contract/notes.js';
import { checkOptions, checkText } from '../engine/checks.js';
import { DATABASE_IMPORT_CHUNK } from '../engine/record.js';
import { checkEngineOptions, ENGINE_OPTIONS, type EngineOptions, EngineStore } from '../engine/store.js';
import { SqliteBackend } from './backend.js';
import { type AppliedMigration, migrate, pendingMigrations, readApplied } from './migrations.js';
import { sqliteNotes } from './notes.js';
import { type Db, schema } from './statements.js';

/** Where `openStore()` keeps its database when no path is given, relative to the working directory. */
export const DEFAULT_DB_PATH = '.session-buddy/skill_metrics.db';

/** How many invocations `recordInvocations` commits at a time (see `DATABASE_IMPORT_CHUNK`). */
export const SQLITE_IMPORT_CHUNK = DATABASE_IMPORT_CHUNK;

export interface SqliteStoreOptions extends EngineOptions {
  /**
   * The database file; created with its folder if missing. `':memory:'` keeps it in memory.
   * @default '.session-buddy/skill_metrics.db'
   */
  path?: string;
  /** How long a write waits for another process's lock before failing with `StoreBusyError`, in ms. @default 5000 */
  busyTimeoutMs?: number;
  /**
   * `'normal'` survives a crash of the process (the WAL is in the OS); `'full'` also survives a
   * power loss, at the price of an fsync per write.
   * @default 'normal'
   */
  synchronous?: 'normal' | 'full';
  /**
   * Opens an existing, up-to-date database for reading only: nothing is created, migrated or
   * written, and every write rejects with `StoreReadOnlyError`.
   * @default false
   */
  readonly?: boolean;
}

const OPTIONS: ReadonlySet<string> = new Set(['path', 'busyTimeoutMs', 'synchronous', 'readonly', ...ENGINE_OPTIONS]);

/**
 * The store on SQLite through better-sqlite3: one file, many processes, WAL mode. Every write is
 * one `BEGIN IMMEDIATE` transaction that also brings every figure up to date — the skill's (with
 * its percentiles), its session's, its project's, its hour's, and the workflow-path search — so
 * every read after it is right.
 */
export class SqliteStore extends EngineStore {
  /** The database file's absolute path. */
  readonly path: string;
  /** The migration versions this store applied while opening (empty when the file was up to date). */
  readonly migrationsApplied: number[];
  /** Notes and state the tools around the store keep in its database (see `StoreNotes`). */
  readonly notes: StoreNotes;
  readonly #db: Db;
  readonly #client: Database.Database;

  constructor(options: SqliteStoreOptions = {}) {
    const opened = openDatabase(options);
    super(
      new SqliteBackend(opened.client, opened.db, opened.clock, opened.busyTimeoutMs),
      options,
      SQLITE_IMPORT_CHUNK,
    );
    this.path = opened.path;
    this.migrationsApplied = opened.migrationsApplied;
    this.notes = sqliteNotes(opened.client, opened.clock, opened.busyTimeoutMs, () => this.closed);
    this.#db = opened.db;
    this.#client = opened.client;
  }

  /** The migrations applied to this database, oldest first. */
  async appliedMigrations(): Promise<AppliedMigration[]> {
    if (this.closed) throw new StoreClosedError();
    return readApplied(this.#client);
  }

  /** The Drizzle database over this store's connection, for queries of your own (read-only use). */
  get drizzle(): Db {
    if (this.closed) throw new StoreClosedError();
    return this.#db;
  }
}

/** Checks the options, opens the file — refusing one it cannot use, untouched — switches to WAL and migrates. */
function openDatabase(options: SqliteStoreOptions) {
  const o = checkOptions(options, 'options', OPTIONS) as SqliteStoreOptions;
  const { clock } = checkEngineOptions(o);
  const given = o.path === undefined ? DEFAULT_DB_PATH : checkText(o.path, 'path');
  if (given.length === 0) throw new InvalidInputError('path', 'must not be empty');
  const memory = given === ':memory:';
  const busyTimeoutMs = o.busyTimeoutMs ?? 5000;
  if (!Number.isSafeInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
    throw new InvalidInputError(
      'busyTimeoutMs',
      `must be a whole number of milliseconds ≥ 0, got ${describe(busyTimeoutMs)}`,
    );
  }
  const synchronous = o.synchronous ?? 'normal';
  if (synchronous !== 'normal' && synchronous !== 'full') {
    throw new InvalidInputError('synchronous', `must be 'normal' or 'full', got ${describe(synchronous)}`);
  }
  const readonly = o.readonly ?? false;
  if (typeof readonly !== 'boolean')
    throw new InvalidInputError('readonly', `must be a boolean, got ${describe(readonly)}`);
  if (readonly && memory) throw new InvalidInputError('readonly', 'cannot apply to an in-memory database');

  const path = memory ? ':memory:' : resolve(given);
  if (!memory) checkPlace(path, readonly);
  let client: Database.Database;
  try {
    client = new Database(path, { timeout: busyTimeoutMs, readonly });
  } catch (error) {
    throw new StoreOpenError(path, (error as Error).message, { cause: error });
  }
  try {
    // Refuse an incompatible database before anything (even the journal mode) is written to it.
    const pending = pendingMigrations(client);
    refuseForeign(client, path, pending.length);
    if (readonly && pending.length > 0) {
      throw new MigrationError(
        `${path} needs ${pending.length} migration(s) this version ships; open it once without readonly to apply them`,
      );
    }
    if (!memory && !readonly) useWal(client, busyTimeoutMs);
    client.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    client.pragma('foreign_keys = ON');
    const migrationsApplied = readonly ? [] : migrate(client);
    return { path, client, db: drizzle({ client, schema }), migrationsApplied, clock, busyTimeoutMs };
  } catch (error) {
    client.close();
    if (error instanceof SkillMetricsError) throw error;
    const problem =
      (error as { code?: string }).code === 'SQLITE_READONLY_DIRECTORY'
        ? 'its folder cannot be written, and SQLite must make a -shm file beside a WAL database even to read it'
        : (error as Error).message;
    throw new StoreOpenError(path, problem, { cause: error });
  }
}

/**
 * The file, if there is one, must be a SQLite database (SQLite itself would take a file shorter than
 * its header for an empty database, and write over it); its folder must exist or be made; and —
 * unless opened read-only — the file and folder must be writable.
 */
function checkPlace(path: string, readonly: boolean): void {
  if (existsSync(path)) refuseNonDatabase(path);
  if (readonly) {
    if (!existsSync(path))
      throw new StoreOpenError(path, 'no database at this path (readonly opens only an existing one)');
    return;
  }
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (error) {
    throw new StoreOpenError(path, `cannot make its folder: ${(error as Error).message}`, { cause: error });
  }
  for (const [target, what] of [
    [dirname(path), 'its folder'],
    [path, 'the file'],
  ] as const) {
    if (target === path && !existsSync(path)) continue;
    try {
      accessSync(target, constants.W_OK);
    } catch (error) {
      throw new StoreOpenError(path, `${what} is read-only; open it with { readonly: true } to read it`, {
        cause: error,
      });
    }
  }
}

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

function refuseNonDatabase(path: string): void {
  let head: Buffer;
  try {
    const fd = openSync(path, 'r');
    try {
      head = Buffer.alloc(SQLITE_HEADER.length);
      head = head.subarray(0, readSync(fd, head, 0, head.length, 0));
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    throw new StoreOpenError(path, `cannot be read: ${(error as Error).message}`, { cause: error });
  }
  // An empty file is an empty database; anything else must start with SQLite's header.
  if (head.length > 0 && !head.equals(SQLITE_HEADER)) {
    throw new StoreOpenError(path, 'the file is not a database (no SQLite header); it was left untouched');
  }
}

/** A database that holds tables but never had a skill-metrics migration is someone else's: left as it is. */
function refuseForeign(client: Database.Database, path: string, pending: number): void {
  if (pending === 0) return;
  const tables = client
    .prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'schema_migrations'",
    )
    .pluck()
    .all() as string[];
  const hasMigrations = client.prepare("SELECT 1 FROM sqlite_master WHERE name = 'schema_migrations'").get();
  if (tables.length > 0 && !hasMigrations) {
    throw new MigrationError(
      `${path} is not a skill-metrics database: it holds tables (${tables.slice(0, 5).join(', ')}) but no schema_migrations; it was left untouched`,
    );
  }
}

/**
 * Switches the file to WAL. Changing the journal mode needs an exclusive lock, and SQLite answers
 * SQLITE_BUSY at once rather than waiting when another process holds one (as when several open a
 * fresh file together), so this waits and retries up to the busy timeout.
 */
function useWal(client: Database.Database, timeoutMs: number): void {
  const deadline = Date.now() + timeoutMs;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let attempt = 1; ; attempt++) {
    try {
      if (client.pragma('journal_mode', { simple: true }) === 'wal') return;
      client.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw error;
      Atomics.wait(pause, 0, 0, Math.min(50, attempt * 2 + Math.random() * 5));
    }
  }
}
