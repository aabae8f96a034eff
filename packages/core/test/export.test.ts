import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type InvocationInput,
  legacyInvocation,
  openStore,
  SkillMetricsError,
  type SqliteStore,
} from '@skill-metrics/core';
import { listAll, testInvocation } from '@skill-metrics/core/testing';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';

/** The SQLite store's own export path: what the contract suite cannot reach through every store. */

const dir = mkdtempSync(join(tmpdir(), 'skill-metrics-export-'));
let n = 0;
const opened: SqliteStore[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

async function storeAt(path: string): Promise<SqliteStore> {
  const store = await openStore({ path });
  opened.push(store);
  return store;
}

const invocations = (): InvocationInput[] => [
  testInvocation({ id: 'a', skillName: 'zürich 🚀', workflowPath: 'über "x"', followUpActions: ['部署', 'a\\b'] }),
  testInvocation({ id: 'b', skillName: 'say "hi"', completed: false, durationSeconds: 1 / 3, errorType: 'E\n2' }),
  testInvocation({ id: 'c', skillName: 'pending', completed: false, durationSeconds: null, sessionId: 'ß' }),
];

/** The file's invocations as text, key order included. */
const exported = (file: string) => JSON.stringify(JSON.parse(readFileSync(file, 'utf8')).invocations);

describe('SqliteStore.exportMetrics', () => {
  it('writes the same export from a database whose text is UTF-16', async () => {
    const utf16 = join(dir, `utf16-${n++}.db`);
    // The encoding is fixed by the first table; one made and dropped leaves the file empty of tables.
    const raw = new Database(utf16);
    raw.pragma("encoding = 'UTF-16le'");
    raw.exec('CREATE TABLE t (x); DROP TABLE t');
    raw.close();
    const wide = await storeAt(utf16);
    const reader = new Database(utf16, { readonly: true });
    expect(reader.pragma('encoding', { simple: true })).toBe('UTF-16le');
    reader.close();
    const narrow = await storeAt(join(dir, `utf8-${n++}.db`));
    const files: string[] = [];
    for (const store of [wide, narrow]) {
      await store.recordInvocations(invocations());
      const file = join(dir, `export-${n++}.json`);
      await store.exportMetrics(file);
      files.push(file);
    }
    const [fromWide, fromNarrow] = files.map(exported);
    expect(fromWide).toBe(JSON.stringify((await listAll(narrow)).map(legacyInvocation)));
    expect(fromWide).toBe(fromNarrow);
  });

  it('refuses a row another tool broke, with a typed error, and leaves no file behind', async () => {
    const path = join(dir, `broken-${n++}.db`);
    const store = await storeAt(path);
    await store.recordInvocations(invocations());
    const other = new Database(path);
    other.prepare("UPDATE skill_invocation SET follow_up_actions = '[\"unclosed' WHERE id = 'a'").run();
    other.close();
    const out = mkdtempSync(join(dir, 'out-'));
    const file = join(out, 'export.json');
    const failure = await store.exportMetrics(file).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SkillMetricsError);
    expect((failure as Error).message).toMatch(/malformed JSON/);
    expect(existsSync(file)).toBe(false);
    expect(readdirSync(out)).toEqual([]);
  });
});
