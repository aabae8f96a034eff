import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readSync, rmSync, type Stats, statSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  type AppliedMigration,
  loadMigrations,
  MigrationError,
  migrate,
  pendingMigrations,
  readApplied,
  SkillMetricsError,
} from '@skill-metrics/core';
import Database from 'better-sqlite3';
import { MissingFileError } from './commands/open.js';
import { UsageError } from './options.js';

/**
 * What `backup` and `restore` share: the checks that a file is a skill-metrics database this code
 * can read, its schema and counts read on one connection, and the verification of a copy.
 */

/** A database file given to a command cannot be used as it is. Nothing was changed. */
export class DatabaseFileError extends SkillMetricsError {
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super('DATABASE_FILE', `${path} ${problem}`);
  }
}

export interface DatabaseCounts {
  skills: number;
  completed: number;
  abandoned: number;
  pending: number;
}

/** What a skill-metrics database holds, as `inspectDatabase` read it. */
export interface DatabaseFacts {
  applied: AppliedMigration[];
  counts: DatabaseCounts;
}

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');
/** Every SQLite database begins with a header of this many bytes. */
const HEADER_BYTES = 100;

/**
 * Checks, reading bytes only (SQLite would leave `-wal`/`-shm` files beside a file it opens), that
 * `path` is a file beginning with SQLite's header. Returns its size in bytes.
 */
export function checkDatabaseFile(path: string, what: string): number {
  let stat: Stats;
  try {
    stat = statSync(path);
  } catch {
    throw new MissingFileError(path, what);
  }
  if (!stat.isFile()) throw new MissingFileError(path, what);
  const size = stat.size;
  if (size === 0) throw new DatabaseFileError(path, 'is empty, not a SQLite database');
  const head = Buffer.alloc(HEADER_BYTES);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, HEADER_BYTES, 0);
  } finally {
    closeSync(fd);
  }
  if (size < HEADER_BYTES || !head.subarray(0, SQLITE_HEADER.length).equals(SQLITE_HEADER)) {
    throw new DatabaseFileError(path, 'is not a SQLite database (it does not begin with the SQLite header)');
  }
  return size;
}

/** The tables and views a database with exactly these migrations applied has, by name. */
const objectsByVersions = new Map<string, string[]>();

function objectsOf(db: Database.Database): string[] {
  return db
    .prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'")
    .pluck()
    .all() as string[];
}

function expectedObjects(applied: readonly AppliedMigration[]): string[] {
  const versions = new Set(applied.map((a) => a.version));
  const key = [...versions].join(',');
  let names = objectsByVersions.get(key);
  if (!names) {
    // The shipped migrations say what the schema is; a fresh database in memory shows it.
    const fresh = new Database(':memory:');
    try {
      migrate(
        fresh,
        loadMigrations().filter((m) => versions.has(m.version)),
      );
      names = objectsOf(fresh);
    } finally {
      fresh.close();
    }
    objectsByVersions.set(key, names);
  }
  return names;
}

/** Invocations by status (as the store defines them) and skills, in one statement per table. */
function countsOf(db: Database.Database): DatabaseCounts {
  const byStatus = db
    .prepare(
      `SELECT coalesce(sum(completed_at IS NOT NULL AND completed = 1), 0) AS completed,
              coalesce(sum(completed_at IS NOT NULL AND completed = 0), 0) AS abandoned,
              coalesce(sum(completed_at IS NULL), 0) AS pending
       FROM skill_invocation`,
    )
    .get() as Omit<DatabaseCounts, 'skills'>;
  // skill_metrics is a table in the first schema versions and a view over skill_totals later.
  const skills = db.prepare('SELECT count(*) FROM skill_metrics').pluck().get() as number;
  return { skills, ...byStatus };
}

/**
 * Reads the schema and counts of the database open on `db`, refusing one that is not a
 * skill-metrics database or whose schema is newer than this code; errors name it `path`. Inside a
 * read transaction, all of it is read from that transaction's snapshot.
 */
export function inspectDatabase(db: Database.Database, path: string): DatabaseFacts {
  try {
    if (!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get()) {
      throw new DatabaseFileError(path, 'is not a skill-metrics database: it has no schema_migrations table');
    }
    const applied = readApplied(db);
    if (applied.length === 0) {
      throw new DatabaseFileError(path, 'is not a skill-metrics database: no migration is recorded in it');
    }
    // A version this code does not ship, or a changed migration file, is refused here.
    pendingMigrations(db);
    const present = new Set(objectsOf(db));
    const missing = expectedObjects(applied).filter((name) => !present.has(name));
    if (missing.length > 0) {
      throw new DatabaseFileError(
        path,
        `is not a skill-metrics database: schema version ${applied.at(-1)?.version} has ${missing.join(', ')}, which it lacks`,
      );
    }
    return { applied, counts: countsOf(db) };
  } catch (error) {
    if (!(error instanceof MigrationError)) throw asFileError(error, path);
    // Its message names the file SQLite opened, which may be a temporary copy: name `path` instead.
    const problem = error.message.startsWith(db.name) ? error.message.slice(db.name.length) : ` ${error.message}`;
    throw new DatabaseFileError(path, problem.replace(/^:? /, ''));
  }
}

