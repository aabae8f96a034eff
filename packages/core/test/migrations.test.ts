import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  loadMigrations,
  MigrationError,
  migrate,
  openStore,
  readApplied,
  SQLITE_MIGRATIONS_DIR,
  StoreOpenError,
} from '@skill-metrics/core';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'skill-metrics-migrations-'));
let n = 0;
const freshPath = () => join(dir, `m-${n++}.db`);

/** A copy of the shipped migrations that a test may change. */
function migrationsCopy(): URL {
  const copy = join(dir, `migrations-${n++}`);
  cpSync(SQLITE_MIGRATIONS_DIR, copy, { recursive: true });
  return pathToFileURL(`${copy}/`);
}

describe('migration runner', () => {
  it('applies every shipped migration once and records version, time, description and checksum', () => {
    const db = new Database(freshPath());
    const shipped = loadMigrations();
    expect(migrate(db)).toEqual(shipped.map((m) => m.version));
    expect(migrate(db)).toEqual([]);
    const applied = readApplied(db);
    expect(applied.map(({ version, description, checksum }) => ({ version, description, checksum }))).toEqual(
      shipped.map(({ version, description, checksum }) => ({ version, description, checksum })),
    );
    for (const row of applied) expect(Number.isNaN(Date.parse(row.appliedAt))).toBe(false);
    expect(shipped[0]?.description).toBe('0000_initial_schema');
    expect(shipped[0]?.checksum).toMatch(/^[0-9a-f]{64}$/);
    db.close();
  });

  it('finds its SQL files from the module, whatever the working directory', () => {
    const cwd = process.cwd();
    try {
      process.chdir(tmpdir());
      expect(loadMigrations().length).toBeGreaterThan(0);
    } finally {
      process.chdir(cwd);
    }
  });

  it('refuses a database whose applied migration file has changed since', () => {
    const path = freshPath();
    const db = new Database(path);
    migrate(db);
    const changed = migrationsCopy();
    const file = new URL('0000_initial_schema.sql', changed);
    writeFileSync(file, `${readFileSync(file, 'utf8')}\n-- edited`);
    const error = (() => {
      try {
        migrate(db, loadMigrations(changed));
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toMatch(/migration 1 \(0000_initial_schema\).*checksum/);
    db.close();
  });

  it('refuses a database migrated by a newer version, leaving it untouched', async () => {
    const path = freshPath();
    const db = new Database(path);
    migrate(db);
    db.prepare("INSERT INTO schema_migrations VALUES (99, '2030-01-01T00:00:00Z', '0098_future', 'abc')").run();
    db.close();
    const before = readFileSync(path);
    await expect(openStore({ path })).rejects.toThrow(/migration 99 \(0098_future\).*does not know/);
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('refuses a file that is not a SQLite database with a typed error, leaving it untouched', async () => {
    const path = freshPath();
    writeFileSync(path, 'just text, not a database\n'.repeat(200));
    const before = readFileSync(path);
    const error = await openStore({ path }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreOpenError);
    expect((error as StoreOpenError).path).toBe(path);
    expect((error as Error).message).toMatch(/not a database/);
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('rolls a failing migration back whole, so the next run starts clean', () => {
    const path = freshPath();
    const broken = migrationsCopy();
    const journalUrl = new URL('meta/_journal.json', broken);
    const journal = JSON.parse(readFileSync(journalUrl, 'utf8'));
    journal.entries.push({ idx: journal.entries.length, tag: '9999_broken', version: '6', when: 0, breakpoints: true });
    writeFileSync(journalUrl, JSON.stringify(journal));
    writeFileSync(
      new URL('9999_broken.sql', broken),
      'CREATE TABLE half_done (x);\n--> statement-breakpoint\nINSERT INTO no_such_table VALUES (1);',
    );
    const db = new Database(path);
    expect(() => migrate(db, loadMigrations(broken))).toThrow(MigrationError);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half_done'").get()).toBeUndefined();
    expect(readApplied(db)).toEqual([]);
    expect(migrate(db)).toEqual(loadMigrations().map((m) => m.version));
    db.close();
  });
});
