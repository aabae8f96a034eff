import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../contract/errors.js';
import type { Invocation, InvocationInput, SkillMetricsStore } from '../../contract/types.js';
import { listAll, testInvocation } from '../builders.js';
import type { OpenStore } from '../contract.js';

/** `listInvocations`: one stable order, paged with a cursor, every filter; lookups by id. */
export function describeListing(open: OpenStore): void {
  describe('listInvocations', () => {
    const seed = async (store: SkillMetricsStore) => {
      const items: InvocationInput[] = [];
      for (let i = 0; i < 23; i++) {
        items.push(
          testInvocation({
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
        testInvocation({ id: 'pending-1', completed: false, durationSeconds: null, invokedAt: '2026-04-01T11:30:00Z' }),
      );
      await store.recordInvocations(items);
      return items;
    };
    const order = (a: Invocation, b: Invocation) =>
      a.invokedAt < b.invokedAt ? -1 : a.invokedAt > b.invokedAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

    it('streams every invocation in (invokedAt, id) order across pages', async () => {
      const store = await open();
      await seed(store);
      const whole = await listAll(store);
      expect(whole).toHaveLength(24);
      expect(whole.map((i) => i.id)).toEqual([...whole].sort(order).map((i) => i.id));
      for (const pageSize of [1, 2, 5, 23, 24, 1000]) {
        expect((await listAll(store, { pageSize })).map((i) => i.id)).toEqual(whole.map((i) => i.id));
      }
    });

    it('filters by skill, session, project, status and time range, and counts alike', async () => {
      const store = await open();
      await seed(store);
      const whole = await listAll(store);
      expect(await store.countInvocations()).toBe(24);
      expect(await store.countInvocations({ skillName: 'odd', status: 'completed', pageSize: 1 })).toBe(
        whole.filter((i) => i.skillName === 'odd' && i.status === 'completed').length,
      );
      expect(await store.countInvocations({ sessionId: 'nobody' })).toBe(0);
      await expect(store.countInvocations({ skill: 'a' } as never)).rejects.toThrow(/query.skill/);
      const ids = (list: Invocation[]) => list.map((i) => i.id);
      expect(ids(await listAll(store, { skillName: 'odd', pageSize: 3 }))).toEqual(
        ids(whole.filter((i) => i.skillName === 'odd')),
      );
      expect(ids(await listAll(store, { sessionId: 'first-ten', pageSize: 4 }))).toEqual(
        ids(whole.filter((i) => i.sessionId === 'first-ten')),
      );
      expect(ids(await listAll(store, { projectPath: '/repo/a' }))).toEqual(
        ids(whole.filter((i) => i.projectPath === '/repo/a')),
      );
      for (const status of ['pending', 'completed', 'abandoned'] as const) {
        const expected = ids(whole.filter((i) => i.status === status));
        expect(expected.length).toBeGreaterThan(0);
        expect(ids(await listAll(store, { status, pageSize: 2 }))).toEqual(expected);
      }
      const since = '2026-04-01T10:55:00Z';
      const until = '2026-04-01T12:58:00+02:00'; // 10:58 UTC
      expect(ids(await listAll(store, { since, until }))).toEqual(
        ids(
          whole.filter(
            (i) => i.invokedAt >= '2026-04-01T10:55:00.000000Z' && i.invokedAt < '2026-04-01T10:58:00.000000Z',
          ),
        ),
      );
      expect(await listAll(store, { skillName: 'odd', sessionId: 'nobody' })).toEqual([]);
    });
  });

  describe('getInvocation and getInvocations', () => {
    it('find each invocation by id as listInvocations gives it, null where there is none, in the order asked', async () => {
      const store = await open();
      const handle = await store.trackInvocation('looked-up', { sessionId: 's', userContext: { n: 1 } });
      await store.recordInvocation(testInvocation({ id: 'imported-1', skillName: 'looked-up' }));
      const listed = new Map((await listAll(store)).map((i) => [i.id, i]));
      expect(await store.getInvocation(handle.invocationId)).toEqual(listed.get(handle.invocationId));
      expect(await store.getInvocation('imported-1')).toEqual(listed.get('imported-1'));
      expect(await store.getInvocation('no-such-id')).toBeNull();
      expect(await store.getInvocations(['imported-1', 'no-such-id', handle.invocationId, 'imported-1'])).toEqual([
        listed.get('imported-1'),
        null,
        listed.get(handle.invocationId),
        listed.get('imported-1'),
      ]);
      expect(await store.getInvocations([])).toEqual([]);
    });

    it('refuse ids that are not non-empty strings, and more than 10,000 at once', async () => {
      const store = await open();
      await expect(store.getInvocation('')).rejects.toBeInstanceOf(InvalidInputError);
      await expect(store.getInvocation(7 as never)).rejects.toBeInstanceOf(InvalidInputError);
      await expect(store.getInvocations('abc' as never)).rejects.toBeInstanceOf(InvalidInputError);
      await expect(store.getInvocations(['a', 5 as never])).rejects.toThrow(/ids\[1\]/);
      await expect(store.getInvocations(Array.from({ length: 10_001 }, (_, i) => `id-${i}`))).rejects.toThrow(
        /at most 10000/,
      );
    });

    it('give a handle the invocation as started, and complete() the invocation as finished, as stored', async () => {
      const store = await open();
      const handle = await store.trackInvocation('handled', { workflowPath: 'w', projectPath: '/p' });
      expect(handle.invocation).toEqual(await store.getInvocation(handle.invocationId));
      expect(handle.invocation.status).toBe('pending');
      const finished = await handle.complete({ completed: false, errorType: 'Boom', followUpActions: ['retry'] });
      expect(finished).toEqual(await store.getInvocation(handle.invocationId));
      expect(finished).toMatchObject({ status: 'abandoned', errorType: 'Boom', followUpActions: ['retry'] });
      expect(handle.invocation.status).toBe('pending');
    });
  });
}
