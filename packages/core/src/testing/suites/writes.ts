import { describe, expect, it } from 'vitest';
import { InvalidInputError, InvocationAlreadyCompletedError, UnknownInvocationError } from '../../contract/errors.js';
import { isCanonicalTimestamp } from '../../contract/time.js';
import { listAll } from '../builders.js';
import type { OpenStore } from '../contract.js';

/** Live invocations: start, complete, `track()`; each counted once, every figure right after each write. */
export function describeWrites(open: OpenStore): void {
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
      const [pending] = await listAll(store);
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
      const [abandoned] = await listAll(store);
      expect(abandoned?.status).toBe('abandoned');
      expect(abandoned?.durationSeconds).toBeGreaterThanOrEqual(0);
      expect((await store.getSkillMetrics('slow-skill'))?.abandonedInvocations).toBe(1);
    });

    it('keeps canonical timestamps, a completion no earlier than the start, and the user context', async () => {
      const store = await open();
      const context = { query: 'fix the "tests"', rank: 2, nested: { ok: true } };
      const handle = await store.trackInvocation('ctx', { userContext: context });
      await handle.complete();
      const [inv] = await listAll(store);
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

  describe('completeInvocation', () => {
    it('finishes a pending invocation by id, as its handle would, and counts it once', async () => {
      const start = Date.parse('2026-05-01T10:00:00Z');
      let now = start;
      const store = await open({ clock: { now: () => now, monotonic: () => now - start } });
      const handle = await store.trackInvocation('by-id', { workflowPath: 'w', sessionId: 's' });
      now += 2500;
      await store.completeInvocation(handle.invocationId, { followUpActions: ['next'] });
      expect(await store.getInvocation(handle.invocationId)).toMatchObject({
        status: 'completed',
        completedAt: '2026-05-01T10:00:02.500000Z',
        durationSeconds: 2.5,
        followUpActions: ['next'],
      });
      const other = await store.trackInvocation('by-id');
      await store.completeInvocation(other.invocationId, {
        completed: false,
        errorType: 'Boom',
        completedAt: '2026-05-01T12:00:09+02:00',
        durationSeconds: 7,
      });
      expect(await store.getInvocation(other.invocationId)).toMatchObject({
        status: 'abandoned',
        completedAt: '2026-05-01T10:00:09.000000Z',
        durationSeconds: 7,
        errorType: 'Boom',
      });
      expect(await store.getSkillMetrics('by-id')).toMatchObject({
        totalInvocations: 2,
        completedInvocations: 1,
        totalDurationSeconds: 2.5,
        commonErrors: { Boom: 1 },
      });
    });

    it('refuses an unknown id, a finished one, and times that cannot be, changing nothing', async () => {
      const start = Date.parse('2026-05-01T10:00:00Z');
      const store = await open({ clock: { now: () => start + 1000, monotonic: () => 0 } });
      const handle = await store.trackInvocation('by-id');
      await expect(store.completeInvocation('no-such-id')).rejects.toBeInstanceOf(UnknownInvocationError);
      await expect(
        store.completeInvocation(handle.invocationId, { completedAt: '2026-05-01T09:59:59Z' }),
      ).rejects.toThrow(/completedAt must not be before invokedAt/);
      await expect(store.completeInvocation(handle.invocationId, { durationSeconds: 99 })).rejects.toThrow(
        /durationSeconds is 99 s, longer than/,
      );
      await expect(store.completeInvocation(handle.invocationId, { durationSeconds: -1 })).rejects.toBeInstanceOf(
        InvalidInputError,
      );
      await expect(store.completeInvocation(handle.invocationId, { when: 1 } as never)).rejects.toThrow(/options.when/);
      expect((await store.getInvocation(handle.invocationId))?.status).toBe('pending');
      await store.completeInvocation(handle.invocationId);
      await expect(store.completeInvocation(handle.invocationId)).rejects.toBeInstanceOf(
        InvocationAlreadyCompletedError,
      );
      await expect(handle.complete()).rejects.toBeInstanceOf(InvocationAlreadyCompletedError);
      expect((await store.getSkillMetrics('by-id'))?.totalInvocations).toBe(1);
    });
  });
}
