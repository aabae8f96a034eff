import { describe, expect, it } from 'vitest';
import { InvalidInputError, SkillMetricsError } from '../../contract/errors.js';
import type { SkillMetricsStore } from '../../contract/types.js';
import { listAll, snapshot } from '../builders.js';

/** Bad input: a typed error that names the field, and nothing changed. */
export function describeBadInput(open: () => Promise<SkillMetricsStore>): void {
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
  });
}
