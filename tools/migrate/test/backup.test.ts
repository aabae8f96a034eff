import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMigrations, migrate, openStore } from '@skill-metrics/core';
import { listAll, snapshot, testInvocation } from '@skill-metrics/core/testing';
import { startWorker } from '@skill-metrics/core/testing/process';
import { main } from '@skill-metrics/migrate';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DatabaseFileError, verifyCopy } from '../src/sqlite-file.js';

const WRITER = new URL('./workers/writer.ts', import.meta.url);
const root = mkdtempSync(join(tmpdir(), 'skill-metrics-backup-'));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let dirs = 0;
/** A fresh directory, so that a test can see every file a command leaves in it. */
const freshDir = () => {
  const dir = join(root, `d${dirs++}`);
  mkdirSync(dir);
  return dir;
};

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** A database of `n` imported invocations over five skills, some abandoned, and a few live ones. */
async function filledDatabase(path: string, n: number): Promise<void> {
  const store = await openStore({ path });
  await store.recordInvocations(
    Array.from({ length: n }, (_, i) =>
      testInvocation({
        id: `seed-${i}`,
        skillName: `seed-${i % 5}`,
        invokedAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString().replace('Z', '000Z'),
        completed: i % 9 !== 0,
        durationSeconds: 1 + (i % 13),
        workflowPath: `path-${i % 17}`,
        errorType: i % 9 === 0 ? 'TimeoutError' : null,
        sessionId: `s-${i % 7}`,
      }),
    ),
  );
  const done = await store.trackInvocation('live', { projectPath: '/p', userContext: { why: 'test' } });
  await done.complete({ followUpActions: ['commit'] });
  await store.trackInvocation('live'); // stays pending
  await store.close();
}

/** Counts as `backup` and `restore` print them. */
function printedCounts(out: string) {
  const m = /skills: +([\d,]+)\ninvocations: +([\d,]+) completed, ([\d,]+) abandoned, ([\d,]+) pending/.exec(out);
  if (!m) throw new Error(`no counts in:\n${out}`);
  const [skills, completed, abandoned, pending] = m.slice(1).map((x) => Number(x.replace(/,/g, '')));
  return { skills, completed, abandoned, pending };
}

async function countsOf(path: string) {
  const store = await openStore({ path, readonly: true });
  try {
    return {
      skills: (await store.getSummary()).totalSkills,
      completed: await store.countInvocations({ status: 'completed' }),
      abandoned: await store.countInvocations({ status: 'abandoned' }),
      pending: await store.countInvocations({ status: 'pending' }),
    };
  } finally {
    await store.close();
  }
}

async function contents(path: string) {
  const store = await openStore({ path, readonly: true });
  try {
    return await snapshot(store);
  } finally {
    await store.close();
  }
}

