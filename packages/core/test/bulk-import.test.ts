import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  bulkImportOf,
  InvalidInputError,
  InvocationConflictError,
  type InvocationInput,
  SqliteStore,
} from '@skill-metrics/core';
import { afterEach, describe, expect, it } from 'vitest';
import { chunks, clock, figureTables, finishedVersions, invocations, SKILLS } from './import-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'skill-metrics-bulk-'));
let n = 0;
const freshPath = () => join(dir, `bulk-${n++}.db`);

const opened: SqliteStore[] = [];
const open = (path: string) => {
  const store = new SqliteStore({ path, clock });
  opened.push(store);
  return store;
};
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
});

/** The reference: the same invocations recorded one at a time, every hour summed from the table. */
async function recordedOneByOne(all: readonly InvocationInput[]): Promise<string> {
  const path = freshPath();
  const store = open(path);
  for (const inv of all) await store.recordInvocation(inv, { legacyQuirks: true });
  await store.close();
  return path;
}

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
  }, 30_000);

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
