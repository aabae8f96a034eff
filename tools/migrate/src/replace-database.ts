import { closeSync, existsSync, fsyncSync, openSync, renameSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { asFileError, checkDatabaseFile, DatabaseFileError, removeDatabaseFiles } from './sqlite-file.js';

/**
 * How long the exclusive lock waits for a transaction to end, in ms. Leaving WAL mode does not wait:
 * SQLite answers SQLITE_BUSY at once while another connection is open.
 */
const LOCK_WAIT_MS = 2000;

/**
 * Puts the verified database file `temporary` in the place of `target` with one rename, so a reader
 * finds the old database or the new one, never a part.
 *
 * The danger is the old database's write-ahead log: SQLite opens a database in WAL mode whenever a
 * `-wal` file is beside it, and replays its frames whatever file they came from, so a stale log
 * would be read into the new database. So before the rename the old database leaves WAL mode
 * (`journal_mode = DELETE`), which SQLite refuses while any other connection has the file open —
 * that is how a database in use is told — and which moves the log into the file and deletes it.
 * An exclusive lock then keeps the old file from being read until the rename is done.
 *
 * Not detected: a process that holds the file open in rollback-journal mode between transactions
 * (it holds no lock then; the store never does, as it always works in WAL mode), or one that opens
 * the old file in the instant between the check and the rename; either keeps reading a file that
 * has been unlinked.
 */
export function replaceDatabase(temporary: string, target: string): void {
  const old = existsSync(target) && statSync(target).size > 0 ? lockForReplacement(target) : null;
  try {
    syncFile(temporary, true);
    // A log or journal left by a crash beside a target that is gone, or an empty one, would be replayed too.
    removeDatabaseFiles(target, false);
    renameSync(temporary, target);
  } catch (error) {
    throw new DatabaseFileError(target, `cannot be replaced: ${(error as Error).message}`);
  } finally {
    if (old) {
      // The old file is unlinked now; releasing its lock touches no file by name in DELETE mode.
      old.exec('ROLLBACK');
      old.close();
    }
  }
  syncFile(dirname(target), false);
}

function lockForReplacement(target: string): Database.Database {
  checkDatabaseFile(target, 'database');
  let db: Database.Database | undefined;
  try {
    db = new Database(target, { timeout: LOCK_WAIT_MS, fileMustExist: true });
    db.pragma('journal_mode = DELETE');
    db.exec('BEGIN EXCLUSIVE');
    return db;
  } catch (error) {
    db?.close();
    const code = String((error as { code?: unknown }).code ?? '');
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
      throw new DatabaseFileError(
        target,
        'is in use: another process has it open; stop that process (or let it finish) and try again; nothing was changed',
      );
    }
    throw asFileError(error, target);
  }
}

/** Flushes a file (or its directory: some platforms cannot, and the rename holds anyway) to disk. */
function syncFile(path: string, required: boolean): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    fsyncSync(fd);
  } catch (error) {
    if (required) throw error;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