describe('skill-metrics backup', () => {
  it('copies a database while another process keeps writing to it: the backup is one consistent snapshot, verified, and the source keeps every write', async () => {
    const dir = freshDir();
    const db = join(dir, 'live.db');
    const seeded = 30_000;
    await filledDatabase(db, seeded);
    const writer = startWorker(WRITER, [db, 'write']);
    await writer.printed('ready');
    writer.go();
    await writer.printed('writing');
    await sleep(200);

    const out = join(dir, 'copy.db');
    let backup: Awaited<ReturnType<typeof run>>;
    let sourceRightAfter: Awaited<ReturnType<typeof countsOf>>;
    try {
      backup = await run(['backup', out, '--db', db]);
      sourceRightAfter = await countsOf(db);
    } finally {
      writer.child.kill('SIGTERM');
    }
    const lines = await writer.done;
    const wrote = Number(/^wrote (\d+)$/.exec(lines.at(-1) ?? '')?.[1]);

    expect(backup.code, backup.err).toBe(0);
    expect(backup.out).toContain(`backup:         ${out}`);
    expect(backup.out).toMatch(/size: +[\d,]+ bytes/);
    expect(backup.out).toMatch(/elapsed: +\d+\.\d\d s/);
    expect(backup.out).toContain('verified:       integrity ok');
    // What it printed is what the file holds.
    const copied = await countsOf(out);
    expect(printedCounts(backup.out)).toEqual(copied);
    // The snapshot fell inside the writer's run: some of its writes are in, later ones are not.
    const finishedIn = (c: typeof copied) => c.completed + c.abandoned;
    expect(finishedIn(copied)).toBeGreaterThan(seeded + 1);
    expect(finishedIn(sourceRightAfter)).toBeGreaterThan(finishedIn(copied));

    // The copy is sound on its own: SQLite's check, and every aggregate agrees with its rows.
    const raw = new Database(out, { readonly: true });
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(raw.pragma('journal_mode', { simple: true })).toBe('delete');
    raw.close();
    const copy = await openStore({ path: out, readonly: true });
    const metrics = await copy.getAllMetrics();
    for (const [skillName, m] of metrics) {
      expect(m.completedInvocations, skillName).toBe(await copy.countInvocations({ skillName, status: 'completed' }));
      expect(m.abandonedInvocations, skillName).toBe(await copy.countInvocations({ skillName, status: 'abandoned' }));
    }
    const inCopy = await listAll(copy);
    await copy.close();

    // The source lost nothing: every write of the writer is there, and so is everything the copy holds.
    expect(wrote).toBeGreaterThan(0);
    const source = await openStore({ path: db, readonly: true });
    expect(await source.countInvocations()).toBe(seeded + 2 + wrote);
    expect(await source.countInvocations({ status: 'pending' })).toBe(1);
    const inSource = new Map((await listAll(source)).map((inv) => [inv.id, inv]));
    await source.close();
    for (const inv of inCopy) {
      // An invocation the writer had started but not finished at the snapshot is pending in the copy only.
      if (inv.status === 'pending' && inv.skillName !== 'live')
        expect(inSource.get(inv.id)?.status).not.toBe('pending');
      else expect(inSource.get(inv.id)).toEqual(inv);
    }
    expect(readdirSync(dir).filter((name) => name.includes('partial'))).toEqual([]);
  }, 120_000);

  it('refuses an existing out file unless --force, a missing, foreign or newer source, and writes nothing', async () => {
    const dir = freshDir();
    const db = join(dir, 'source.db');
    await filledDatabase(db, 50);
    const existing = join(dir, 'existing.db');
    writeFileSync(existing, 'keep me');
    const random = join(dir, 'random.db');
    writeFileSync(random, Buffer.alloc(4096, 7));
    const newer = join(dir, 'newer.db');
    copyFileSync(db, newer);
    const raw = new Database(newer);
    raw
      .prepare('INSERT INTO schema_migrations (version, applied_at, description, checksum) VALUES (?, ?, ?, ?)')
      .run(loadMigrations().length + 1, '2030-01-01T00:00:00Z', '9999_future', 'f'.repeat(64));
    raw.close();
    const before = readdirSync(dir).sort();

    const cases: Array<[string[], RegExp]> = [
      [['backup', existing, '--db', db], /existing\.db exists; give --force to replace it/],
      [['backup', join(dir, 'out.db'), '--db', join(dir, 'missing.db')], /no database at .*missing\.db/],
      [['backup', join(dir, 'out.db'), '--db', random], /random\.db is not a SQLite database/],
      [
        ['backup', join(dir, 'out.db'), '--db', newer],
        /newer\.db has migration \d+ \(9999_future\), which this version/,
      ],
      [['backup', join(dir, 'no-such-dir', 'out.db'), '--db', db], /out\.db cannot be written: no directory/],
      [['backup', db, '--db', db, '--force'], /cannot be written over its own database/],
      [['backup', join(dir, 'out.db'), '--db', ':memory:'], /--db :memory: is no file/],
      [['backup', '--db', db], /backup needs <out\.db>/],
    ];
    for (const [argv, message] of cases) {
      const r = await run(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err.split('\n')[0], argv.join(' ')).toMatch(message);
      expect(readdirSync(dir).sort(), argv.join(' ')).toEqual(before);
    }
    expect(readFileSync(existing, 'utf8')).toBe('keep me');

    // Over a file that is no database, --force still refuses; over an older backup it replaces it.
    expect((await run(['backup', existing, '--db', db, '--force'])).err).toMatch(
      /existing\.db is not a SQLite database/,
    );
    const old = join(dir, 'old.db');
    expect((await run(['backup', old, '--db', db])).code).toBe(0);
    const store = await openStore({ path: db });
    await (await store.trackInvocation('after')).complete();
    await store.close();
    const forced = await run(['backup', old, '--db', db, '--force']);
    expect(forced.code, forced.err).toBe(0);
    expect(await contents(old)).toEqual(await contents(db));
  }, 60_000);

  it('backs up and restores a database of an older schema version, which the store migrates when it opens it', async () => {
    const dir = freshDir();
    const db = join(dir, 'older.db');
    const shipped = loadMigrations();
    const raw = new Database(db);
    migrate(raw, shipped.slice(0, -1));
    raw.close();
    const out = join(dir, 'older-backup.db');
    const backup = await run(['backup', out, '--db', db]);
    expect(backup.code, backup.err).toBe(0);
    expect(backup.out).toContain(`schema version: ${shipped.length - 1} (`);
    expect(backup.out).toContain(`this code ships ${shipped.length}`);
    const target = join(dir, 'restored.db');
    const restore = await run(['restore', out, '--db', target]);
    expect(restore.code, restore.err).toBe(0);
    const store = await openStore({ path: target });
    expect(store.migrationsApplied).toEqual([shipped.length]);
    await store.close();
  });
});

