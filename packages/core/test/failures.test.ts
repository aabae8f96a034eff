import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  getStore,
  InvalidInputError,
  InvocationConflictError,
  loadMigrations,
  MigrationError,
  migrate,
  openStore,
  type SkillMetricsError,
  StoreBusyError,
  StoreFullError,
  StoreOpenError,
  StoreReadOnlyError,
} from '@skill-metrics/core';
import { listAll, testInvocation } from '@skill-metrics/core/testing';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'skill-metrics-failures-'));
let n = 0;
const fresh = () => join(dir, `db-${n++}.db`);

/** The raw SQLite connection under a store, to bring its storage to the limits the tests need. */
const clientOf = (store: { drizzle: unknown }) => (store.drizzle as { $client: Database.Database }).$client;

describe('SqliteStore when the storage fails', () => {
  it('types a lock held past the busy timeout as a retryable StoreBusyError, and writes nothing', async () => {
    const path = fresh();
    const store = await openStore({ path, busyTimeoutMs: 50 });
    const pendingBefore = await store.trackInvocation('held');
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    const error = await store.trackInvocation('x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreBusyError);
    expect(error).toMatchObject({ code: 'STORE_BUSY', retryable: true });
    await expect(pendingBefore.complete()).rejects.toBeInstanceOf(StoreBusyError);
    await expect(store.recordInvocation(testInvocation({ id: 'r' }))).rejects.toBeInstanceOf(StoreBusyError);
    // Reads go on (WAL), and show nothing half written.
    expect((await listAll(store)).map((i) => [i.skillName, i.status])).toEqual([['held', 'pending']]);
    other.exec('ROLLBACK');
    other.close();
    await pendingBefore.complete();
    expect((await store.getSkillMetrics('held'))?.totalInvocations).toBe(1);
    await store.close();
  });

  it('runs the work of track() whatever happens to its metrics, and reports the failure to onError', async () => {
    const path = fresh();
    const reported: Array<[SkillMetricsError, string]> = [];
    const store = await openStore({ path, busyTimeoutMs: 20, onError: (e, skill) => reported.push([e, skill]) });
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    let ran = 0;
    expect(await store.track('busy', () => ++ran)).toBe(1);
    const thrown = new RangeError('the work failed');
    await expect(
      store.track('busy', () => {
        ran++;
        throw thrown;
      }),
    ).rejects.toBe(thrown);
    expect(ran).toBe(2);
    expect(reported.map(([e, skill]) => [e.constructor.name, skill])).toEqual([
      ['StoreBusyError', 'busy'],
      ['StoreBusyError', 'busy'],
    ]);
    other.exec('ROLLBACK');
    other.close();
    // Started, then the lock is taken before it completes: the work's result still comes back.
    const result = await store.track('late', async () => {
      const lock = new Database(path);
      lock.exec('BEGIN IMMEDIATE');
      setTimeout(() => {
        lock.exec('ROLLBACK');
        lock.close();
      }, 200);
      return 'done';
    });
    expect(result).toBe('done');
    expect(reported.at(-1)?.[1]).toBe('late');
    await store.close();
    // A closed store, too, leaves the work alone.
    expect(await store.track('closed', () => 'still runs')).toBe('still runs');
    expect(reported.at(-1)?.[0].code).toBe('STORE_CLOSED');
  });

  it('names an error by its constructor when its name is not a string, and abandons the invocation', async () => {
    const store = await openStore({ path: fresh() });
    class Odd extends Error {}
    const odd = new Odd('x');
    Object.defineProperty(odd, 'name', { value: 42 });
    await expect(store.track('odd', () => Promise.reject(odd))).rejects.toBe(odd);
    await expect(store.track('odd', () => Promise.reject({ name: null }))).rejects.toEqual({ name: null });
    expect((await store.getSkillMetrics('odd'))?.commonErrors).toEqual({ Odd: 1, Object: 1 });
    await store.close();
  });

  it('types a full database as StoreFullError and rolls the whole chunk back', async () => {
    const store = await openStore({ path: fresh() });
    const client = clientOf(store);
    client.pragma(`max_page_count = ${(client.pragma('page_count', { simple: true }) as number) + 2}`);
    const big = Array.from({ length: 200 }, (_, i) =>
      testInvocation({ id: `big-${i}`, userContext: { blob: 'x'.repeat(2000) } }),
    );
    const error = await store.recordInvocations(big).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreFullError);
    expect(error).toMatchObject({ code: 'STORE_FULL', retryable: false });
    expect(await listAll(store)).toEqual([]);
    expect(await store.getSkillMetrics('imported')).toBeNull();
    await store.close();
  });

  it('commits a large import a chunk at a time: a conflict keeps the chunks before it', async () => {
    const store = await openStore({ path: fresh(), importChunkSize: 3 });
    await store.recordInvocation(testInvocation({ id: 'taken', skillName: 'other' }));
    const batch = Array.from({ length: 7 }, (_, i) => testInvocation({ id: i === 4 ? 'taken' : `c-${i}` }));
    await expect(store.recordInvocations(batch)).rejects.toBeInstanceOf(InvocationConflictError);
    expect((await listAll(store, { skillName: 'imported' })).map((i) => i.id)).toEqual(['c-0', 'c-1', 'c-2']);
    // Bad input anywhere is refused before any chunk is written.
    await expect(
      store.recordInvocations([testInvocation({ id: 'ok' }), testInvocation({ id: 'bad', durationSeconds: -1 })]),
    ).rejects.toBeInstanceOf(InvalidInputError);
    expect((await store.getSkillMetrics('imported'))?.totalInvocations).toBe(3);
    await store.close();
  });
});

