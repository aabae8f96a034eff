import { mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidInputError, StoreBusyError } from '@skill-metrics/core/contract';
import {
  LegacyFileError,
  LegacyJsonStore,
  LegacyLockError,
  LegacyWriteError,
  openLegacyStore,
} from '@skill-metrics/json-legacy';
import { lock } from 'proper-lockfile';
import { describe, expect, it, vi } from 'vitest';

import { all, fixture, fresh, readRaw } from './store-files.js';

describe('LegacyJsonStore writes', () => {
  it('writes N changes that wait on the lock together, and resolves each once it is on disk', async () => {
    const path = fresh();
    const store = await openLegacyStore({ path, timeZone: 'UTC' });
    const handles = await Promise.all(
      Array.from({ length: 200 }, (_, i) => store.trackInvocation(`skill-${i % 4}`, { workflowPath: `w${i % 3}` })),
    );
    const started = store.stats;
    expect(started.rewrites).toBeLessThan(20);
    const onDisk: boolean[] = [];
    await Promise.all(
      handles.map((h, i) =>
        h.complete({ completed: i % 5 !== 0 }).then(() => {
          // Read synchronously the moment this call resolves: its change must already be in the file.
          const raws = readRaw(path).invocations;
          const ordinal = handles.indexOf(h);
          onDisk.push(raws[ordinal]?.duration_seconds !== null);
        }),
      ),
    );
    expect(onDisk).toHaveLength(200);
    expect(onDisk.every(Boolean)).toBe(true);
    const done = store.stats;
    expect(done.changes - started.changes).toBe(200);
    expect(done.rewrites - started.rewrites).toBeLessThan(20);
    expect((await store.getSummary()).totalInvocations).toBe(200);
    await store.close();
  });

  it('sees what another store wrote to the same file, and loses none of it', async () => {
    const path = fresh();
    const a = await openLegacyStore({ path, timeZone: 'UTC' });
    const b = await openLegacyStore({ path, timeZone: 'UTC' });
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).track('shared', () => i, { workflowPath: `p${i % 2}` })),
    );
    for (const store of [a, b]) {
      expect(await store.getSkillMetrics('shared')).toMatchObject({
        totalInvocations: 40,
        workflowPaths: { p0: 20, p1: 20 },
      });
    }
    expect(readRaw(path).skills.shared).toMatchObject({ total_invocations: 40 });
    await Promise.all([a.close(), b.close()]);
  });

  it('fails a write with LegacyLockError when another holder keeps the lock, and writes nothing', async () => {
    const path = fixture('tracker.json');
    const bytes = readFileSync(path);
    const store = await openLegacyStore({ path, timeZone: 'UTC', lockTimeoutMs: 300 });
    const release = await lock(path, { realpath: false, lockfilePath: `${path}.lock` });
    const error = await store.trackInvocation('x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LegacyLockError);
    expect(error).toBeInstanceOf(StoreBusyError);
    expect(error).toMatchObject({ code: 'LEGACY_LOCK', retryable: true });
    expect((error as Error).message).toMatch(/still locked/);
    expect(readFileSync(path)).toEqual(bytes);
    // The work of track() goes on; the failure goes to onError.
    const reported: unknown[] = [];
    const tracking = await openLegacyStore({
      path,
      timeZone: 'UTC',
      lockTimeoutMs: 100,
      onError: (e) => reported.push(e),
    });
    expect(await tracking.track('x', () => 'work done')).toBe('work done');
    expect(reported).toHaveLength(1);
    expect(reported[0]).toBeInstanceOf(LegacyLockError);
    await tracking.close();
    expect(readFileSync(path)).toEqual(bytes);
    await release();
    await store.track('x', () => undefined);
    expect(readRaw(path).invocations).toHaveLength(8);
    await store.close();
  });

  it('takes over a stale lock left by a dead writer, and removes the temporary files it left', async () => {
    const path = fixture('tracker.json');
    mkdirSync(`${path}.lock`);
    const old = new Date(Date.now() - 60_000);
    utimesSync(`${path}.lock`, old, old);
    writeFileSync(`${path}.tmp-999999-abcdef`, '{"invocations": [{"skill_name": "torn');
    const store = await openLegacyStore({ path, timeZone: 'UTC', lockStaleMs: 5_000, lockTimeoutMs: 2_000 });
    expect((await all(store)).length).toBe(7);
    await store.track('after-crash', () => undefined);
    expect(readdirSync(join(path, '..')).sort()).toEqual(['skill_metrics.json']);
    expect(readRaw(path).invocations).toHaveLength(8);
    await store.close();
  });

  it('gives typed errors for a path it cannot use: a directory, or a folder that is a file', async () => {
    const folder = join(fresh(), '..');
    mkdirSync(folder, { recursive: true });
    const error = await openLegacyStore({ path: folder, timeZone: 'UTC' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LegacyFileError);
    expect((error as LegacyFileError).problem).toMatch(/cannot be read/);

    const blocker = fresh();
    mkdirSync(join(blocker, '..'));
    writeFileSync(blocker, 'not a folder');
    const store = new LegacyJsonStore({ path: join(blocker, 'sub', 'skill_metrics.json'), timeZone: 'UTC' });
    await expect(store.trackInvocation('x')).rejects.toBeInstanceOf(LegacyWriteError);
    expect(readFileSync(blocker, 'utf8')).toBe('not a folder');
    await store.close();
  });

  it('keeps a user context as JSON keeps it, as the database stores do', async () => {
    const path = fresh();
    const store = await openLegacyStore({ path, timeZone: 'UTC' });
    const context = { gone: undefined, when: new Date(0), n: Number.NaN, nested: { __proto__: 1, ok: [1.5, 'é'] } };
    await store.track('ctx', () => undefined, { userContext: context as unknown as Record<string, unknown> });
    const [inv] = await all(store);
    expect(inv?.userContext).toEqual(JSON.parse(JSON.stringify(context)));
    expect(Object.keys(inv?.userContext ?? {})).toEqual(['when', 'n', 'nested']);
    await store.close();
  });

  it('answers every read from the file as it holds it, and reads the file again only after another writer', async () => {
    const path = fresh();
    const store = await openLegacyStore({ path, timeZone: 'UTC' });
    const other = await openLegacyStore({ path, timeZone: 'UTC' });
    await store.track('a', () => 1, { workflowPath: 'quick ci', sessionId: 's', projectPath: '/p' });
    const loads = store.stats.loads;
    const reads = async () => {
      await store.getSkillMetrics('a');
      await store.getSummary();
      await store.getAllMetrics();
      await store.getDurationPercentiles('a', [0.5]);
      await store.getSkillTimeline('a');
      await store.getTimeline({ bucket: 'day' });
      await store.searchWorkflowPaths('ci');
      await store.getSessionSkills('s');
      await store.getProjectMetrics('/p');
      await store.generateReport();
      return all(store);
    };
    await reads();
    await reads();
    expect(store.stats.loads).toBe(loads);
    await other.track('b', () => 2);
    expect((await reads()).map((i) => i.skillName)).toEqual(['a', 'b']);
    expect(store.stats.loads).toBe(loads + 1);
    await reads();
    expect(store.stats.loads).toBe(loads + 1);
    await store.close();
    await other.close();
  });

  it('fsyncs the new file and its folder before a durable write resolves, and not otherwise', async () => {
    const probe = await open(fileURLToPath(import.meta.url), 'r');
    const FileHandle = Object.getPrototypeOf(probe).constructor as { prototype: { sync(): Promise<void> } };
    await probe.close();
    const sync = vi.spyOn(FileHandle.prototype, 'sync');
    try {
      const durable = await openLegacyStore({ path: fresh(), timeZone: 'UTC' });
      await durable.track('a', () => 1);
      // Two writes (start and completion), each: the temporary file, then the folder after the rename.
      expect(sync).toHaveBeenCalledTimes(4);
      await durable.close();
      sync.mockClear();
      const fast = await openLegacyStore({ path: fresh(), timeZone: 'UTC', durable: false });
      await fast.track('a', () => 1);
      expect(sync).not.toHaveBeenCalled();
      await fast.close();
    } finally {
      sync.mockRestore();
    }
  });

  it('refuses options it does not know, or of the wrong kind, naming them', () => {
    for (const [options, field] of [
      [{ file: 'x.json' }, 'options.file'],
      [{ durable: 'yes' }, 'durable'],
      [{ path: 42 }, 'path'],
      [{ path: '' }, 'path'],
      [{ lockTimeoutMs: -1 }, 'lockTimeoutMs'],
      [{ clock: { now: 1 } }, 'clock'],
    ] as const) {
      const error = (() => {
        try {
          new LegacyJsonStore(options as never);
        } catch (e) {
          return e;
        }
      })();
      expect(error, JSON.stringify(options)).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).field).toBe(field);
    }
  });
});
