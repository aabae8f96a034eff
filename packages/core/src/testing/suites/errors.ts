import { describe, expect, it } from 'vitest';
import { InvalidInputError, SkillMetricsError } from '../../contract/errors.js';
import { listAll, snapshot, testInvocation } from '../builders.js';
import type { OpenStore } from '../contract.js';

/** Bad input: a typed error that names the field, and nothing changed. */
export function describeBadInput(open: OpenStore): void {
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
      await expect(listAll(store, { status: 'done' as 'completed' })).rejects.toBeInstanceOf(InvalidInputError);
      await expect(listAll(store, { pageSize: 0 })).rejects.toBeInstanceOf(InvalidInputError);
      await expect(listAll(store, { since: 'yesterday' })).rejects.toBeInstanceOf(InvalidInputError);
    });

    it('rejects options and filters it does not know, or of the wrong kind, naming them', async () => {
      const store = await open();
      await store.recordInvocation(testInvocation({ id: 'kept' }));
      const before = await snapshot(store);
      const field = async (call: Promise<unknown>) =>
        call.then(
          () => 'resolved',
          (e: unknown) => (e instanceof InvalidInputError ? e.field : e),
        );
      const bad = 2 ** 53;
      expect(await field(listAll(store, { skill: 'a' } as never))).toBe('query.skill');
      expect(await field(listAll(store, null as never))).toBe('query');
      for (const pageSize of [1.5, bad, Number.NaN, -1, '10']) {
        expect(await field(listAll(store, { pageSize: pageSize as number }))).toBe('query.pageSize');
      }
      expect(await field(store.trackInvocation('x', { workflow: 'quick' } as never))).toBe('options.workflow');
      expect(await field(store.trackInvocation('x', null as never))).toBe('options');
      expect(await field(store.recordInvocation({ ...testInvocation({ id: 'y' }), extra: 1 } as never))).toBe(
        'invocation.extra',
      );
      expect(await snapshot(store)).toEqual(before);
      const handle = await store.trackInvocation('x');
      expect(await field(handle.complete({ complete: true } as never))).toBe('options.complete');
      expect((await listAll(store, { status: 'pending' })).map((i) => i.id)).toEqual([handle.invocationId]);
    });

    it('keeps a user context as JSON keeps it, and refuses what JSON would lose without a word', async () => {
      const store = await open();
      const field = (userContext: unknown) =>
        store.trackInvocation('ctx', { userContext: userContext as Record<string, unknown> }).then(
          () => 'resolved',
          (e: unknown) => (e instanceof InvalidInputError ? e.field : e),
        );
      const cycle: Record<string, unknown> = { a: 1 };
      cycle.self = cycle;
      expect(await field(new Date(0))).toBe('userContext');
      expect(await field({ toJSON: () => 42 })).toBe('userContext');
      expect(await field({ toJSON: () => [1, 2] })).toBe('userContext');
      expect(await field({ run: () => 1 })).toBe('userContext.run');
      expect(await field({ deep: { s: Symbol('s') } })).toBe('userContext.deep.s');
      expect(await field({ n: 10n })).toBe('userContext.n');
      expect(await field(cycle)).toBe('userContext.self');
      expect(await listAll(store)).toEqual([]);
      const handle = await store.trackInvocation('ctx', {
        userContext: { when: new Date(0), gone: undefined, list: [undefined, 1], nested: { ok: true } } as never,
      });
      await handle.complete();
      const [inv] = await listAll(store);
      expect(inv?.userContext).toEqual({ when: '1970-01-01T00:00:00.000Z', list: [null, 1], nested: { ok: true } });
    });

    it('refuses track() of something that is not a function, writing nothing', async () => {
      const store = await open();
      const error = await store.track('x', 42 as never).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).field).toBe('fn');
      expect(await listAll(store)).toEqual([]);
    });
  });
}
