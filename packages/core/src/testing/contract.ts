import { describe, expect, it } from 'vitest';
import {
  InvalidInputError,
  InvocationAlreadyCompletedError,
  InvocationConflictError,
  SkillMetricsError,
  StoreClosedError,
} from '../contract/errors.js';
import { isCanonicalTimestamp } from '../contract/time.js';
import type { Invocation, InvocationInput, SkillMetricsStore } from '../contract/types.js';
import { closingAfterEach, expectWithinOnePercent, referencePercentile } from './reference.js';

/** How the contract suite gets stores of one kind. */
export interface ContractSubject {
  /** Opens a new, empty store. */
  open(): Promise<SkillMetricsStore>;
  /**
   * Opens the storage behind a closed store again, to show that what was written survives.
   * Leave it out for stores that keep nothing (the durability tests are then not registered).
   */
  reopen?(closed: SkillMetricsStore): Promise<SkillMetricsStore>;
}

/**
 * Registers the store contract's tests for one kind of store. Every store runs this same suite:
 * a behaviour that differs between stores is a bug in one of them.
 */
export function describeStoreContract(name: string, subject: ContractSubject): void {
  describe(`${name} — store contract`, () => {
    const open = closingAfterEach(() => subject.open());

    const all = async (store: SkillMetricsStore, query?: Parameters<SkillMetricsStore['listInvocations']>[0]) => {
      const out: Invocation[] = [];
      for await (const inv of store.listInvocations(query)) out.push(inv);
      return out;
    };

    /** What a store shows to the outside, to check that a rejected call changed nothing. */
    const snapshot = async (store: SkillMetricsStore) => ({
      invocations: await all(store),
      metrics: [...(await store.getAllMetrics()).values()],
      summary: await store.getSummary(),
    });

    const finished = (over: Partial<InvocationInput> & { id: string }): InvocationInput => ({
      skillName: 'imported',
      invokedAt: '2026-03-01T12:00:00.000000Z',
      workflowPath: null,
      completed: true,
      durationSeconds: 2,
      errorType: null,
      followUpActions: [],
      sessionId: null,
      projectPath: null,
      userContext: null,
      ...over,
    });

    describe('tracking', () => {
      it('counts a completed invocation with its duration, path and follow-up actions', async () => {
        const store = await open();
        const handle = await store.trackInvocation('crackerjack-run', { workflowPath: 'comprehensive' });
        expect(typeof handle.invocationId).toBe('string');
        await handle.complete({ followUpActions: ['git commit', 'git push'] });
        const m = await store.getSkillMetrics('crackerjack-run');
        expect(m).toMatchObject({
          skillName: 'crackerjack-run',
          totalInvocations: 1,
          completedInvocations: 1,
          abandonedInvocations: 0,
          workflowPaths: { comprehensive: 1 },
          commonErrors: {},
          followUpActions: { 'git commit': 1, 'git push': 1 },
          completionRate: 100,
        });
        expect(m?.totalDurationSeconds).toBeGreaterThan(0);
        expect(m?.avgDurationSeconds).toBe(m?.totalDurationSeconds);
        expect(m?.firstInvoked).toBe(m?.lastInvoked);
        expect(isCanonicalTimestamp(m?.firstInvoked)).toBe(true);
      });

      it('has every derived figure right after each write: a failure then a success reads 50 %', async () => {
        const store = await open();
        const failed = await store.trackInvocation('pytest-runner');
        await failed.complete({ completed: false, errorType: 'ValueError' });
        expect((await store.getSkillMetrics('pytest-runner'))?.completionRate).toBe(0);
        const ok = await store.trackInvocation('pytest-runner');
        await ok.complete();
        const m = await store.getSkillMetrics('pytest-runner');
        expect(m).toMatchObject({
          totalInvocations: 2,
          completedInvocations: 1,
          abandonedInvocations: 1,
          completionRate: 50,
          commonErrors: { ValueError: 1 },
        });
        // The average is over completed invocations only.
        expect(m?.avgDurationSeconds).toBeCloseTo(m?.totalDurationSeconds ?? Number.NaN, 12);
      });

      it('stores a pending invocation at once but counts it nowhere until it finishes', async () => {
        const store = await open();
        const handle = await store.trackInvocation('slow-skill', { sessionId: 's-1', projectPath: '/p' });
        expect(await store.getSkillMetrics('slow-skill')).toBeNull();
        expect((await store.getSummary()).totalInvocations).toBe(0);
        const [pending] = await all(store);
        expect(pending).toMatchObject({
          id: handle.invocationId,
          skillName: 'slow-skill',
          status: 'pending',
          completed: false,
          completedAt: null,
          durationSeconds: null,
          sessionId: 's-1',
          projectPath: '/p',
        });
        await handle.complete({ completed: false });
        const [abandoned] = await all(store);
        expect(abandoned?.status).toBe('abandoned');
        expect(abandoned?.durationSeconds).toBeGreaterThanOrEqual(0);
        expect((await store.getSkillMetrics('slow-skill'))?.abandonedInvocations).toBe(1);
      });

      it('keeps canonical timestamps, a completion no earlier than the start, and the user context', async () => {
        const store = await open();
        const context = { query: 'fix the "tests"', rank: 2, nested: { ok: true } };
        const handle = await store.trackInvocation('ctx', { userContext: context });
        await handle.complete();
        const [inv] = await all(store);
        expect(isCanonicalTimestamp(inv?.invokedAt)).toBe(true);
        expect(isCanonicalTimestamp(inv?.completedAt)).toBe(true);
        expect((inv?.completedAt ?? '') >= (inv?.invokedAt ?? '~')).toBe(true);
        expect(inv?.userContext).toEqual(context);
      });

      it('rejects a second completion and counts the invocation once', async () => {
        const store = await open();
        const handle = await store.trackInvocation('once');
        await handle.complete();
        await expect(handle.complete()).rejects.toBeInstanceOf(InvocationAlreadyCompletedError);
        await expect(handle.complete({ completed: false })).rejects.toBeInstanceOf(InvocationAlreadyCompletedError);
        expect((await store.getSkillMetrics('once'))?.totalInvocations).toBe(1);
      });

      it('lets only one of two simultaneous completions through', async () => {
        const store = await open();
        const handle = await store.trackInvocation('race');
        const results = await Promise.allSettled([handle.complete(), handle.complete()]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        expect(rejected.reason).toBeInstanceOf(InvocationAlreadyCompletedError);
        expect((await store.getSkillMetrics('race'))?.totalInvocations).toBe(1);
      });
    });

    describe('track()', () => {
      it('completes the invocation when the function resolves and returns its value', async () => {
        const store = await open();
        const value = await store.track('wrapped', async () => 42, { workflowPath: 'quick' });
        expect(value).toBe(42);
        expect(await store.getSkillMetrics('wrapped')).toMatchObject({
          completedInvocations: 1,
          workflowPaths: { quick: 1 },
        });
      });

      it('abandons it with the error name when the function throws, and rethrows the same error', async () => {
        const store = await open();
        const error = new TypeError('bad config');
        await expect(
          store.track('wrapped', () => {
            throw error;
          }),
        ).rejects.toBe(error);
        class QuotaExceeded extends Error {
          override name = 'QuotaExceeded';
        }
        await expect(store.track('wrapped', async () => Promise.reject(new QuotaExceeded('x')))).rejects.toThrow('x');
        const m = await store.getSkillMetrics('wrapped');
        expect(m).toMatchObject({ abandonedInvocations: 2, completedInvocations: 0 });
        expect(m?.commonErrors).toEqual({ TypeError: 1, QuotaExceeded: 1 });
      });
    });

    describe('bad input', () => {
      it('rejects empty and non-string skill names with a typed error and changes nothing', async () => {
        const store = await open();
        await store.track('existing', () => undefined);
        const before = await snapshot(store);
        for (const bad of ['', 7, null, undefined, {}, ['a']]) {
          const error = await store.trackInvocation(bad as string).catch((e: unknown) => e);
          expect(error).toBeInstanceOf(InvalidInputError);
          expect(error).toBeInstanceOf(SkillMetricsError);
          expect((error as InvalidInputError).field).toBe('skillName');
          await expect(store.getSkillMetrics(bad as string)).rejects.toBeInstanceOf(InvalidInputError);
        }
        expect(await snapshot(store)).toEqual(before);
      });

      it('rejects options of the wrong type, leaving the invocation pending and completable', async () => {
        const store = await open();
        await expect(store.trackInvocation('x', { workflowPath: 3 as unknown as string })).rejects.toThrow(
          /workflowPath/,
        );
        await expect(
          store.trackInvocation('x', { userContext: [] as unknown as Record<string, unknown> }),
        ).rejects.toThrow(/userContext/);
        const handle = await store.trackInvocation('x');
        const before = await snapshot(store);
        await expect(handle.complete({ followUpActions: 'git push' as unknown as string[] })).rejects.toBeInstanceOf(
          InvalidInputError,
        );
        await expect(handle.complete({ followUpActions: ['ok', 5 as unknown as string] })).rejects.toThrow(
          /followUpActions\[1\]/,
        );
        await expect(handle.complete({ completed: 'yes' as unknown as boolean })).rejects.toThrow(/completed/);
        expect(await snapshot(store)).toEqual(before);
        await handle.complete();
        expect((await store.getSkillMetrics('x'))?.totalInvocations).toBe(1);
      });

      it('rejects a bad query with a typed error', async () => {
        const store = await open();
        await expect(all(store, { status: 'done' as 'completed' })).rejects.toBeInstanceOf(InvalidInputError);
        await expect(all(store, { pageSize: 0 })).rejects.toBeInstanceOf(InvalidInputError);
        await expect(all(store, { since: 'yesterday' })).rejects.toBeInstanceOf(InvalidInputError);
      });
    });

    describe('recordInvocation', () => {
      it('imports a finished invocation and counts it once however often it is recorded', async () => {
        const store = await open();
        const inv = finished({ id: 'imp-1', workflowPath: 'daily', followUpActions: ['deploy'] });
        expect(await store.recordInvocation(inv)).toEqual({ id: 'imp-1', outcome: 'inserted' });
        expect(await store.recordInvocation(inv)).toEqual({ id: 'imp-1', outcome: 'unchanged' });
        expect(await store.recordInvocation({ ...inv })).toEqual({ id: 'imp-1', outcome: 'unchanged' });
        expect(await store.getSkillMetrics('imported')).toMatchObject({
          totalInvocations: 1,
          totalDurationSeconds: 2,
          workflowPaths: { daily: 1 },
          followUpActions: { deploy: 1 },
          firstInvoked: '2026-03-01T12:00:00.000000Z',
        });
        const [stored] = await all(store);
        expect(stored).toMatchObject({ id: 'imp-1', status: 'completed', completedAt: '2026-03-01T12:00:02.000000Z' });
      });

      it('finishes a pending invocation recorded earlier under the same id', async () => {
        const store = await open();
        const pending = finished({ id: 'p-1', completed: false, durationSeconds: null });
        expect(await store.recordInvocation(pending)).toEqual({ id: 'p-1', outcome: 'inserted' });
        expect(await store.getSkillMetrics('imported')).toBeNull();
        const done = finished({ id: 'p-1', completedAt: '2026-03-01T12:00:05.5Z', durationSeconds: 5.5 });
        expect(await store.recordInvocation(done)).toEqual({ id: 'p-1', outcome: 'completed' });
        expect(await store.recordInvocation(pending)).toEqual({ id: 'p-1', outcome: 'unchanged' });
        const [stored] = await all(store);
        expect(stored).toMatchObject({ status: 'completed', completedAt: '2026-03-01T12:00:05.500000Z' });
        expect((await store.getSkillMetrics('imported'))?.totalInvocations).toBe(1);
      });

      it('rejects an id reused with different content, naming the fields, and changes nothing', async () => {
        const store = await open();
        await store.recordInvocation(finished({ id: 'c-1' }));
        const before = await snapshot(store);
        const error = await store
          .recordInvocation(finished({ id: 'c-1', durationSeconds: 3, skillName: 'other' }))
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(InvocationConflictError);
        expect((error as InvocationConflictError).fields).toEqual(['skillName', 'durationSeconds']);
        expect(await snapshot(store)).toEqual(before);
      });

      it('rejects negative durations, naive or malformed times and bad ids, changing nothing', async () => {
        const store = await open();
        const before = await snapshot(store);
        const bad: Array<[Partial<InvocationInput>, RegExp]> = [
          [{ durationSeconds: -1 }, /durationSeconds.*negative/],
          [{ durationSeconds: Number.NaN }, /durationSeconds/],
          [{ durationSeconds: 1e16 }, /durationSeconds.*at most/],
          [{ invokedAt: '2026-01-01T24:00:00.000000Z' }, /invokedAt/],
          [{ invokedAt: '2026-03-01T12:00:00' }, /invokedAt.*offset/],
          [{ invokedAt: '2026-02-30T12:00:00Z' }, /invokedAt/],
          [{ id: '' }, /id/],
          [{ completed: 'true' as unknown as boolean }, /completed/],
          [{ followUpActions: [1 as unknown as string] }, /followUpActions\[0\]/],
        ];
        for (const [over, message] of bad) {
          const error = await store.recordInvocation(finished({ id: 'b-1', ...over })).catch((e: unknown) => e);
          expect(error, JSON.stringify(over)).toBeInstanceOf(InvalidInputError);
          expect((error as Error).message).toMatch(message);
        }
        expect(await snapshot(store)).toEqual(before);
      });

      it('stores times given with an offset in canonical UTC, keeping microseconds', async () => {
        const store = await open();
        await store.recordInvocation(finished({ id: 'tz', invokedAt: '2026-03-01T13:00:00.123456+01:00' }));
        const [stored] = await all(store);
        expect(stored?.invokedAt).toBe('2026-03-01T12:00:00.123456Z');
      });

      it('imports a batch all at once, or none of it when one item is bad', async () => {
        const store = await open();
        const batch = [
          finished({ id: 'a' }),
          finished({ id: 'b', completed: false, errorType: 'E' }),
          finished({ id: 'c' }),
        ];
        expect(await store.recordInvocations(batch)).toEqual({ inserted: 3, completed: 0, unchanged: 0 });
        expect(await store.recordInvocations(batch)).toEqual({ inserted: 0, completed: 0, unchanged: 3 });
        const before = await snapshot(store);
        const error = await store
          .recordInvocations([finished({ id: 'd' }), finished({ id: 'e', durationSeconds: -2 })])
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(InvalidInputError);
        expect((error as InvalidInputError).field).toBe('invocations[1].durationSeconds');
        await expect(
          store.recordInvocations([finished({ id: 'f' }), finished({ id: 'a', skillName: 'x' })]),
        ).rejects.toBeInstanceOf(InvocationConflictError);
        expect(await snapshot(store)).toEqual(before);
        expect(await store.getSkillMetrics('imported')).toMatchObject({ totalInvocations: 3, completedInvocations: 2 });
      });

      it('counts a completed invocation without a duration as completed, adding nothing to the time', async () => {
        const store = await open();
        await store.recordInvocations([
          finished({ id: 'n-1', durationSeconds: null }),
          finished({ id: 'n-2', durationSeconds: 4 }),
          finished({ id: 'n-3', durationSeconds: 0 }),
        ]);
        expect(await store.getSkillMetrics('imported')).toMatchObject({
          completedInvocations: 3,
          totalDurationSeconds: 4,
          avgDurationSeconds: 4 / 3,
        });
      });
    });

    describe('metrics', () => {
      it('counts keys of any text as themselves', async () => {
        const store = await open();
        const keys = [
          'v1.2',
          '[Errno 2] No such file',
          `it's "quoted"`,
          'a; DROP TABLE skill_metrics; --',
          '100% $done',
          '$.path[0]',
          '🚀 déploiement 测试',
          '__proto__',
          'constructor',
          '',
        ];
        for (const key of keys) {
          await store.recordInvocation(
            finished({
              id: `k-${key}`,
              skillName: key || 'empty-key',
              workflowPath: key,
              errorType: key,
              followUpActions: [key, key],
            }),
          );
          await store.recordInvocation(
            finished({
              id: `k2-${key}`,
              skillName: 'shared',
              workflowPath: key,
              errorType: key,
              followUpActions: [key],
            }),
          );
        }
        const shared = await store.getSkillMetrics('shared');
        for (const key of keys) {
          expect(Object.hasOwn(shared?.workflowPaths ?? {}, key), key).toBe(true);
          expect(shared?.workflowPaths[key]).toBe(1);
          expect(shared?.commonErrors[key]).toBe(1);
          expect(shared?.followUpActions[key]).toBe(1);
          const own = await store.getSkillMetrics(key || 'empty-key');
          expect(own?.followUpActions[key], key).toBe(2);
        }
        expect(Object.keys(shared?.workflowPaths ?? {})).toHaveLength(keys.length);
        expect(Object.getPrototypeOf(shared?.workflowPaths)).toBe(Object.prototype);
      });

      it('takes first and last invoked as the earliest and latest start, whatever the completion order', async () => {
        const store = await open();
        await store.recordInvocation(finished({ id: 'late', invokedAt: '2026-05-01T00:00:00Z' }));
        await store.recordInvocation(finished({ id: 'early', invokedAt: '2026-01-01T00:00:00Z' }));
        await store.recordInvocation(finished({ id: 'mid', invokedAt: '2026-03-01T00:00:00Z' }));
        expect(await store.getSkillMetrics('imported')).toMatchObject({
          firstInvoked: '2026-01-01T00:00:00.000000Z',
          lastInvoked: '2026-05-01T00:00:00.000000Z',
        });
      });

      it('returns null for a skill never finished', async () => {
        const store = await open();
        expect(await store.getSkillMetrics('nobody')).toBeNull();
      });

      it('lists every skill most used first, ties by name, and summarises them', async () => {
        const store = await open();
        const runs: Array<[string, number, number]> = [
          ['beta', 2, 1],
          ['alpha', 2, 2],
          ['gamma', 5, 4],
          ['delta', 1, 0],
        ];
        let n = 0;
        for (const [skill, total, completed] of runs) {
          for (let i = 0; i < total; i++) {
            n += 1;
            await store.recordInvocation(
              finished({ id: `${skill}-${i}`, skillName: skill, completed: i < completed, durationSeconds: n }),
            );
          }
        }
        const metrics = await store.getAllMetrics();
        expect([...metrics.keys()]).toEqual(['gamma', 'alpha', 'beta', 'delta']);
        const summary = await store.getSummary();
        expect(summary).toMatchObject({
          totalSkills: 4,
          totalInvocations: 10,
          overallCompletionRate: 70,
          mostUsedSkill: 'gamma',
          mostUsedCount: 5,
          skillsByUsage: [
            ['gamma', 5],
            ['alpha', 2],
            ['beta', 2],
            ['delta', 1],
          ],
        });
        const completedDurations = [1, 3, 4, 5, 6, 7, 8]; // durations 1…10 in run order, abandoned ones left out
        const sum = completedDurations.reduce((a, b) => a + b, 0);
        expect(summary.avgDurationSeconds).toBeCloseTo(sum / completedDurations.length, 10);
      });

      it('summarises an empty store as zeros', async () => {
        const store = await open();
        expect(await store.getSummary()).toEqual({
          totalSkills: 0,
          totalInvocations: 0,
          overallCompletionRate: 0,
          mostUsedSkill: null,
          mostUsedCount: 0,
          avgDurationSeconds: 0,
          skillsByUsage: [],
        });
        expect((await store.getAllMetrics()).size).toBe(0);
      });
    });

    describe('percentiles', () => {
      const skewed = Array.from({ length: 400 }, (_, i) => (i % 50 === 0 ? 120 + i : 0.2 + (i % 17) * 0.05));

      it('keeps p50, p95 and p99 of completed durations within 1 % of percentile_cont after every write', async () => {
        const store = await open();
        const seen: number[] = [];
        for (const [i, d] of skewed.entries()) {
          await store.recordInvocation(finished({ id: `s-${i}`, skillName: 'skewed', durationSeconds: d }));
          seen.push(d);
          if (i % 97 === 0 || i === skewed.length - 1) {
            const m = await store.getSkillMetrics('skewed');
            expectWithinOnePercent(m?.p50DurationSeconds, referencePercentile(seen, 0.5), `p50 after ${i + 1}`);
            expectWithinOnePercent(m?.p95DurationSeconds, referencePercentile(seen, 0.95), `p95 after ${i + 1}`);
            expectWithinOnePercent(m?.p99DurationSeconds, referencePercentile(seen, 0.99), `p99 after ${i + 1}`);
          }
        }
      });

      it('leaves out abandoned runs and runs without a duration; null when no duration is left', async () => {
        const store = await open();
        await store.recordInvocations([
          finished({ id: 'x-1', skillName: 'x', completed: false, durationSeconds: 999 }),
          finished({ id: 'x-2', skillName: 'x', completed: true, durationSeconds: null }),
        ]);
        const none = await store.getSkillMetrics('x');
        expect([none?.p50DurationSeconds, none?.p95DurationSeconds, none?.p99DurationSeconds]).toEqual([
          null,
          null,
          null,
        ]);
        await store.recordInvocation(finished({ id: 'x-3', skillName: 'x', durationSeconds: 4 }));
        const one = await store.getSkillMetrics('x');
        expectWithinOnePercent(one?.p50DurationSeconds, 4);
        expectWithinOnePercent(one?.p99DurationSeconds, 4);
        await store.recordInvocation(finished({ id: 'x-4', skillName: 'x', durationSeconds: 0 }));
        const two = await store.getSkillMetrics('x');
        // Two values, 0 and 4: percentile_cont interpolates between them.
        expectWithinOnePercent(two?.p50DurationSeconds, 2);
        expectWithinOnePercent(two?.p95DurationSeconds, 3.8);
      });
    });

    describe('listInvocations', () => {
      const seed = async (store: SkillMetricsStore) => {
        const items: InvocationInput[] = [];
        for (let i = 0; i < 23; i++) {
          items.push(
            finished({
              id: `inv-${String(i).padStart(2, '0')}`,
              skillName: i % 2 ? 'odd' : 'even',
              // Two invocations share each start time, so the id breaks the tie.
              invokedAt: `2026-04-01T10:${String(59 - (i >> 1)).padStart(2, '0')}:00Z`,
              completed: i % 3 !== 0,
              durationSeconds: i % 5 === 4 ? null : 1,
              sessionId: i < 10 ? 'first-ten' : null,
              projectPath: i % 4 === 0 ? '/repo/a' : '/repo/b',
            }),
          );
        }
        items.push(
          finished({ id: 'pending-1', completed: false, durationSeconds: null, invokedAt: '2026-04-01T11:30:00Z' }),
        );
        await store.recordInvocations(items);
        return items;
      };
      const order = (a: Invocation, b: Invocation) =>
        a.invokedAt < b.invokedAt ? -1 : a.invokedAt > b.invokedAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

      it('streams every invocation in (invokedAt, id) order across pages', async () => {
        const store = await open();
        await seed(store);
        const whole = await all(store);
        expect(whole).toHaveLength(24);
        expect(whole.map((i) => i.id)).toEqual([...whole].sort(order).map((i) => i.id));
        for (const pageSize of [1, 2, 5, 23, 24, 1000]) {
          expect((await all(store, { pageSize })).map((i) => i.id)).toEqual(whole.map((i) => i.id));
        }
      });

      it('filters by skill, session, project, status and time range', async () => {
        const store = await open();
        await seed(store);
        const whole = await all(store);
        const ids = (list: Invocation[]) => list.map((i) => i.id);
        expect(ids(await all(store, { skillName: 'odd', pageSize: 3 }))).toEqual(
          ids(whole.filter((i) => i.skillName === 'odd')),
        );
        expect(ids(await all(store, { sessionId: 'first-ten', pageSize: 4 }))).toEqual(
          ids(whole.filter((i) => i.sessionId === 'first-ten')),
        );
        expect(ids(await all(store, { projectPath: '/repo/a' }))).toEqual(
          ids(whole.filter((i) => i.projectPath === '/repo/a')),
        );
        for (const status of ['pending', 'completed', 'abandoned'] as const) {
          const expected = ids(whole.filter((i) => i.status === status));
          expect(expected.length).toBeGreaterThan(0);
          expect(ids(await all(store, { status, pageSize: 2 }))).toEqual(expected);
        }
        const since = '2026-04-01T10:55:00Z';
        const until = '2026-04-01T12:58:00+02:00'; // 10:58 UTC
        expect(ids(await all(store, { since, until }))).toEqual(
          ids(
            whole.filter(
              (i) => i.invokedAt >= '2026-04-01T10:55:00.000000Z' && i.invokedAt < '2026-04-01T10:58:00.000000Z',
            ),
          ),
        );
        expect(await all(store, { skillName: 'odd', sessionId: 'nobody' })).toEqual([]);
      });
    });

    describe('lifecycle', () => {
      it('rejects every call on a closed store with a typed error, and closes twice quietly', async () => {
        const store = await open();
        const handle = await store.trackInvocation('late');
        await store.close();
        await store.close();
        await expect(store.trackInvocation('x')).rejects.toBeInstanceOf(StoreClosedError);
        await expect(handle.complete()).rejects.toBeInstanceOf(StoreClosedError);
        await expect(store.getSummary()).rejects.toBeInstanceOf(StoreClosedError);
        await expect(all(store)).rejects.toBeInstanceOf(StoreClosedError);
      });

      if (subject.reopen) {
        const reopen = subject.reopen.bind(subject);
        it('keeps what was written, pending invocations included, after it is closed and opened again', async () => {
          const store = await open();
          await store.track('durable', () => 1, { workflowPath: 'w' });
          const pending = await store.trackInvocation('durable');
          const before = await snapshot(store);
          await store.close();
          const again = await reopen(store);
          try {
            expect(await snapshot(again)).toEqual(before);
            expect((await all(again, { status: 'pending' })).map((i) => i.id)).toEqual([pending.invocationId]);
          } finally {
            await again.close();
          }
        });
      }
    });
  });
}
