import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
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
import { type AppliedMigration, migrationsToApply } from '../migrations/runner.js';
import * as pgSchema from '../schema/pg.js';
import { PgBackend } from './backend.js';
import { openPool, pgStorageError } from './client.js';
import { loadPgMigrations, migratePg, readAppliedPg } from './migrations.js';
import { pgNotes } from './notes.js';
import { redactUrl } from './url.js';

/** How many invocations `recordInvocations` commits at a time on PostgreSQL (see `DATABASE_IMPORT_CHUNK`). */
export const PG_IMPORT_CHUNK = DATABASE_IMPORT_CHUNK;

export interface PgStoreOptions extends EngineOptions {
  /** The server, as a `postgres://` (or `postgresql://`) URL; `?schema=NAME` in it names the schema. */
  url: string;
  /**
   * The schema that holds the store's tables; created, with the tables, if missing.
   * @default 'public'
   */
  schema?: string;
  /** How many connections the store's pool opens at most. @default 10 */
  poolSize?: number;
  /** The name the store's connections give the server (`pg_stat_activity.application_name`). @default 'skill-metrics' */
  applicationName?: string;
  /**
   * Opens an existing, up-to-date database for reading only: nothing is created or migrated, and
   * the server refuses every write (`StoreReadOnlyError`).
   * @default false
   */
  readonly?: boolean;
  /**
   * Imports whose ids are all new go in by `COPY … FROM STDIN`, the fastest way in; `false` sends
   * them as one insert, for a server that cannot take COPY over its protocol (PGlite through a socket).
   * @default true
   */
  bulkCopy?: boolean;
}

const OPTIONS: ReadonlySet<string> = new Set([
  'url',
  'schema',
  'poolSize',
  'applicationName',
  'readonly',
  'bulkCopy',
  ...ENGINE_OPTIONS,
]);

export type PgDb = NodePgDatabase<typeof pgSchema>;

/**
 * The store on PostgreSQL through `pg` (node-postgres): the same contract, figures and analytics as
 * `SqliteStore`, for many machines reporting to one server. Open it with `openPgStore` (or
 * `openStore({ url })`), which connects and migrates.
 */
export class PgStore extends EngineStore {
  /** The server's URL, its password hidden. */
  readonly url: string;
  readonly schema: string;
  /** The migration versions this store applied while opening (empty when the database was up to date). */
  readonly migrationsApplied: number[];
  readonly notes: StoreNotes;
  readonly #db: PgDb;
  readonly #pool: pg.Pool;

  /** Use `openPgStore`. */
  constructor(opened: OpenedPg, options: EngineOptions) {
    const { clock } = checkEngineOptions(options);
    super(new PgBackend(opened.pool, clock, opened.where, opened.bulkCopy), options, PG_IMPORT_CHUNK);
    this.url = opened.where;
    this.schema = opened.schema;
    this.migrationsApplied = opened.migrationsApplied;
    this.notes = pgNotes(opened.pool, clock, opened.where, () => this.closed);
    this.#db = drizzle({ client: opened.pool, schema: pgSchema });
    this.#pool = opened.pool;
  }

  /** The migrations applied to this database, oldest first. */
  async appliedMigrations(): Promise<AppliedMigration[]> {
    if (this.closed) throw new StoreClosedError();
    const client = await this.#pool.connect();
    try {
      return await readAppliedPg(client);
    } catch (error) {
      throw pgStorageError(error, this.url);
    } finally {
      client.release();
    }
  }

  /** The Drizzle database over this store's pool, for queries of your own (read-only use). */
  get drizzle(): PgDb {
    if (this.closed) throw new StoreClosedError();
    return this.#db;
  }
}

interface OpenedPg {
  pool: pg.Pool;
  where: string;
  schema: string;
  migrationsApplied: number[];
  bulkCopy: boolean;
}

/** Connects to the server, migrates the schema, and gives the store. */
export async function openPgStore(options: PgStoreOptions): Promise<PgStore> {
  const o = checkOptions(options, 'options', OPTIONS) as unknown as PgStoreOptions;
  checkEngineOptions(o);
  const url = checkText(o.url, 'url');
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new InvalidInputError('url', `must be a postgres:// or postgresql:// URL, got ${describe(redactUrl(url))}`);
  }
  // The schema may come in the URL too (`postgres://host/db?schema=metrics`), as a CLI gives it.
  const { url: serverUrl, schema: inUrl } = splitSchema(url);
  if (inUrl !== undefined && o.schema !== undefined && o.schema !== inUrl) {
    throw new InvalidInputError('schema', `is ${describe(o.schema)}, but the url names schema ${describe(inUrl)}`);
  }
  const schema = o.schema === undefined ? (inUrl ?? 'public') : checkText(o.schema, 'schema');
  if (schema.length === 0 || schema.length > 63) {
    throw new InvalidInputError('schema', `must be a name of 1 to 63 characters, got ${describe(schema)}`);
  }
  const poolSize = o.poolSize ?? 10;
  if (!Number.isSafeInteger(poolSize) || poolSize < 1) {
    throw new InvalidInputError('poolSize', `must be a whole number ≥ 1, got ${describe(poolSize)}`);
  }
  const applicationName =
    o.applicationName === undefined ? 'skill-metrics' : checkText(o.applicationName, 'applicationName');
  const readonly = o.readonly ?? false;
  if (typeof readonly !== 'boolean') {
    throw new InvalidInputError('readonly', `must be a boolean, got ${describe(readonly)}`);
  }
  const bulkCopy = o.bulkCopy ?? true;
  if (typeof bulkCopy !== 'boolean') {
    throw new InvalidInputError('bulkCopy', `must be a boolean, got ${describe(bulkCopy)}`);
  }
  const where = schema === 'public' ? redactUrl(serverUrl) : `${redactUrl(serverUrl)} (schema ${schema})`;
  let pool: pg.Pool;
  try {
    pool = await openPool(serverUrl, schema, poolSize, applicationName, readonly);
  } catch (error) {
    throw new StoreOpenError(where, (error as Error).message, { cause: error });
  }
  try {
    const client = await pool.connect();
    let migrationsApplied: number[] = [];
    try {
      if (readonly) await refuseUnready(client, where);
      else migrationsApplied = await migratePg(client, schema, where);
    } finally {
      client.release();
    }
    return new PgStore({ pool, where, schema, migrationsApplied, bulkCopy }, o);
  } catch (error) {
    await pool.end().catch(() => {});
    if (error instanceof SkillMetricsError) throw error;
    throw new StoreOpenError(where, (error as Error).message, { cause: error });
  }
}

/** A database opened read-only must hold the store's tables, every migration applied. */
async function refuseUnready(client: pg.ClientBase, where: string): Promise<void> {
  const applied = await readAppliedPg(client);
  if (applied.length === 0) throw new StoreOpenError(where, 'holds no skill-metrics database (no schema_migrations)');
  const pending = migrationsToApply(applied, loadPgMigrations(), where);
  if (pending.length > 0) {
    throw new MigrationError(
      `${where} needs ${pending.length} migration(s) this version ships; open it once without readonly to apply them`,
    );
  }
}

/** The URL without its `schema` parameter, and that parameter. */
function splitSchema(url: string): { url: string; schema: string | undefined } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidInputError('url', 'is not a valid URL');
  }
  const schema = parsed.searchParams.get('schema') ?? undefined;
  if (schema === undefined) return { url, schema };
  parsed.searchParams.delete('schema');
  return { url: parsed.toString(), schema };
}
