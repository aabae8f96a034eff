import { openStore, SqliteStore } from '@skill-metrics/core';
import { StoreFullError } from '@skill-metrics/core/contract';
import { testInvocation } from '@skill-metrics/core/testing';
import { GUARDRAIL_KEY, openDualStore } from '@skill-metrics/dual';
import { openLegacyStore } from '@skill-metrics/json-legacy';
import { describe, expect, it } from 'vitest';
import { freshPaths, keptLines, keptMismatches, openDual, withFailures, withSlowReads } from './stores.js';

const always = { sampleRate: 1, retryDelayMs: 1, timeBudgetMs: 5000 };

/** Makes the two stores disagree about skill `split`: 2 s in the file, 3 s in the database. */
async function diverge(store: {
  legacy: { recordInvocation: SqliteStore['recordInvocation'] };
  db: { recordInvocation: SqliteStore['recordInvocation'] };
}) {
  await store.legacy.recordInvocation(testInvocation({ id: 'split-1', skillName: 'split', durationSeconds: 2 }));
  await store.db.recordInvocation(testInvocation({ id: 'split-1', skillName: 'split', durationSeconds: 3 }));
}

describe('shadow reads', () => {
  it('publish a difference that stays, with the read, its context and a field-level diff, kept in the database', async () => {
    const { lines, logger } = keptLines();
    const store = await openDual(freshPaths(), { mode: 'verify', verify: always, logger });
    await diverge(store);
    const answer = await store.getSkillMetrics('split');
    expect(answer?.totalDurationSeconds).toBe(2); // the primary's, as if nothing were compared
    await store.getSessionSkills('no-such-session');
    await store.flush();
    const [mismatch, ...rest] = await store.mismatches();
    expect(rest).toEqual([]);
    expect(mismatch).toMatchObject({
      read: 'getSkillMetrics',
      args: ['split'],
      mode: 'verify',
      primary: 'legacy',
      context: {},
    });
    expect(mismatch?.diff).toEqual(
      expect.arrayContaining([
        { path: '/totalDurationSeconds', primary: 2, secondary: 3 },
        { path: '/avgDurationSeconds', primary: 2, secondary: 3 },
        { path: '/p50DurationSeconds', primary: 2, secondary: expect.closeTo(3, 1) },
      ]),
    );
    expect(mismatch?.diff.map((d) => d.path)).not.toContain('/totalInvocations');
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^mismatch in getSkillMetrics\("split"\) \[verify\]: \/avgDurationSeconds 2 \(legacy\) ≠ 3/,
      ),
    );
    // Another process sees them: they are notes in the database.
    const other = await openStore({ path: (store.db as SqliteStore).path, readonly: true });
    expect((await other.notes.list('dual.mismatch')).map((n) => (n.body as { read: string }).read)).toEqual([
      'getSkillMetrics',
    ]);
    await other.close();
    expect(store.stats().verify).toMatchObject({ compared: 2, matched: 1, mismatched: 1 });
    await store.close();
  });

  it('give no verdict while writes keep landing in the primary through every retry: never a false mismatch', async () => {
    const { mismatches, publisher } = keptMismatches();
    // The database answers slowly: writes that land meanwhile reach it before its answer.
    const store = await openDual(freshPaths(), {
      mode: 'verify',
      verify: { ...always, retryDelayMs: 1, maxConcurrent: 100 },
      publisher,
      openDb: async (paths) =>
        withSlowReads(await openStore({ path: paths.db }), ['getSkillMetrics', 'getSummary'], 30),
    });
    await store.track('busy', () => 1);
    let writing = true;
    const writer = (async () => {
      while (writing) await Promise.all(Array.from({ length: 20 }, (_, i) => store.track('busy', () => i)));
    })();
    const reads = [];
    for (let i = 0; i < 30; i++) {
      reads.push(store.getSkillMetrics('busy'), store.getSummary());
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await Promise.all(reads);
    await new Promise((resolve) => setTimeout(resolve, 200));
    writing = false;
    await writer;
    await store.flush();
    const v = store.stats().verify;
    expect(mismatches).toEqual([]);
    expect(v.mismatched).toBe(0);
    expect(v.raced + v.unsettled).toBeGreaterThan(0);
    expect(v.compared + v.unsettled).toBe(60);
    await store.close();
  });

  it('do not count a write that races the comparison: the read is asked again and agrees', async () => {
    const { mismatches, publisher } = keptMismatches();
    const store = await openDual(freshPaths(), {
      mode: 'db-primary',
      verify: { ...always, retryDelayMs: 20, maxConcurrent: 100 },
      publisher,
    });
    await store.track('racy', () => 1);
    for (let i = 0; i < 10; i++) {
      const read = store.getSkillMetrics('racy');
      await store.track('racy', () => i); // lands after the primary answered, before the comparison
      await read;
    }
    await store.flush();
    expect(mismatches).toEqual([]);
    expect(store.stats().verify.raced).toBeGreaterThan(0);
    expect(store.stats().verify.compared).toBe(10);
    await store.close();
  });

  it('never make the caller wait for the secondary: past the budget a comparison counts as timed out', async () => {
    const paths = freshPaths();
    const legacy = await openLegacyStore({ path: paths.legacy, timeZone: 'UTC', durable: false });
    let secondaryDone = false;
    const slowDb = withSlowReads(await openStore({ path: paths.db }), ['getSummary'], 300);
    const watched = new Proxy(slowDb, {
      get: (t, k, r) =>
        k === 'getSummary'
          ? () => (t.getSummary() as Promise<unknown>).finally(() => (secondaryDone = true))
          : Reflect.get(t, k, r),
    });
    const { mismatches, publisher } = keptMismatches();
    const store = await openDualStore({
      legacy,
      db: watched,
      flag: 'verify',
      publisher,
      verify: { sampleRate: 1, timeBudgetMs: 50 },
      logger: keptLines().logger,
    });
    const summary = await store.getSummary();
    expect(summary.totalInvocations).toBe(0);
    expect(secondaryDone).toBe(false);
    await store.flush();
    expect(store.stats().verify).toMatchObject({ timedOut: 1, compared: 0, mismatched: 0 });
    expect(mismatches).toEqual([]);
    await store.close();
  });

  it('run at most maxConcurrent comparisons at once, and keep the secondary’s errors from the caller', async () => {
    const paths = freshPaths();
    const legacy = await openLegacyStore({ path: paths.legacy, timeZone: 'UTC', durable: false });
    const db = withSlowReads(await openStore({ path: paths.db }), ['getAllMetrics'], 50);
    const failing = withFailures(db, ['getSummary'], () => new StoreFullError('broken (simulated)'));
    failing.failing.on = true;
    const store = await openDualStore({
      legacy,
      db: failing.store,
      flag: 'verify',
      verify: { sampleRate: 1, maxConcurrent: 2, timeBudgetMs: 1000 },
      logger: keptLines().logger,
    });
    await Promise.all(Array.from({ length: 5 }, () => store.getAllMetrics()));
    expect(store.stats().verify.skipped).toBe(3);
    await store.flush();
    expect(await store.getSummary()).toMatchObject({ totalInvocations: 0 });
    await store.flush();
    expect(store.stats().verify).toMatchObject({ compared: 2, failed: 1, mismatched: 0 });
    await store.close();
  });
});

