import type pg from 'pg';
import {
  type AppliedMigration,
  loadMigrationsFrom,
  type Migration,
  migrationFailed,
  migrationsToApply,
  SCHEMA_MIGRATIONS_TABLE,
} from '../migrations/runner.js';
import { quoteIdent } from './client.js';

/**
 * The PostgreSQL migration runner: the shared runner's checks, under a session advisory lock taken
 * for the schema, so that of many processes migrating a fresh database at once exactly one applies
 * each file. Each file is applied in a transaction of its own with its `schema_migrations` row.
 */

/** The PostgreSQL migrations shipped in this package, resolved from the module (never from the cwd). */
export const PG_MIGRATIONS_DIR = new URL('../../drizzle/pg/', import.meta.url);

export function loadPgMigrations(dir: URL = PG_MIGRATIONS_DIR): Migration[] {
  return loadMigrationsFrom(dir);
}

/** The advisory lock's first key: this project's, so that other users of advisory locks never meet it. */
const LOCK_SPACE = 0x534b4d31; // 'SKM1'

export async function readAppliedPg(client: pg.ClientBase): Promise<AppliedMigration[]> {
  const exists = await client.query("SELECT to_regclass('schema_migrations') IS NOT NULL AS present");
  if (!exists.rows[0]?.present) return [];
  const rows = await client.query<AppliedMigration>(
    'SELECT version, applied_at AS "appliedAt", description, checksum FROM schema_migrations ORDER BY version',
  );
  return rows.rows;
}

/**
 * Brings `schema` up to date (creating it if missing) on `client`, whose search_path is that
 * schema. Returns the versions this call applied.
 */
export async function migratePg(
  client: pg.ClientBase,
  schema: string,
  database: string,
  migrations: Migration[] = loadPgMigrations(),
): Promise<number[]> {
  // Fast path, no lock: everything is applied and verified.
  const applied = await readAppliedPg(client);
  if (applied.length > 0 && migrationsToApply(applied, migrations, database).length === 0) return [];

  await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [LOCK_SPACE, schema]);
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    await client.query(SCHEMA_MIGRATIONS_TABLE);
    const todo = migrationsToApply(await readAppliedPg(client), migrations, database);
    for (const m of todo) {
      await client.query('BEGIN');
      try {
        for (const statement of m.statements) {
          try {
            await client.query(statement);
          } catch (error) {
            throw migrationFailed(database, m, error);
          }
        }
        await client.query(
          'INSERT INTO schema_migrations (version, applied_at, description, checksum) VALUES ($1, $2, $3, $4)',
          [m.version, new Date().toISOString(), m.description, m.checksum],
        );
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    }
    return todo.map((m) => m.version);
  } finally {
    await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOCK_SPACE, schema]);
  }
}
