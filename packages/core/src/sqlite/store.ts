import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { SkillMetricsError, StoreClosedError, StoreOpenError } from '../contract/errors.js';
import { type EngineOptions, EngineStore } from '../engine/store.js';
import { SqliteBackend } from './backend.js';
import { migrate, pendingMigrations } from './migrations.js';
import { type Db, schema } from './statements.js';

/** Where `openStore()` keeps its database when no path is given, relative to the working directory. */
export const DEFAULT_DB_PATH = '.session-buddy/skill_metrics.db';

export interface SqliteStoreOptions extends EngineOptions {
  /**
   * The database file; created with its folder if missing. `':memory:'` keeps it in memory.
   * @default '.session-buddy/skill_metrics.db'
   */
  path?: string;
  /** How long a write waits for another process's lock before failing, in ms. @default 5000 */
  busyTimeoutMs?: number;
  /**
   * `'normal'` survives a crash of the process (the WAL is in the OS); `'full'` also survives a
   * power loss, at the price of an fsync per write.
   * @default 'normal'
   */
  synchronous?: 'normal' | 'full';
}

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
  readonly #db: Db;

  constructor(options: SqliteStoreOptions = {}) {
    const opened = openDatabase(options);
    super(new SqliteBackend(opened.client, opened.db), options);
    this.path = opened.path;
    this.migrationsApplied = opened.migrationsApplied;
    this.#db = opened.db;
  }

  /** The Drizzle database over this store's connection, for queries of your own (read-only use). */
  get drizzle(): Db {
    if (this.closed) throw new StoreClosedError();
    return this.#db;
  }
}

/** Opens the file, refuses one it cannot use (leaving it untouched), switches to WAL and migrates. */
function openDatabase(options: SqliteStoreOptions) {
  const memory = options.path === ':memory:';
  const path = memory ? ':memory:' : resolve(options.path ?? DEFAULT_DB_PATH);
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  if (!memory) mkdirSync(dirname(path), { recursive: true });
  let client: Database.Database;
  try {
    client = new Database(path, { timeout: busyTimeoutMs });
  } catch (error) {
    throw new StoreOpenError(path, (error as Error).message, { cause: error });
  }
  try {
    // Refuse an incompatible database before anything (even the journal mode) is written to it.
    pendingMigrations(client);
    if (!memory) useWal(client, busyTimeoutMs);
    client.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    client.pragma('foreign_keys = ON');
    const migrationsApplied = migrate(client);
    return { path, client, db: drizzle({ client, schema }), migrationsApplied };
  } catch (error) {
    client.close();
    if (error instanceof SkillMetricsError) throw error;
    throw new StoreOpenError(path, (error as Error).message, { cause: error });
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
