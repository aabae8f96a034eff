import { describe, expect, it } from 'vitest';
import { InvalidInputError, InvocationConflictError } from '../../contract/errors.js';
import type { InvocationInput } from '../../contract/types.js';
import { listAll, snapshot, testInvocation } from '../builders.js';
import type { OpenStore } from '../contract.js';

/** Importing invocations with their own ids and times: idempotent, atomic per batch, conflicts refused. */
export function describeRecording(open: OpenStore): void {
  describe('recordInvocation', () => {
    it('imports a finished invocation and counts it once however often it is recorded', async () => {
      const store = await open();
      const inv = testInvocation({ id: 'imp-1', workflowPath: 'daily', followUpActions: ['deploy'] });
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
      const [stored] = await listAll(store);
      expect(stored).toMatchObject({ id: 'imp-1', status: 'completed', completedAt: '2026-03-01T12:00:02.000000Z' });
    });

    it('finishes a pending invocation recorded earlier under the same id', async () => {
      const store = await open();
      const pending = testInvocation({ id: 'p-1', completed: false, durationSeconds: null });
      expect(await store.recordInvocation(pending)).toEqual({ id: 'p-1', outcome: 'inserted' });
      expect(await store.getSkillMetrics('imported')).toBeNull();
      const done = testInvocation({ id: 'p-1', completedAt: '2026-03-01T12:00:05.5Z', durationSeconds: 5.5 });
      expect(await store.recordInvocation(done)).toEqual({ id: 'p-1', outcome: 'completed' });
      expect(await store.recordInvocation(pending)).toEqual({ id: 'p-1', outcome: 'unchanged' });
      const [stored] = await listAll(store);
      expect(stored).toMatchObject({ status: 'completed', completedAt: '2026-03-01T12:00:05.500000Z' });
      expect((await store.getSkillMetrics('imported'))?.totalInvocations).toBe(1);
    });

    it('rejects an id reused with different content, naming the fields, and changes nothing', async () => {
      const store = await open();
      await store.recordInvocation(testInvocation({ id: 'c-1' }));
      const before = await snapshot(store);
      const error = await store
        .recordInvocation(testInvocation({ id: 'c-1', durationSeconds: 3, skillName: 'other' }))
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
        const error = await store.recordInvocation(testInvocation({ id: 'b-1', ...over })).catch((e: unknown) => e);
        expect(error, JSON.stringify(over)).toBeInstanceOf(InvalidInputError);
        expect((error as Error).message).toMatch(message);
      }
      expect(await snapshot(store)).toEqual(before);
    });

    it('stores times given with an offset in canonical UTC, keeping microseconds', async () => {
      const store = await open();
      await store.recordInvocation(testInvocation({ id: 'tz', invokedAt: '2026-03-01T13:00:00.123456+01:00' }));
      const [stored] = await listAll(store);
      expect(stored?.invokedAt).toBe('2026-03-01T12:00:00.123456Z');
    });

    it('imports a batch all at once, or none of it when one item is bad', async () => {
      const store = await open();
      const batch = [
        testInvocation({ id: 'a' }),
        testInvocation({ id: 'b', completed: false, errorType: 'E' }),
        testInvocation({ id: 'c' }),
      ];
      expect(await store.recordInvocations(batch)).toEqual({ inserted: 3, completed: 0, unchanged: 0 });
      expect(await store.recordInvocations(batch)).toEqual({ inserted: 0, completed: 0, unchanged: 3 });
      const before = await snapshot(store);
      const error = await store
        .recordInvocations([testInvocation({ id: 'd' }), testInvocation({ id: 'e', durationSeconds: -2 })])
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).field).toBe('invocations[1].durationSeconds');
      await expect(
        store.recordInvocations([testInvocation({ id: 'f' }), testInvocation({ id: 'a', skillName: 'x' })]),
      ).rejects.toBeInstanceOf(InvocationConflictError);
      expect(await snapshot(store)).toEqual(before);
      expect(await store.getSkillMetrics('imported')).toMatchObject({ totalInvocations: 3, completedInvocations: 2 });
    });

    it('keeps the old tracker’s quirks when told to, counting them as it did; refuses them otherwise', async () => {
      const store = await open();
      const quirky = [
        testInvocation({ id: 'q-neg', durationSeconds: -3 }),
        testInvocation({ id: 'q-pos', durationSeconds: 4 }),
        testInvocation({ id: 'q-empty', skillName: '', durationSeconds: 2 }),
        testInvocation({
          id: 'q-pend',
          completed: false,
          durationSeconds: null,
          followUpActions: ['retry'],
          errorType: 'E',
        }),
        testInvocation({ id: 'q-late', completedAt: '2026-03-01T11:59:00.000000Z', durationSeconds: 5 }),
      ];
      for (const [i, field] of ['durationSeconds', 'skillName', 'completed', 'completedAt'].entries()) {
        const error = await store.recordInvocations([quirky[i === 0 ? 0 : i + 1] as InvocationInput]).catch((e) => e);
        expect(error, field).toBeInstanceOf(InvalidInputError);
        expect((error as InvalidInputError).field).toBe(`invocations[0].${field}`);
      }
      await expect(store.recordInvocations(quirky, { legacyQuirks: 'yes' } as never)).rejects.toMatchObject({
        field: 'legacyQuirks',
      });
      await expect(
        store.recordInvocation(quirky[0] as InvocationInput, { lenient: true } as never),
      ).rejects.toMatchObject({ field: 'options.lenient' });
      expect(await store.countInvocations()).toBe(0);

      expect(await store.recordInvocations(quirky, { legacyQuirks: true })).toEqual({
        inserted: 5,
        completed: 0,
        unchanged: 0,
      });
      expect(await store.recordInvocations(quirky, { legacyQuirks: true })).toMatchObject({ unchanged: 5 });
      expect(await store.getInvocation('q-neg')).toMatchObject({
        durationSeconds: -3,
        completedAt: '2026-03-01T11:59:57.000000Z',
      });
      expect(await store.getInvocation('q-late')).toMatchObject({ completedAt: '2026-03-01T11:59:00.000000Z' });
      expect(await store.getInvocation('q-pend')).toMatchObject({
        status: 'pending',
        followUpActions: ['retry'],
        errorType: 'E',
      });
      // Summed as the old tracker summed them: -3 + 4 + 5; percentiles only over what was measured.
      const imported = await store.getSkillMetrics('imported');
      expect(imported).toMatchObject({ totalInvocations: 3, completedInvocations: 3, totalDurationSeconds: 6 });
      expect(imported?.avgDurationSeconds).toBe(2);
      expect(Math.abs((imported?.p50DurationSeconds as number) - 4.5) / 4.5).toBeLessThanOrEqual(0.009);
      expect((await store.getAllMetrics()).get('')).toMatchObject({ totalInvocations: 1, totalDurationSeconds: 2 });
      expect(await store.getSummary()).toMatchObject({ totalSkills: 2, totalInvocations: 4 });
      // The pending one, finished by a later record, is counted from then on.
      const finished = { ...quirky[3], completed: true, durationSeconds: 1, errorType: null } as InvocationInput;
      expect(await store.recordInvocation(finished)).toEqual({ id: 'q-pend', outcome: 'completed' });
      expect(await store.getSkillMetrics('imported')).toMatchObject({ totalInvocations: 4, totalDurationSeconds: 7 });
    });

    it('counts a completed invocation without a duration as completed, adding nothing to the time', async () => {
      const store = await open();
      await store.recordInvocations([
        testInvocation({ id: 'n-1', durationSeconds: null }),
        testInvocation({ id: 'n-2', durationSeconds: 4 }),
        testInvocation({ id: 'n-3', durationSeconds: 0 }),
      ]);
      expect(await store.getSkillMetrics('imported')).toMatchObject({
        completedInvocations: 3,
        totalDurationSeconds: 4,
        avgDurationSeconds: 4 / 3,
      });
    });
  });
}