describe('verifyCopy', () => {
  it('refuses a copy whose counts or migrations are not its source snapshot', async () => {
    const dir = freshDir();
    const db = join(dir, 'checked.db');
    await filledDatabase(db, 30);
    const out = join(dir, 'checked-copy.db');
    expect((await run(['backup', out, '--db', db])).code).toBe(0);
    const facts = verifyCopy(out);
    expect(facts.counts).toEqual(await countsOf(out));
    expect(verifyCopy(out, { source: facts })).toEqual(facts);
    const oneMore = { ...facts, counts: { ...facts.counts, abandoned: facts.counts.abandoned + 1 } };
    expect(() => verifyCopy(out, { source: oneMore, shownAs: 'the copy' })).toThrow(
      new DatabaseFileError(
        'the copy',
        `holds ${JSON.stringify(facts.counts)}, not the source's ${JSON.stringify(oneMore.counts)}`,
      ),
    );
    const oneLess = { ...facts, applied: facts.applied.slice(0, -1) };
    expect(() => verifyCopy(out, { source: oneLess })).toThrow(/has other migrations than its source/);
  });
});

describe('skill-metrics restore', () => {
  it('gives back the data of the backup, over a database that has changed since and into a new file, and the store writes to it in WAL mode', async () => {
    const dir = freshDir();
    const db = join(dir, 'main.db');
    await filledDatabase(db, 500);
    const expected = await contents(db);
    const out = join(dir, 'saved.db');
    expect((await run(['backup', out, '--db', db])).code).toBe(0);

    const store = await openStore({ path: db });
    for (let i = 0; i < 20; i++) await (await store.trackInvocation('later')).complete({ completed: i % 2 === 0 });
    await store.close();
    expect(await contents(db)).not.toEqual(expected);

    const restore = await run(['restore', out, '--db', db]);
    expect(restore.code, restore.err).toBe(0);
    expect(restore.out).toContain(`restored:       ${db} from ${out} (the database that was there is replaced)`);
    expect(printedCounts(restore.out)).toEqual(await countsOf(db));
    expect(await contents(db)).toEqual(expected);

    const fresh = join(dir, 'fresh.db');
    expect((await run(['restore', out, '--db', fresh])).code).toBe(0);
    expect(await contents(fresh)).toEqual(expected);

    const again = await openStore({ path: db });
    await (await again.trackInvocation('after-restore')).complete();
    await again.close();
    const raw = new Database(db, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
    expect(await contents(out)).toEqual(expected);
    expect(readdirSync(dir).filter((name) => name.includes('restoring'))).toEqual([]);
  });

  it('puts the backup where a crashed process left a write-ahead log of another database, and that log is not read into it', async () => {
    const dir = freshDir();
    const db = join(dir, 'kept.db');
    await filledDatabase(db, 100);
    const out = join(dir, 'kept-backup.db');
    expect((await run(['backup', out, '--db', db])).code).toBe(0);
    const other = join(dir, 'other.db');
    await filledDatabase(other, 300);
    const writing = await openStore({ path: other });
    for (let i = 0; i < 5; i++) await (await writing.trackInvocation('only-in-the-log')).complete();
    const target = join(dir, 'crashed.db');
    copyFileSync(`${other}-wal`, `${target}-wal`);
    await writing.close();
    expect(readFileSync(`${target}-wal`).length).toBeGreaterThan(0);

    const restore = await run(['restore', out, '--db', target]);
    expect(restore.code, restore.err).toBe(0);
    expect(existsSync(`${target}-wal`)).toBe(false);
    expect(await contents(target)).toEqual(await contents(out));
  });

  it('refuses each file that is no sound skill-metrics database of this schema, with exit 2 and the target byte-for-byte unchanged', async () => {
    const files = freshDir();
    const here = freshDir();
    const target = join(here, 'skill_metrics.db');
    await filledDatabase(target, 200);
    const real = join(files, 'real-backup.db');
    expect((await run(['backup', real, '--db', target])).code).toBe(0);

    const random = join(files, 'random.db');
    writeFileSync(random, Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 7919) % 251)));
    const zero = join(files, 'zero.db');
    writeFileSync(zero, '');
    const emptySqlite = join(files, 'empty-sqlite.db');
    const empty = new Database(emptySqlite);
    empty.pragma('user_version = 1');
    empty.close();
    const foreign = join(files, 'foreign.db');
    const other = new Database(foreign);
    other.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT); INSERT INTO notes (text) VALUES (1)');
    other.close();
    const wrongTables = join(files, 'wrong-tables.db');
    const wrong = new Database(wrongTables);
    wrong.exec(`ATTACH '${real}' AS real; CREATE TABLE schema_migrations AS SELECT * FROM real.schema_migrations`);
    wrong.close();
    const newer = join(files, 'newer.db');
    copyFileSync(real, newer);
    const up = new Database(newer);
    up.prepare('INSERT INTO schema_migrations (version, applied_at, description, checksum) VALUES (?, ?, ?, ?)').run(
      loadMigrations().length + 1,
      '2030-01-01T00:00:00Z',
      '9999_future',
      'f'.repeat(64),
    );
    up.close();
    const truncated = join(files, 'truncated.db');
    copyFileSync(real, truncated);
    truncateSync(truncated, Math.floor(readFileSync(real).length / 2));
    const withLog = join(files, 'with-log.db');
    copyFileSync(real, withLog);
    writeFileSync(`${withLog}-wal`, Buffer.alloc(4096, 1));

    const cases: Array<[string, RegExp]> = [
      [join(files, 'missing.db'), /no backup at .*missing\.db/],
      [random, /random\.db is not a SQLite database/],
      [zero, /zero\.db is empty, not a SQLite database/],
      [emptySqlite, /empty-sqlite\.db is not a skill-metrics database: it has no schema_migrations table/],
      [foreign, /foreign\.db is not a skill-metrics database: it has no schema_migrations table/],
      [
        wrongTables,
        /wrong-tables\.db is not a skill-metrics database: schema version \d+ has .*skill_invocation.*, which it lacks/,
      ],
      [newer, /newer\.db has migration \d+ \(9999_future\), which this version of @skill-metrics\/core does not know/],
      [truncated, /truncated\.db (fails SQLite's integrity check|cannot be read as a database): .*malformed/],
      [withLog, /with-log\.db has a write-ahead log beside it/],
    ];
    const targetBytes = readFileSync(target);
    const targetDir = readdirSync(here).sort();
    for (const [file, message] of cases) {
      const fileBytes = existsSync(file) ? readFileSync(file) : null;
      const filesDir = readdirSync(files).sort();
      const r = await run(['restore', file, '--db', target]);
      expect(r.code, file).toBe(2);
      expect(r.err, file).toMatch(message);
      expect(r.err.split('\n'), file).toHaveLength(1);
      expect(readFileSync(target).equals(targetBytes), file).toBe(true);
      expect(readdirSync(here).sort(), file).toEqual(targetDir);
      // The file given is only read.
      if (fileBytes) expect(readFileSync(file).equals(fileBytes), file).toBe(true);
      expect(readdirSync(files).sort(), file).toEqual(filesDir);
    }
    expect((await run(['restore', real, '--db', target])).code).toBe(0);
  });

  it('refuses while another process has the database open, and restores once it has closed it', async () => {
    const dir = freshDir();
    const db = join(dir, 'busy.db');
    await filledDatabase(db, 100);
    const out = join(dir, 'busy-backup.db');
    expect((await run(['backup', out, '--db', db])).code).toBe(0);
    const store = await openStore({ path: db });
    await (await store.trackInvocation('since-the-backup')).complete();
    await store.close();
    const current = await contents(db);

    const holder = startWorker(WRITER, [db, 'hold']);
    try {
      await holder.printed('holding');
      const refused = await run(['restore', out, '--db', db]);
      expect(refused.code).toBe(2);
      expect(refused.err).toMatch(/busy\.db is in use: another process has it open; .*nothing was changed$/);
      expect(readdirSync(dir).filter((name) => name.includes('restoring'))).toEqual([]);
    } finally {
      holder.child.kill('SIGTERM');
    }
    await holder.done;
    expect(await contents(db)).toEqual(current);

    const restored = await run(['restore', out, '--db', db]);
    expect(restored.code, restored.err).toBe(0);
    expect((await contents(db)).invocations.some((inv) => inv.skillName === 'since-the-backup')).toBe(false);
  }, 60_000);
});
