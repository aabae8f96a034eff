import { describe, expect, it } from 'vitest';
import { StoreClosedError } from '../../contract/errors.js';
import type { SkillMetricsStore } from '../../contract/types.js';
import { listAll, snapshot } from '../builders.js';
import type { OpenStore } from '../contract.js';

/** Closing, and — for a store that keeps its data — opening the same storage again. */
export function describeLifecycle(
  open: OpenStore,
  reopen: ((closed: SkillMetricsStore) => Promise<SkillMetricsStore>) | undefined,
): void {
  describe('lifecycle', () => {
    it('rejects every call on a closed store with a typed error, and closes twice quietly', async () => {
      const store = await open();
      const handle = await store.trackInvocation('late');
      await store.close();
      await store.close();
      await expect(store.trackInvocation('x')).rejects.toBeInstanceOf(StoreClosedError);
      await expect(handle.complete()).rejects.toBeInstanceOf(StoreClosedError);
      await expect(store.getSummary()).rejects.toBeInstanceOf(StoreClosedError);
      await expect(listAll(store)).rejects.toBeInstanceOf(StoreClosedError);
    });
  });

  // A store that keeps nothing once closed (SQLite in memory) has no storage to open again: it makes
  // no promise of durability, so there is nothing to test.
  if (reopen === undefined) return;
  describe('durability', () => {
    it('keeps what was written, pending invocations included, after it is closed and opened again', async () => {
      const store = await open();
      await store.track('durable', () => 1, { workflowPath: 'w' });
      const pending = await store.trackInvocation('durable');
      const before = await snapshot(store);
      await store.close();
      const again = await reopen(store);
      try {
        expect(await snapshot(again)).toEqual(before);
        expect((await listAll(again, { status: 'pending' })).map((i) => i.id)).toEqual([pending.invocationId]);
      } finally {
        await again.close();
      }
    });
  });
}
