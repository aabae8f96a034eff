import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULT_DB_PATH, openStore, type PgStore, redactUrl, type SqliteStore } from '@skill-metrics/core';
import { type CommandArgs, UsageError } from '../options.js';
import { MissingFileError } from './open.js';

/**
 * The database a command works on: the SQLite file of `--db`, or the PostgreSQL server of
 * `--database-url`. Every command opens it through here.
 */
export type DatabaseTarget = { kind: 'sqlite'; path: string; name: string } | { kind: 'pg'; url: string; name: string };

export type DatabaseStore = SqliteStore | PgStore;

/** The database of `--db` or `--database-url` (not both). */
export function databaseArg(args: CommandArgs): DatabaseTarget {
  const path = args.values.db;
  const url = args.values['database-url'];
  if (typeof url === 'string') {
    if (typeof path === 'string') throw new UsageError('give --db (a SQLite file) or --database-url, not both');
    // What is not a postgres:// URL, the store refuses as it opens (exit 2, nothing written).
    return { kind: 'pg', url, name: redactUrl(url) };
  }
  const file = typeof path === 'string' ? path : DEFAULT_DB_PATH;
  return { kind: 'sqlite', path: file, name: file === ':memory:' ? file : resolve(file) };
}

/** Opens the database for writing, creating and migrating it if needed. */
export function openDatabase(target: DatabaseTarget): Promise<DatabaseStore> {
  return target.kind === 'pg' ? openStore({ url: target.url }) : openStore({ path: target.path });
}

/** Opens an existing database for reading: a missing one is named, and nothing is created or migrated. */
export async function openForReading(target: DatabaseTarget): Promise<DatabaseStore> {
  if (target.kind === 'pg') return openStore({ url: target.url, readonly: true });
  if (target.path === ':memory:') throw new UsageError('--db :memory: holds nothing to read; give a database file');
  if (!databaseExists(target)) throw new MissingFileError(target.name, 'database');
  return openStore({ path: target.path, readonly: true });
}

/** Whether there is a database to read (a server is asked when the store opens). */
export function databaseExists(target: DatabaseTarget): boolean {
  return target.kind === 'pg' || (target.path !== ':memory:' && existsSync(resolve(target.path)));
}

/** A command that copies a SQLite file refuses a server. */
export function sqliteFileOnly(target: DatabaseTarget, command: string, instead: string): string {
  if (target.kind !== 'sqlite') throw new UsageError(`${command} works on a SQLite file; for PostgreSQL, ${instead}`);
  return target.path;
}