describe('the guardrail', () => {
  it('holds new invocations back a step when the mismatch rate crosses its threshold, in every process, until cleared', async () => {
    let now = Date.UTC(2027, 0, 1);
    const paths = freshPaths();
    const guardrail = { events: 10, minEvents: 5, maxMismatchRate: 0.2, refreshMs: 0, now: () => now };
    const store = await openDual(paths, { mode: 'verify', verify: always, guardrail });
    await diverge(store);
    for (let i = 0; i < 4; i++) await store.getSkillMetrics('split');
    await store.flush();
    expect(await store.modeFor()).toBe('verify'); // 4 events: fewer than minEvents decide nothing
    await store.getSkillMetrics('split');
    await store.flush();
    expect(await store.modeFor()).toBe('dual-write');
    expect(await store.guardrailState()).toMatchObject({
      held: true,
      reason: 'mismatch-rate',
      rate: 1,
      threshold: 0.2,
      events: 5,
    });
    const handle = await store.trackInvocation('held-back');
    await handle.complete();
    expect(store.stats().started).toMatchObject({ 'dual-write': 1, verify: 0 });
    // Another store on the same database holds back too, and sees the state.
    const other = await openDual({ ...freshPaths(), db: paths.db }, { mode: 'db-primary', guardrail });
    expect(await other.modeFor()).toBe('verify');
    const kept = await (other.db as SqliteStore).notes.getState(GUARDRAIL_KEY);
    expect(kept).toMatchObject({ reason: 'mismatch-rate', since: '2027-01-01T00:00:00.000000Z' });
    await other.clearGuardrail();
    now += 1;
    expect(await store.modeFor()).toBe('verify');
    expect(await other.modeFor()).toBe('db-primary');
    // Cleared means a fresh window, in the store that cleared it and in the one that saw it cleared:
    // one more mismatch is one event, fewer than minEvents, and holds nothing back.
    await store.getSkillMetrics('split');
    await store.flush();
    expect(await store.modeFor()).toBe('verify');
    expect(await store.guardrailState()).toBeNull();
    await other.close();
    await store.close();
  });

  it('looks only at its window: old mismatches age out, and a low rate does not trip it', async () => {
    let now = Date.UTC(2027, 0, 1);
    const guardrail = { events: 100, windowMs: 60_000, minEvents: 5, maxMismatchRate: 0.5, now: () => now };
    const store = await openDual(freshPaths(), { mode: 'verify', verify: always, guardrail });
    await diverge(store);
    const compare = async (skill: string) => {
      await store.getSkillMetrics(skill);
      await store.flush();
    };
    for (let i = 0; i < 4; i++) await compare('split');
    now += 61_000; // those four leave the window
    for (let i = 0; i < 4; i++) await compare('agreed'); // null in both
    await compare('split');
    expect(store.stats().verify).toMatchObject({ compared: 9, mismatched: 5 });
    expect(await store.modeFor()).toBe('verify'); // 1 of 5 in the window
    expect(await store.guardrailState()).toBeNull();
    await store.close();
  });

  it('holds back when the secondary’s writes fail too often', async () => {
    const paths = freshPaths();
    const legacy = await openLegacyStore({ path: paths.legacy, timeZone: 'UTC', durable: false });
    const db = withFailures(
      new SqliteStore({ path: paths.db }),
      ['recordInvocations', 'recordInvocation'],
      () => new StoreFullError('disk full (simulated)'),
    );
    const store = await openDualStore({
      legacy,
      db: db.store,
      flag: 'dual-write',
      guardrail: { minEvents: 4, maxSecondaryErrorRate: 0.1 },
      logger: keptLines().logger,
    });
    db.failing.on = true;
    for (let i = 0; i < 2; i++) await store.track('x', () => i);
    await store.flush();
    expect(await store.guardrailState()).toMatchObject({ reason: 'secondary-error-rate', rate: 1 });
    expect(await store.modeFor()).toBe('legacy');
    db.failing.on = false;
    await store.close();
  });
});
