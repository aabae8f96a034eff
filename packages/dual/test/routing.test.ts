import { InMemoryProvider, type Provider } from '@openfeature/server-sdk';
import { openStore, SqliteStore } from '@skill-metrics/core';
import { type SkillMetricsStore, StoreFullError } from '@skill-metrics/core/contract';
import { listAll } from '@skill-metrics/core/testing';
import { openDualStore, ROUTES, STORAGE_MODES, type StorageMode } from '@skill-metrics/dual';
import { openLegacyStore } from '@skill-metrics/json-legacy';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { freshPaths, keptLines, openDual, withFailures } from './stores.js';

async function ids(store: SkillMetricsStore) {
  return (await listAll(store)).map((i) => `${i.id}:${i.status}`);
}

describe('DualStore routing', () => {
  it('writes each mode’s stores, with the same id and content, and reads from its primary', async () => {
    for (const mode of STORAGE_MODES) {
      const store = await openDual(freshPaths(), { mode });
      const handle = await store.trackInvocation('routed', { workflowPath: 'w', sessionId: 's' });
      await handle.complete({ followUpActions: ['next'] });
      await store.recordInvocation({ ...handle.invocation, id: 'imported-1', status: undefined } as never);
      await store.flush();
      const route = ROUTES[mode];
      const legacy = await listAll(store.legacy);
      const db = await listAll(store.db);
      const expected = [handle.invocationId, 'imported-1'].sort();
      expect(legacy.map((i) => i.id).sort()).toEqual(
        route.primary === 'legacy' || route.secondary === 'legacy' ? expected : [],
      );
      expect(db.map((i) => i.id).sort()).toEqual(route.primary === 'db' || route.secondary === 'db' ? expected : []);
      if (route.secondary) expect(legacy).toEqual(db);
      // Reads come from the primary: a write made to the other store alone does not show.
      const other = route.primary === 'legacy' ? store.db : store.legacy;
      await other.track('only-in-the-other', () => 1);
      expect(await store.getSkillMetrics('only-in-the-other')).toBeNull();
      expect((await store.getSkillMetrics('routed'))?.followUpActions).toEqual({ next: 1 });
      await store.close();
    }
  });

  it('completes an invocation in the stores it started in, whatever the flag says by then', async () => {
    let mode: StorageMode = 'legacy';
    const provider = new InMemoryProvider({
      'skill-metrics.storage-mode': {
        variants: Object.fromEntries(STORAGE_MODES.map((m) => [m, m])),
        defaultVariant: 'legacy',
        disabled: false,
        contextEvaluator: () => mode,
      },
    });
    const store = await openDual(freshPaths(), { flag: provider as Provider });
    const started = await store.trackInvocation('long-running');
    expect(await store.modeFor()).toBe('legacy');
    mode = 'db';
    expect(await store.modeFor()).toBe('db');
    await started.complete();
    await store.flush();
    expect(await ids(store.legacy)).toEqual([`${started.invocationId}:completed`]);
    expect(await ids(store.db)).toEqual([]);
    const later = await store.trackInvocation('long-running');
    mode = 'dual-write';
    await later.complete();
    await store.flush();
    expect(await ids(store.db)).toEqual([`${later.invocationId}:completed`]);
    expect(await ids(store.legacy)).toEqual([`${started.invocationId}:completed`]);
    await store.close();
  });

  it('takes each session’s mode from an OpenFeature provider, by session id, else project path', async () => {
    const provider = new InMemoryProvider({
      'skill-metrics.storage-mode': {
        variants: { legacy: 'legacy', 'db-primary': 'db-primary', db: 'db' },
        defaultVariant: 'legacy',
        disabled: false,
        contextEvaluator: (ctx) =>
          ctx.targetingKey === 'session-db' ? 'db' : ctx.targetingKey === '/repo/advanced' ? 'db-primary' : 'legacy',
      },
    });
    const store = await openDual(freshPaths(), { flag: provider as Provider });
    expect(await store.modeFor({ sessionId: 'session-db', projectPath: '/repo/advanced' })).toBe('db');
    expect(await store.modeFor({ projectPath: '/repo/advanced' })).toBe('db-primary');
    expect(await store.modeFor({ sessionId: 'other' })).toBe('legacy');
    expect(await store.modeFor({})).toBe('legacy');
    await store.track('a', () => 1, { sessionId: 'session-db' });
    await store.track('b', () => 1, { sessionId: 'other' });
    await store.flush();
    expect((await listAll(store.db)).map((i) => i.skillName)).toEqual(['a']);
    expect((await listAll(store.legacy)).map((i) => i.skillName)).toEqual(['b']);
    await store.close();
  });

  it('logs a flag that gives something other than a mode, and uses legacy', async () => {
    const { lines, logger } = keptLines();
    const provider = new InMemoryProvider({
      'skill-metrics.storage-mode': { variants: { on: 'turbo' }, defaultVariant: 'on', disabled: false },
    });
    const store = await openDual(freshPaths(), { flag: provider as Provider, logger });
    expect(await store.modeFor({ sessionId: 's' })).toBe('legacy');
    expect(await store.modeFor({ sessionId: 't' })).toBe('legacy');
    expect(lines).toEqual([expect.stringMatching(/gave "turbo", not a mode.*using legacy/)]);
    await store.close();
  });

  it('gives the secondary the primary’s ids, so a backfill of the same file afterwards adds nothing', async () => {
    const store = await openDual(freshPaths(), { mode: 'dual-write' });
    for (let i = 0; i < 20; i++) await store.track(`skill-${i % 3}`, () => i, { sessionId: `s-${i % 4}` });
    const pending = await store.trackInvocation('still-running');
    await store.flush();
    const fromFile = await listAll(store.legacy);
    expect(await store.db.recordInvocations(fromFile)).toEqual({ inserted: 0, completed: 0, unchanged: 21 });
    await pending.complete();
    await store.flush();
    expect((await store.db.getInvocation(pending.invocationId))?.status).toBe('completed');
    await store.close();
  });

  it('fails a call when the primary fails, and never when the secondary does: it is journaled and repaired', async () => {
    for (const mode of ['dual-write', 'verify', 'db-primary'] as const) {
      const paths = freshPaths();
      const { lines, logger } = keptLines();
      const legacy = withFailures(
        await openLegacyStore({ path: paths.legacy, timeZone: 'UTC', durable: false }),
        ['recordInvocations', 'recordInvocation', 'trackInvocation'],
        () => new StoreFullError('disk full (simulated)'),
      );
      const db = withFailures(
        await openStore({ path: paths.db }),
        ['recordInvocations', 'recordInvocation', 'trackInvocation'],
        () => new StoreFullError('disk full (simulated)'),
      );
      const store = await openDualStore({ legacy: legacy.store, db: db.store, flag: mode, logger });
      const primary = ROUTES[mode].primary === 'legacy' ? legacy : db;
      const secondary = ROUTES[mode].primary === 'legacy' ? db : legacy;
      secondary.failing.on = true;
      for (let i = 0; i < 5; i++) expect(await store.track('kept', () => i)).toBe(i);
      await store.flush();
      // A start and a finish each, or one write for both when the finish caught up with its start.
      const failures = store.stats().secondaryFailures;
      expect(failures).toBeGreaterThanOrEqual(5);
      expect(failures).toBeLessThanOrEqual(10);
      expect(await store.journalDepth()).toBe(failures);
      const owed = lines.filter((l) => l.includes('missed invocation')).map((l) => l.split(' ')[5]);
      expect(owed).toHaveLength(failures);
      expect(new Set(owed).size).toBe(5);
      secondary.failing.on = false;
      primary.failing.on = true;
      await expect(store.trackInvocation('refused')).rejects.toBeInstanceOf(StoreFullError);
      primary.failing.on = false;
      const first = await store.repair();
      expect(first.copied[ROUTES[mode].secondary as 'legacy' | 'db']).toBe(5);
      expect(first.journalCleared).toBe(failures);
      expect(first.conflicts).toEqual([]);
      const again = await store.repair();
      expect(again.copied).toEqual({ legacy: 0, db: 0 });
      expect(again.completed).toEqual({ legacy: 0, db: 0 });
      expect(await listAll(store.legacy)).toEqual(await listAll(store.db));
      expect(await store.journalDepth()).toBe(0);
      await store.close();
    }
  });

  it('repairs what the secondary missed while another connection held the database’s lock past the timeout', async () => {
    const paths = freshPaths();
    const legacy = await openLegacyStore({ path: paths.legacy, timeZone: 'UTC', durable: false });
    const db = new SqliteStore({ path: paths.db, busyTimeoutMs: 20 });
    const { logger } = keptLines();
    const store = await openDualStore({ legacy, db, flag: 'verify', logger });
    const holder = new Database(paths.db);
    holder.exec('BEGIN IMMEDIATE');
    await store.track('while-locked', () => 1);
    await store.flush();
    holder.exec('COMMIT');
    holder.close();
    expect(store.stats().secondaryFailures).toBe(2);
    expect(await store.db.getSkillMetrics('while-locked')).toBeNull();
    const report = await store.repair();
    expect(report.copied.db).toBe(1);
    expect((await store.db.getSkillMetrics('while-locked'))?.totalInvocations).toBe(1);
    await store.close();
  });
});
