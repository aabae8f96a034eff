import type Database from 'better-sqlite3';
import { MigrationError } from '../contract/errors.js';
import {
  type AppliedMigration,
  loadMigrationsFrom,
  type Migration,
  migrationFailed,
  migrationsToApply,
  SCHEMA_MIGRATIONS_TABLE,
} from '../migrations/runner.js';
import { DATA_STEPS, type DataStep } from './data-steps.js';

/**
 * The SQLite migration runner. Drizzle's own `migrate()` reads its watermark outside the transaction
 * (two processes opening a fresh file race), never checks a stored file's hash, and runs table
 * rebuilds with foreign keys on; this one takes the write lock first, checks every applied file,
 * and turns foreign keys off around the work.
 */

export type { AppliedMigration, Migration };

/** The SQLite migrations shipped in this package, resolved from the module (never from the cwd). */
export const SQLITE_MIGRATIONS_DIR = new URL('../../drizzle/sqlite/', import.meta.url);

export function loadMigrations(dir: URL = SQLITE_MIGRATIONS_DIR): Migration[] {
  return loadMigrationsFrom(dir);
}

export function readApplied(db: Database.Database): AppliedMigration[] {
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (!exists) return [];
  return db
    .prepare('SELECT version, applied_at AS appliedAt, description, checksum FROM schema_migrations ORDER BY version')
    .all() as AppliedMigration[];
}

/**
 * The migrations `db` still needs, read without writing anything; throws a `MigrationError` if what
 * is applied differs from what ships (a changed file, or a version this package does not know).
 */
export function pendingMigrations(db: Database.Database, migrations: Migration[] = loadMigrations()): Migration[] {
  return migrationsToApply(readApplied(db), migrations, db.name);
}

/**
 * Brings the database up to date. Safe when many processes open a fresh file at once: the check
 * and the work happen inside one `BEGIN IMMEDIATE`, so exactly one of them applies each file. A
 * version's data step (work SQL cannot do) runs right after its SQL, in the same transaction.
 * Returns the versions this call applied.
 */
export function migrate(
  db: Database.Database,
  migrations: Migration[] = loadMigrations(),
  dataSteps: ReadonlyMap<number, DataStep> = DATA_STEPS,
): number[] {
  const file = db.name;
  // Fast path, no write lock: everything is applied and verified.
  const applied = readApplied(db);
  if (applied.length > 0 && migrationsToApply(applied, migrations, file).length === 0) return [];

  const foreignKeys = db.pragma('foreign_keys', { simple: true }) as number;
  // A table rebuild (drop and re-create) must not cascade; the pragma is ignored inside a transaction.
  db.pragma('foreign_keys = OFF');
  try {
    db.exec('BEGIN IMMEDIATE');
    try {
      db.exec(SCHEMA_MIGRATIONS_TABLE);
      const todo = migrationsToApply(readApplied(db), migrations, file);
      const record = db.prepare(
        'INSERT INTO schema_migrations (version, applied_at, description, checksum) VALUES (?, ?, ?, ?)',
      );
      for (const m of todo) {
        for (const statement of m.statements) {
          try {
            db.exec(statement);
          } catch (error) {
            throw migrationFailed(file, m, error);
          }
        }
        dataSteps.get(m.version)?.(db);
        record.run(m.version, new Date().toISOString(), m.description, m.checksum);
      }
      const broken = db.pragma('foreign_key_check') as unknown[];
      if (broken.length > 0) {
        throw new MigrationError(`${file}: migrations left ${broken.length} rows that break a foreign key`);
      }
      db.exec('COMMIT');
      return todo.map((m) => m.version);
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw error;
    }
  } finally {
    db.pragma(`foreign_keys = ${foreignKeys ? 'ON' : 'OFF'}`);
  }
}
