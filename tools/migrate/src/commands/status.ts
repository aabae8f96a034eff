import { readApplied } from '@skill-metrics/core';
import Database from 'better-sqlite3';
import type { Io } from '../options.js';
import { openForReading } from './open.js';

/** Prints the schema version and what the database holds. */
export async function status(db: string, io: Io): Promise<number> {
  const store = await openForReading(db);
  try {
    const summary = await store.getSummary();
    let pending = 0;
    for await (const _ of store.listInvocations({ status: 'pending', pageSize: 1000 })) pending++;
    const raw = new Database(store.path, { readonly: true });
    const applied = readApplied(raw);
    raw.close();
    const last = applied.at(-1);
    io.out(`database:       ${store.path}`);
    io.out(`schema version: ${last ? `${last.version} (${last.description})` : 'none'}`);
    io.out(`skills:         ${summary.totalSkills}`);
    io.out(`finished:       ${summary.totalInvocations}`);
    io.out(`pending:        ${pending}`);
    return 0;
  } finally {
    await store.close();
  }
}
