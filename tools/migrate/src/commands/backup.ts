import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { SkillMetricsError } from '@skill-metrics/core';
import Database from 'better-sqlite3';
import { type Command, UsageError } from '../options.js';
import { replaceDatabase } from '../replace-database.js';
import {
  asFileError,
  checkDatabaseFile,
  type DatabaseFacts,
  DatabaseFileError,
  databaseFileArg,
  describeFacts,
  inspectDatabase,
  isDirectory,
  removeDatabaseFiles,
  sameFile,
  temporaryBeside,
  verifyCopy,
} from '../sqlite-file.js';
import { databaseArg, sqliteFileOnly } from './database.js';

/** How long the source's read waits for another process's checkpoint or recovery, in ms. */
const SOURCE_BUSY_MS = 5000;

export const backupCommand: Command = {
  summary: 'an online backup of the database, verified before it is put in place',
  usage: '<out.db> [--force]',
  options: { force: { type: 'boolean', default: false } },
  positionals: [1, 1],
  async run(args, io) {
    const started = performance.now();
    const source = databaseFileArg(sqliteFileOnly(databaseArg(args), 'backup', 'back the server up with pg_dump'));
    const out = resolve(args.positionals[0] as string);
    checkDatabaseFile(source, 'database');
    if (sameFile(source, out)) throw new UsageError(`the backup cannot be written over its own database ${source}`);
    if (existsSync(out)) {
      if (!statSync(out).isFile()) throw new DatabaseFileError(out, 'exists and is not a file');
      if (!args.values.force) throw new DatabaseFileError(out, 'exists; give --force to replace it');
      // --force replaces a database, never some other file given by mistake.
      if (statSync(out).size > 0) checkDatabaseFile(out, 'backup');
    }
    if (!isDirectory(dirname(out))) throw new DatabaseFileError(out, `cannot be written: no directory ${dirname(out)}`);

    let db: Database.Database;
    try {
      // Not opened read-only: a read-only connection to a WAL database leaves -wal and -shm files
      // behind, where the last connection to close removes them. query_only keeps it from writing.
      db = new Database(source, { fileMustExist: true, timeout: SOURCE_BUSY_MS });
      db.pragma('query_only = ON');
    } catch (error) {
      throw asFileError(error, source);
    }
    const temporary = temporaryBeside(out, 'partial');
    let facts: DatabaseFacts;
    try {
      // One read transaction: the counts and every page copied come from the same snapshot (in WAL
      // mode other connections keep writing meanwhile, and the copy never has to start over).
      db.exec('BEGIN');
      const snapshot = inspectDatabase(db, source);
      try {
        await db.backup(temporary);
        db.exec('COMMIT');
        makeStandalone(temporary);
        facts = verifyCopy(temporary, { source: snapshot, shownAs: `the backup of ${source}` });
        replaceDatabase(temporary, out);
      } catch (error) {
        removeDatabaseFiles(temporary, true);
        if (error instanceof SkillMetricsError) throw error;
        throw new DatabaseFileError(out, `could not be written: ${(error as Error).message}`);
      }
    } finally {
      if (db.inTransaction) db.exec('ROLLBACK');
      db.close();
    }

    io.out(`backup:         ${out}`);
    for (const line of describeFacts(facts, statSync(out).size)) io.out(line);
    io.out(`verified:       integrity ok; schema and counts equal those of ${source} when it was copied`);
    io.out(`elapsed:        ${((performance.now() - started) / 1000).toFixed(2)} s`);
    return 0;
  },
};

/**
 * The copy carries the source's WAL flag; in rollback-journal mode it is one self-contained file
 * that opens read-only anywhere without SQLite making `-wal` and `-shm` files beside it.
 */
function makeStandalone(path: string): void {
  const copy = new Database(path, { fileMustExist: true });
  try {
    copy.pragma('journal_mode = DELETE');
  } finally {
    copy.close();
  }
}
