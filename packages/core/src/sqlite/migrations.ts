import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { MigrationError } from '../contract/errors.js';
import { DATA_STEPS, type DataStep } from './data-steps.js';

/**
 * The migration runner. `drizzle-kit generate` writes the SQL files and their journal; this runner
 * applies them, because drizzle's own `migrate()` reads its watermark outside the transaction (two
 * processes opening a fresh file race), never checks a stored file's hash, and runs table rebuilds
 * with foreign keys on.
 */

export interface Migration {
  /** 1 for the first file, in journal order. */
  version: number;
  /** The file's name without `.sql`, e.g. `0000_initial_schema`. */
  description: string;
  /** SHA-256 of the file with `\n` line ends. */
  checksum: string;
  statements: string[];
}

export interface AppliedMigration {
  version: number;
  appliedAt: string;
  description: string;
  checksum: string | null;
}

interface Journal {
  entries: Array<{ idx: number; tag: string }>;
}

/** The migrations shipped in this package, resolved from the module (never from the cwd). */
export const SQLITE_MIGRATIONS_DIR = new URL('../../drizzle/sqlite/', import.meta.url);

export function loadMigrations(dir: URL = SQLITE_MIGRATIONS_DIR): Migration[] {
  const journal = JSON.parse(readFileSync(new URL('meta/_journal.json', dir), 'utf8')) as Journal;
  return journal.entries
    .slice()
    .sort((a, b) => a.idx - b.idx)
    .map((entry) => {
      const text = readFileSync(new URL(`${entry.tag}.sql`, dir), 'utf8').replace(/\r\n/g, '\n');
      return {
        version: entry.idx + 1,
        description: entry.tag,
        checksum: createHash('sha256').update(text).digest('hex'),
        statements: text
          .split('--> statement-breakpoint')
          .map((s) => s.trim())
          .filter((s) => s.length > 0),
      };
    });
}

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  applied_at TEXT NOT NULL,
  description TEXT NOT NULL,
  checksum TEXT
)`;

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
  return pending(readApplied(db), migrations, db.name);
}

function pending(applied: AppliedMigration[], migrations: Migration[], file: string): Migration[] {
  const known = new Map(migrations.map((m) => [m.version, m]));
  for (const row of applied) {
    const m = known.get(row.version);
    if (!m) {
      throw new MigrationError(
        `${file} has migration ${row.version} (${row.description}), which this version of @skill-metrics/core does not know; upgrade the package`,
      );
    }
    if (row.checksum !== m.checksum) {
      throw new MigrationError(
        `${file}: migration ${row.version} (${m.description}) was applied from a file with checksum ${row.checksum ?? 'none'}, but the shipped file has ${m.checksum}; the migration files must never change once released`,
      );
    }
  }
  const done = new Set(applied.map((a) => a.version));
  return migrations.filter((m) => !done.has(m.version));
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
  if (applied.length > 0 && pending(applied, migrations, file).length === 0) return [];

  const foreignKeys = db.pragma('foreign_keys', { simple: true }) as number;
  // A table rebuild (drop and re-create) must not cascade; the pragma is ignored inside a transaction.
  db.pragma('foreign_keys = OFF');
  try {
    db.exec('BEGIN IMMEDIATE');
    try {
      db.exec(CREATE_TABLE);
      const todo = pending(readApplied(db), migrations, file);
      const record = db.prepare(
        'INSERT INTO schema_migrations (version, applied_at, description, checksum) VALUES (?, ?, ?, ?)',
      );
      for (const m of todo) {
        for (const statement of m.statements) {
          try {
            db.exec(statement);
          } catch (error) {
            throw new MigrationError(
              `${file}: migration ${m.version} (${m.description}) failed: ${(error as Error).message}`,
              {
                cause: error,
              },
            );
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
