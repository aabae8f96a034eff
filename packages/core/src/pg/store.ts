import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import {
  describe,
  InvalidInputError,
  SkillMetricsError,
  StoreClosedError,
  StoreOpenError,
} from '../contract/errors.js';
import type { StoreNotes } from '../contract/notes.js';
import { checkOptions, checkText } from '../engine/checks.js';
import { checkEngineOptions, ENGINE_OPTIONS, type EngineOptions, EngineStore } from '../engine/store.js';
import * as pgSchema from '../schema/pg.js';
import { PgBackend } from './backend.js';
import { describeUrl, openPool, pgStorageError } from './client.js';
import { migratePg } from './migrations.js';
import { pgNotes } from './notes.js';

/** How many invocations `recordInvocations` commits at a time on PostgreSQL. */
export const PG_IMPORT_CHUNK = 2000;

export interface PgStoreOptions extends EngineOptions {
  /** The server, as a `postgres://` (or `postgresql://`) URL. */
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
}

const OPTIONS: ReadonlySet<string> = new Set(['url', 'schema', 'poolSize', 'applicationName', ...ENGINE_OPTIONS]);

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

  /** Use `openPgStore`. */
  constructor(opened: OpenedPg, options: EngineOptions) {
    const { clock } = checkEngineOptions(options);
    super(new PgBackend(opened.pool, clock, opened.where), options, PG_IMPORT_CHUNK);
    this.url = opened.where;
    this.schema = opened.schema;
    this.migrationsApplied = opened.migrationsApplied;
    this.notes = pgNotes(opened.pool, clock, opened.where, () => this.closed);
    this.#db = drizzle({ client: opened.pool, schema: pgSchema });
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
}

/** Connects to the server, migrates the schema, and gives the store. */
export async function openPgStore(options: PgStoreOptions): Promise<PgStore> {
  const o = checkOptions(options, 'options', OPTIONS) as unknown as PgStoreOptions;
  checkEngineOptions(o);
  const url = checkText(o.url, 'url');
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new InvalidInputError('url', `must be a postgres:// or postgresql:// URL, got ${describe(url)}`);
  }
  const schema = o.schema === undefined ? 'public' : checkText(o.schema, 'schema');
  if (schema.length === 0 || schema.length > 63) {
    throw new InvalidInputError('schema', `must be a name of 1 to 63 characters, got ${describe(schema)}`);
  }
  const poolSize = o.poolSize ?? 10;
  if (!Number.isSafeInteger(poolSize) || poolSize < 1) {
    throw new InvalidInputError('poolSize', `must be a whole number ≥ 1, got ${describe(poolSize)}`);
  }
  const applicationName =
    o.applicationName === undefined ? 'skill-metrics' : checkText(o.applicationName, 'applicationName');
  const where = schema === 'public' ? describeUrl(url) : `${describeUrl(url)} (schema ${schema})`;
  const pool = openPool(url, schema, poolSize, applicationName);
  try {
    const client = await pool.connect();
    let migrationsApplied: number[];
    try {
      migrationsApplied = await migratePg(client, schema, where);
    } finally {
      client.release();
    }
    return new PgStore({ pool, where, schema, migrationsApplied }, o);
  } catch (error) {
    await pool.end().catch(() => {});
    if (error instanceof SkillMetricsError) throw error;
    throw new StoreOpenError(where, pgStorageError(error, where).message, { cause: error });
  }
}
