import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  bulkImportOf,
  type Clock,
  InvalidInputError,
  InvocationConflictError,
  type InvocationInput,
  SqliteStore,
} from '@skill-metrics/core';
import { seededRandom } from '@skill-metrics/core/testing';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'skill-metrics-bulk-'));
let n = 0;
const freshPath = () => join(dir, `bulk-${n++}.db`);

const NOW = Date.UTC(2026, 5, 15, 12, 30);
const clock: Clock = { now: () => NOW, monotonic: () => 0 };
const opened: SqliteStore[] = [];
const open = (path: string) => {
  const store = new SqliteStore({ path, clock });
  opened.push(store);
  return store;
};
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
});

const SKILLS = ['code-review', 'deploy', 'lint-fix', 'pytest-runner', 'refactor'];
const PATHS = [null, 'quick', 'ci full', 'daily.report', 'release/v2 hotfix'];

/**
 * Invocations with every figure at stake, in shuffled order: several skills, hours and days (the
 * clock's own hour among them, and some far in the future), paths, errors, actions, sessions,
 * projects, pending ones, and the old tracker's negative durations. Durations are multiples of
 * 0.25, so every sum is exact in whatever order it is added.
 */
function invocations(count: number, seed = 1): InvocationInput[] {
  const random = seededRandom(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)] as T;
  const out: InvocationInput[] = [];
  for (let i = 0; i < count; i++) {
    const future = i % 97 === 0;
    const startMs = future ? Date.UTC(2099, 0, 1) + i * 60_000 : NOW - Math.floor(random() * 6 * 86_400_000);
    const pending = i % 13 === 0;
    const completed = !pending && random() < 0.8;
    out.push({
      id: `inv-${seed}-${i}`,
      skillName: pick(SKILLS),
      invokedAt: new Date(startMs).toISOString(),
      workflowPath: pick(PATHS),
      completed,
      durationSeconds: pending ? null : i % 41 === 0 ? -0.5 : Math.floor(random() * 400) * 0.25,
      errorType: pending || completed ? null : pick(['TimeoutError', 'ValueError']),
      followUpActions: pending ? [] : random() < 0.3 ? ['git commit', 'git push'] : [],
      sessionId: random() < 0.5 ? `session-${Math.floor(random() * 40)}` : null,
      projectPath: random() < 0.5 ? `/work/project-${Math.floor(random() * 4)}` : null,
      userContext: null,
    });
  }
  return out;
}

/** The same invocations finished: what a later import of the same file brings for the pending ones. */
function finishedVersions(all: readonly InvocationInput[]): InvocationInput[] {
  return all
    .filter((inv) => inv.durationSeconds === null)
    .map((inv) => ({ ...inv, completed: true, durationSeconds: 1.5 }));
}

/** Every figure table of a database file, as rows in key order (a path's id and the row's time left out). */
function figureTables(path: string) {
  const db = new Database(path, { readonly: true });
  try {
    const all = <Row = Record<string, unknown>>(sql: string) => db.prepare(sql).all() as Row[];
    return {
      skills: all(`SELECT * FROM skill_totals ORDER BY skill_name`).map((row) => {
        const { last_aggregated_at: _, ...rest } = row as Record<string, unknown>;
        return rest;
      }),
      paths: all<{ skill_name: string; workflow_path: string; invocation_count: number }>(
        'SELECT skill_name, workflow_path, invocation_count FROM skill_workflow_path ORDER BY 1, 2',
      ),
      counts: all('SELECT * FROM skill_count ORDER BY skill_name, kind, key'),
      sessions: all('SELECT * FROM session_skill ORDER BY session_id, skill_name'),
      projects: all('SELECT * FROM project_skill ORDER BY project_path, skill_name'),
      hours: all('SELECT * FROM skill_timeline ORDER BY skill_name, bucket_start'),
      days: all('SELECT * FROM skill_timeline_day ORDER BY skill_name, bucket_start'),
      searchable: all(`SELECT p.skill_name, p.workflow_path FROM skill_workflow_path p
        JOIN workflow_path_search s ON s.rowid = p.id ORDER BY 1, 2`).length,
    };
  } finally {
    db.close();
  }
}

/** The reference: the same invocations recorded one at a time, every hour summed from the table. */
async function recordedOneByOne(all: readonly InvocationInput[]): Promise<string> {
  const path = freshPath();
  const store = open(path);
  for (const inv of all) await store.recordInvocation(inv, { legacyQuirks: true });
  await store.close();
  return path;
}

const chunks = <T>(xs: readonly T[], size: number) =>
  Array.from({ length: Math.ceil(xs.length / size) }, (_, i) => xs.slice(i * size, (i + 1) * size));

