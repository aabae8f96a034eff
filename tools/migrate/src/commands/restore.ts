import { constants, copyFileSync, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { SkillMetricsError } from '@skill-metrics/core';
import { type Command, UsageError } from '../options.js';
import { replaceDatabase } from '../replace-database.js';
import {
  checkDatabaseFile,
  type DatabaseFacts,
  DatabaseFileError,
  databaseFileArg,
  describeFacts,
  isDirectory,
  removeDatabaseFiles,
  sameFile,
  temporaryBeside,
  verifyCopy,
} from '../sqlite-file.js';
import { databaseArg, sqliteFileOnly } from './database.js';

export const restoreCommand: Command = {
  summary: 'replace the database with a backup, verified first',
  usage: '<backup.db>',
  options: {},
  positionals: [1, 1],
  async run(args, io) {
    const started = performance.now();
    const target = databaseFileArg(sqliteFileOnly(databaseArg(args), 'restore', 'restore with pg_restore'));
    const backup = resolve(args.positionals[0] as string);
    const size = checkDatabaseFile(backup, 'backup');
    if (sameFile(backup, target)) throw new UsageError(`${backup} is the database itself`);
    const log = `${backup}-wal`;
    // A copy of the file alone would lose what its log holds; a backup is one file.
    if (existsSync(log) && statSync(log).size > 0) {
      throw new DatabaseFileError(
        backup,
        `has a write-ahead log beside it (${log}): it is a database in use or not closed, not a backup; make one with skill-metrics backup`,
      );
    }
    if (!isDirectory(dirname(target))) {
      throw new DatabaseFileError(target, `cannot be restored: no directory ${dirname(target)}`);
    }
    if (existsSync(target) && !statSync(target).isFile()) throw new DatabaseFileError(target, 'is not a file');

    const replacing = existsSync(target);
    // Copied, then checked: what is put in place is exactly what was verified, and the backup itself
    // is only read (SQLite opening it could leave -wal and -shm files beside it).
    const temporary = temporaryBeside(target, 'restoring');
    let facts: DatabaseFacts;
    try {
      copyFileSync(backup, temporary, constants.COPYFILE_EXCL);
      facts = verifyCopy(temporary, { shownAs: backup });
      removeDatabaseFiles(temporary, false);
      replaceDatabase(temporary, target);
    } catch (error) {
      removeDatabaseFiles(temporary, true);
      if (error instanceof SkillMetricsError) throw error;
      throw new DatabaseFileError(target, `could not be restored: ${(error as Error).message}; nothing was changed`);
    }

    io.out(`restored:       ${target} from ${backup}${replacing ? ' (the database that was there is replaced)' : ''}`);
    for (const line of describeFacts(facts, size)) io.out(line);
    io.out(`verified:       integrity ok before it was put in place`);
    io.out(`elapsed:        ${((performance.now() - started) / 1000).toFixed(2)} s`);
    return 0;
  },
};