describe('opening a SQLite store', () => {
  it('opens an up-to-date database read-only on request: reads answer, writes reject, nothing is created', async () => {
    const path = fresh();
    const writer = await openStore({ path });
    await writer.recordInvocation(testInvocation({ id: 'a' }));
    await writer.close();
    const store = await openStore({ path, readonly: true });
    expect((await store.getSummary()).totalInvocations).toBe(1);
    const error = await store.trackInvocation('x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreReadOnlyError);
    await store.close();
    const missing = join(dir, 'missing', 'x.db');
    await expect(openStore({ path: missing, readonly: true })).rejects.toBeInstanceOf(StoreOpenError);
    expect(existsSync(join(dir, 'missing'))).toBe(false);
    // One that needs a migration cannot be read as it is.
    const old = fresh();
    const raw = new Database(old);
    migrate(raw, loadMigrations().slice(0, 1));
    raw.close();
    await expect(openStore({ path: old, readonly: true })).rejects.toBeInstanceOf(MigrationError);
  });

  it('refuses a file a non-root process cannot write, unless opened read-only', async () => {
    // Root's file in a folder anyone may write (read-only SQLite still makes a -shm file there).
    const folder = join(dir, `root-only-${n++}`);
    mkdirSync(folder);
    chmodSync(dir, 0o755);
    const path = join(folder, 'metrics.db');
    const store = await openStore({ path });
    await store.recordInvocation(testInvocation({ id: 'a' }));
    await store.close();
    chmodSync(path, 0o644);
    chmodSync(folder, 0o777);
    const script = `
      const { openStore } = await import('@skill-metrics/core');
      const out = {};
      try { await openStore({ path: ${JSON.stringify(path)} }); out.open = 'opened'; } catch (e) { out.open = e.constructor.name; out.message = e.message; }
      const ro = await openStore({ path: ${JSON.stringify(path)}, readonly: true });
      out.total = (await ro.getSummary()).totalInvocations;
      try { await ro.trackInvocation('x'); } catch (e) { out.write = e.constructor.name; }
      await ro.close();
      console.log(JSON.stringify(out));`;
    const root = fileURLToPath(new URL('..', import.meta.url));
    const output = execFileSync(
      process.execPath,
      ['--conditions', 'dev-source', '--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: root, encoding: 'utf8', uid: 65534, gid: 65534, env: { ...process.env, HOME: tmpdir() } },
    );
    const out = JSON.parse(output.trim().split('\n').at(-1) as string);
    expect(out).toMatchObject({ open: 'StoreOpenError', total: 1, write: 'StoreReadOnlyError' });
    expect(out.message).toMatch(/read-only/);
  }, 30_000);

  it('refuses a database that is not skill-metrics’s, byte for byte untouched, its journal mode too', async () => {
    const path = fresh();
    const foreign = new Database(path);
    foreign.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users (name) VALUES ('ada')");
    foreign.close();
    const before = readFileSync(path);
    const error = await openStore({ path }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toMatch(/not a skill-metrics database.*users/);
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(existsSync(`${path}-wal`)).toBe(false);
  });

  it('refuses a 1-byte file, a path under a file, and paths that are not text, overwriting nothing', async () => {
    const tiny = fresh();
    writeFileSync(tiny, 'x');
    await expect(openStore({ path: tiny })).rejects.toBeInstanceOf(StoreOpenError);
    expect(readFileSync(tiny, 'utf8')).toBe('x');
    await expect(openStore({ path: join(tiny, 'sub', 'x.db') })).rejects.toBeInstanceOf(StoreOpenError);
    expect(readFileSync(tiny, 'utf8')).toBe('x');
    for (const path of [42, null, '', ['a.db']]) {
      const error = await openStore({ path: path as string }).catch((e: unknown) => e);
      expect(error, JSON.stringify(path)).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).field).toBe('path');
    }
  });

  it('refuses options it does not know, or of the wrong kind, naming them, before opening anything', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ url: 'postgres://localhost/test' }, 'options.url'],
      [{ synchronous: 'off' }, 'synchronous'],
      [{ busyTimeoutMs: -1 }, 'busyTimeoutMs'],
      [{ busyTimeoutMs: 1.5 }, 'busyTimeoutMs'],
      [{ readonly: 'yes' }, 'readonly'],
      [{ clock: {} }, 'clock'],
      [{ onError: 5 }, 'onError'],
      [{ importChunkSize: 0 }, 'importChunkSize'],
    ];
    for (const [options, field] of cases) {
      const path = fresh();
      const error = await openStore({ path, ...options }).catch((e: unknown) => e);
      expect(error, JSON.stringify(options)).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).field).toBe(field);
      expect(existsSync(path)).toBe(false);
    }
    await expect(openStore(null as never)).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('sets synchronous as asked: FULL fsyncs every commit, NORMAL does not', async () => {
    const full = await openStore({ path: fresh(), synchronous: 'full' });
    const normal = await openStore({ path: fresh() });
    expect(clientOf(full).pragma('synchronous', { simple: true })).toBe(2);
    expect(clientOf(normal).pragma('synchronous', { simple: true })).toBe(1);
    await full.close();
    await normal.close();
  });

  it('getStore() opens a new store once the shared one is closed', async () => {
    const path = fresh();
    const first = await getStore(path);
    expect(await getStore(path)).toBe(first);
    await first.close();
    const second = await getStore(path);
    expect(second).not.toBe(first);
    expect((await second.getSummary()).totalInvocations).toBe(0);
    await second.close();
  });
});