describe('importing in batches', () => {
  it('gives exactly the figures of the same invocations recorded one at a time', async () => {
    const all = invocations(3000);
    const reference = figureTables(await recordedOneByOne([...all, ...finishedVersions(all)]));
    expect(reference.skills).toHaveLength(SKILLS.length);
    expect(reference.hours.length).toBeGreaterThan(100);

    // Most hours a batch closes hold only its own invocations, and are summed from it in memory.
    const batched = freshPath();
    const store = open(batched);
    for (const batch of [...chunks(all, 700), finishedVersions(all)]) {
      await store.recordInvocations(batch, { legacyQuirks: true });
    }
    expect(figureTables(batched)).toEqual(reference);

    const bulkPath = freshPath();
    const bulk = bulkImportOf(open(bulkPath));
    if (!bulk) throw new Error('no bulk import');
    for (const batch of [...chunks(all, 450), finishedVersions(all)]) {
      await bulk.recordInvocations(batch, { legacyQuirks: true, keep: { key: 'checkpoint', value: batch.length } });
    }
    expect(figureTables(bulkPath)).toEqual(reference);
  });

  it('counts what another connection writes into the same hours meanwhile, once', async () => {
    const all = invocations(2000, 2);
    const live = invocations(300, 3);
    const reference = figureTables(await recordedOneByOne([...all, ...live, ...finishedVersions(all)]));

    const path = freshPath();
    const importer = open(path);
    const writer = open(path);
    const [first, ...rest] = chunks(all, 500);
    await importer.recordInvocations(first as InvocationInput[], { legacyQuirks: true });
    for (const inv of live.slice(0, 150)) await writer.recordInvocation(inv, { legacyQuirks: true });
    for (const batch of rest) await importer.recordInvocations(batch, { legacyQuirks: true });
    await writer.recordInvocations(live.slice(150), { legacyQuirks: true });
    // The live side finishes invocations the import left pending.
    await writer.recordInvocations(finishedVersions(all), { legacyQuirks: true });
    expect(figureTables(path)).toEqual(reference);
  });
});

describe('bulk import', () => {
  it('keeps state in the transaction of the last invocations, and neither on a conflict', async () => {
    const store = open(freshPath());
    const bulk = bulkImportOf(store);
    if (!bulk) throw new Error('no bulk import');
    const all = invocations(50, 5);
    const options = { legacyQuirks: true };
    await bulk.recordInvocations(all.slice(0, 30), { ...options, keep: { key: 'checkpoint', value: { ordinal: 30 } } });
    expect(await store.notes.getState('checkpoint')).toEqual({ ordinal: 30 });
    const clash = { ...(all[0] as InvocationInput), skillName: 'other' };
    const error = await bulk
      .recordInvocations([...all.slice(30), clash], { ...options, keep: { key: 'checkpoint', value: { ordinal: 50 } } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvocationConflictError);
    expect(await store.notes.getState('checkpoint')).toEqual({ ordinal: 30 });
    expect(await store.countInvocations()).toBe(30);
    await bulk.recordInvocations([], { keep: { key: 'checkpoint', value: null } });
    expect(await store.notes.getState('checkpoint')).toBeNull();
  });

  it('keeps the state with the last chunk only, so that a failed chunk leaves the one before it', async () => {
    const path = freshPath();
    const store = new SqliteStore({ path, clock, importChunkSize: 10 });
    opened.push(store);
    const bulk = bulkImportOf(store);
    if (!bulk) throw new Error('no bulk import');
    const all = invocations(25, 7);
    const clash = { ...(all[0] as InvocationInput), skillName: 'other' };
    await bulk.recordInvocations(all.slice(0, 5), { legacyQuirks: true, keep: { key: 'at', value: 5 } });
    const error = await bulk
      .recordInvocations([...all.slice(5, 24), clash], { legacyQuirks: true, keep: { key: 'at', value: 25 } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvocationConflictError);
    // The first chunk of ten committed; the state still says what the caller kept last.
    expect(await store.countInvocations()).toBe(15);
    expect(await store.notes.getState('at')).toBe(5);
  });

  it('refuses bad input with a typed error and writes nothing', async () => {
    const store = open(freshPath());
    const bulk = bulkImportOf(store);
    if (!bulk) throw new Error('no bulk import');
    const [good] = invocations(1, 6) as [InvocationInput];
    const bad: Array<[unknown, unknown, RegExp]> = [
      [[good], { keep: 'checkpoint' }, /keep/],
      [[good], { keep: { key: '', value: 1 } }, /keep\.key/],
      [[good], { keep: { key: 'k', value: 10n } }, /keep\.value/],
      [[good], { legacyQuirks: 'yes' }, /legacyQuirks/],
      [[good], { other: true }, /other/],
      [[{ ...good, durationSeconds: -1 }], undefined, /invocations\[0\]\.durationSeconds/],
    ];
    for (const [batch, options, message] of bad) {
      const error = await bulk.recordInvocations(batch as InvocationInput[], options as never).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as Error).message).toMatch(message);
    }
    expect(await store.countInvocations()).toBe(0);
    expect(await store.notes.getState('k')).toBeNull();
  });
});
