import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { openStore, type SqliteStore } from '@skill-metrics/core';
import { UsageError } from '../options.js';

/** Opens an existing database for reading: a missing one is named, and nothing is created. */
export async function openForReading(db: string): Promise<SqliteStore> {
  if (db === ':memory:') throw new UsageError('--db :memory: holds nothing to read; give a database file');
  if (!existsSync(resolve(db))) throw new MissingDatabaseError(resolve(db));
  return openStore({ path: db, readonly: true });
}

/** The database a reading command was pointed at does not exist. */
export class MissingDatabaseError extends Error {
  override name = 'MissingDatabaseError';
  constructor(readonly path: string) {
    super(`no database at ${path}`);
  }
}
