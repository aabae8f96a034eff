import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { MigrationError } from '../contract/errors.js';

/**
 * What every database's migration runner shares: the list of migrations shipped in the package,
 * their checksums, and the refusal of a database whose applied migrations this version does not
 * ship (a changed file, or a newer version). `drizzle-kit generate` writes the SQL files and their
 * journal; a dialect's runner adds only how it locks and executes (SQLite: `BEGIN IMMEDIATE`;
 * PostgreSQL: an advisory lock).
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

/** A row of `schema_migrations`. */
export interface AppliedMigration {
  version: number;
  appliedAt: string;
  description: string;
  checksum: string | null;
}

/** The runner's own table, the same on every database. */
export const SCHEMA_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  applied_at TEXT NOT NULL,
  description TEXT NOT NULL,
  checksum TEXT
)`;

interface Journal {
  entries: Array<{ idx: number; tag: string }>;
}

/** The migrations in `dir` (a drizzle-kit output folder), in journal order. */
export function loadMigrationsFrom(dir: URL): Migration[] {
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

/**
 * The shipped migrations a database with `applied` still needs. Throws a `MigrationError` (naming
 * `database`) when an applied one differs from what ships or is not shipped at all.
 */
export function migrationsToApply(
  applied: readonly AppliedMigration[],
  shipped: readonly Migration[],
  database: string,
): Migration[] {
  const known = new Map(shipped.map((m) => [m.version, m]));
  for (const row of applied) {
    const m = known.get(row.version);
    if (!m) {
      throw new MigrationError(
        `${database} has migration ${row.version} (${row.description}), which this version of @skill-metrics/core does not know; upgrade the package`,
      );
    }
    if (row.checksum !== m.checksum) {
      throw new MigrationError(
        `${database}: migration ${row.version} (${m.description}) was applied from a file with checksum ${row.checksum ?? 'none'}, but the shipped file has ${m.checksum}; the migration files must never change once released`,
      );
    }
  }
  const done = new Set(applied.map((a) => a.version));
  return shipped.filter((m) => !done.has(m.version));
}

/** A statement of migration `m` failed: the error names the database, the migration and the cause. */
export function migrationFailed(database: string, m: Migration, error: unknown): MigrationError {
  return new MigrationError(
    `${database}: migration ${m.version} (${m.description}) failed: ${(error as Error).message}`,
    {
      cause: error,
    },
  );
}