/** A failure of SQLite itself on `path` (damaged, not a database) as one line naming the file. */
export function asFileError(error: unknown, path: string): Error {
  if (error instanceof SkillMetricsError || !(error instanceof Database.SqliteError)) return error as Error;
  return new DatabaseFileError(path, `cannot be read as a database: ${error.message} (${error.code})`);
}

export interface VerifyOptions {
  /** What the copy must hold: the source's migrations and counts. */
  source?: DatabaseFacts;
  /** The name errors give the copy. @default its path */
  shownAs?: string;
}

/**
 * Opens the copy at `path` read-only and checks it: SQLite's integrity check says `ok`, it is a
 * skill-metrics database this code can read, and — when a source is given — its migrations and
 * counts equal the source's. Returns what it holds.
 */
export function verifyCopy(path: string, { source, shownAs = path }: VerifyOptions = {}): DatabaseFacts {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const problems = (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map(
      (row) => row.integrity_check,
    );
    if (problems[0] !== 'ok') {
      const more = problems.length > 1 ? ` (and ${problems.length - 1} more problems)` : '';
      throw new DatabaseFileError(shownAs, `fails SQLite's integrity check: ${problems[0]}${more}`);
    }
    const facts = inspectDatabase(db, shownAs);
    if (source) {
      const schema = (f: DatabaseFacts) => JSON.stringify(f.applied.map((a) => [a.version, a.checksum]));
      if (schema(facts) !== schema(source)) {
        throw new DatabaseFileError(
          shownAs,
          `has other migrations than its source: ${schema(facts)}, not ${schema(source)}`,
        );
      }
      if (JSON.stringify(facts.counts) !== JSON.stringify(source.counts)) {
        throw new DatabaseFileError(
          shownAs,
          `holds ${JSON.stringify(facts.counts)}, not the source's ${JSON.stringify(source.counts)}`,
        );
      }
    }
    return facts;
  } catch (error) {
    throw asFileError(error, shownAs);
  } finally {
    db?.close();
  }
}

/** The database file of `--db`, as an absolute path. */
export function databaseFileArg(db: string): string {
  if (db === ':memory:') throw new UsageError('--db :memory: is no file; give a database file');
  return resolve(db);
}

/** Whether `path` is a directory that exists. */
export const isDirectory = (path: string): boolean => statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;

/** A new name beside `path` for a file being made, e.g. `out.db.partial-1234-9f2c1a`. */
export function temporaryBeside(path: string, purpose: string): string {
  return `${path}.${purpose}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** The files SQLite keeps beside a database while it is in use or after a crash. */
export const SIDECARS = ['-wal', '-shm', '-journal'] as const;

/** Removes the files beside `path` that SQLite made, and `path` itself when `withFile`. */
export function removeDatabaseFiles(path: string, withFile: boolean): void {
  for (const suffix of withFile ? ['', ...SIDECARS] : SIDECARS) rmSync(`${path}${suffix}`, { force: true });
}

/** Whether two paths name the same file (through links too), or the same path when one is missing. */
export function sameFile(a: string, b: string): boolean {
  if (!existsSync(a) || !existsSync(b)) return a === b;
  const [x, y] = [statSync(a), statSync(b)];
  return x.dev === y.dev && x.ino === y.ino;
}

/** The lines that say what a database holds. */
export function describeFacts(facts: DatabaseFacts, sizeBytes: number): string[] {
  const last = facts.applied.at(-1);
  const shipped = loadMigrations().length;
  const behind =
    last && last.version < shipped ? `; this code ships ${shipped}, applied when the store next opens it` : '';
  const n = (x: number) => x.toLocaleString('en');
  const c = facts.counts;
  return [
    `size:           ${n(sizeBytes)} bytes`,
    `schema version: ${last?.version} (${last?.description})${behind}`,
    `skills:         ${n(c.skills)}`,
    `invocations:    ${n(c.completed)} completed, ${n(c.abandoned)} abandoned, ${n(c.pending)} pending`,
  ];
}
