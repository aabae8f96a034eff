import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../contract/errors.js';
import { formatEpochMs } from '../../contract/time.js';
import type { InvocationInput, SkillMetricsStore } from '../../contract/types.js';
import { listAll, snapshot, testInvocation } from '../builders.js';
import type { OpenStore } from '../contract.js';

const LONE = 'a\uD800b';

/** The field an `InvalidInputError` names, or the error itself when the call did not reject so. */
async function fieldOf(call: Promise<unknown>): Promise<unknown> {
  const error = await call.then(
    () => null,
    (e: unknown) => e,
  );
  return error instanceof InvalidInputError ? error.field : error;
}

/** Text kept as itself, in one order; times that cannot be, refused; durations measured, not guessed. */
export function describeTextAndTime(open: OpenStore): void {
  describe('text', () => {
    it('refuses a lone surrogate in every text field, naming it, and changes nothing', async () => {
      const store = await open();
      await store.recordInvocation(testInvocation({ id: 'kept' }));
      const before = await snapshot(store);
      const tracked: Array<[Parameters<SkillMetricsStore['trackInvocation']>, string]> = [
        [[LONE], 'skillName'],
        [['s', { workflowPath: LONE }], 'workflowPath'],
        [['s', { sessionId: LONE }], 'sessionId'],
        [['s', { projectPath: LONE }], 'projectPath'],
        [['s', { userContext: { note: LONE } }], 'userContext.note'],
        [['s', { userContext: { [LONE]: 1 } }], `userContext key ${JSON.stringify(LONE)}`],
      ];
      for (const [args, field] of tracked) expect(await fieldOf(store.trackInvocation(...args))).toBe(field);
      const recorded: Array<[Partial<InvocationInput>, string]> = [
        [{ id: LONE }, 'invocation.id'],
        [{ skillName: LONE }, 'invocation.skillName'],
        [{ workflowPath: LONE }, 'invocation.workflowPath'],
        [{ errorType: LONE }, 'invocation.errorType'],
        [{ followUpActions: ['ok', LONE] }, 'invocation.followUpActions[1]'],
        [{ sessionId: LONE }, 'invocation.sessionId'],
        [{ projectPath: LONE }, 'invocation.projectPath'],
      ];
      for (const [over, field] of recorded) {
        expect(await fieldOf(store.recordInvocation(testInvocation({ id: 'x', ...over })))).toBe(field);
      }
      expect(await fieldOf(store.getSkillMetrics(LONE))).toBe('skillName');
      expect(await fieldOf(listAll(store, { sessionId: LONE }))).toBe('query.sessionId');
      const handle = await store.trackInvocation('s');
      expect(await fieldOf(handle.complete({ errorType: LONE }))).toBe('errorType');
      expect(await fieldOf(handle.complete({ followUpActions: [LONE] }))).toBe('followUpActions[0]');
      await handle.complete({ completed: false });
      const after = await snapshot(store);
      expect(after.metrics.filter((m) => m.skillName !== 's')).toEqual(before.metrics);
      // Whole pairs are text like any other: the emoji and the astral letter come back as they went in.
      await store.recordInvocation(testInvocation({ id: 'pair', skillName: '😀𝐀', workflowPath: '🚀' }));
      expect((await store.getSkillMetrics('😀𝐀'))?.workflowPaths).toEqual({ '🚀': 1 });
    });

    it('orders text by code point everywhere: U+FF5E before an emoji, ties and ids alike', async () => {
      const store = await open();
      const at = '2026-03-01T12:00:00.000000Z';
      await store.recordInvocations(
        ['😀', '～', 'z'].map((name) => testInvocation({ id: name, skillName: name, invokedAt: at, sessionId: 's' })),
      );
      const order = ['z', '～', '😀'];
      expect([...(await store.getAllMetrics()).keys()]).toEqual(order);
      expect((await store.getSummary()).skillsByUsage.map(([name]) => name)).toEqual(order);
      expect((await listAll(store)).map((i) => i.id)).toEqual(order);
    });
  });

  describe('times', () => {
    it('refuses times that cannot be, naming the field, and changes nothing', async () => {
      const store = await open();
      const before = await snapshot(store);
      const bad: Array<[Partial<InvocationInput>, string]> = [
        [{ invokedAt: '2026-03-01T12:00:00+24:00' }, 'invocation.invokedAt'],
        [{ invokedAt: '2026-03-01T12:00:00+99:99' }, 'invocation.invokedAt'],
        [{ invokedAt: '2026-03-01T12:00:00+05:75' }, 'invocation.invokedAt'],
        [{ invokedAt: '0000-06-01T12:00:00Z' }, 'invocation.invokedAt'],
        [{ invokedAt: '9999-12-31T23:00:00-05:00' }, 'invocation.invokedAt'],
        [{ invokedAt: '9999-12-31T23:59:50Z', durationSeconds: 20 }, 'invocation.durationSeconds'],
        [{ completedAt: '2026-03-01T11:59:59Z' }, 'invocation.completedAt'],
        [{ durationSeconds: 10, completedAt: '2026-03-01T12:00:02Z' }, 'invocation.durationSeconds'],
        [{ skillName: '' }, 'invocation.skillName'],
      ];
      for (const [over, field] of bad) {
        expect(await fieldOf(store.recordInvocation(testInvocation({ id: 't', ...over }))), JSON.stringify(over)).toBe(
          field,
        );
      }
      expect(await snapshot(store)).toEqual(before);
    });

    it('keeps years 0001–0099 as written, a duration within a second of its span, and every time 27 characters', async () => {
      const store = await open();
      await store.recordInvocations([
        testInvocation({ id: 'old', invokedAt: '0050-03-01T12:00:00Z' }),
        testInvocation({ id: 'first', invokedAt: '0001-01-01T00:00:00+00:00' }),
        testInvocation({ id: 'slack', durationSeconds: 2.5, completedAt: '2026-03-01T12:00:02Z' }),
      ]);
      const byId = new Map((await listAll(store)).map((i) => [i.id, i]));
      expect(byId.get('old')).toMatchObject({
        invokedAt: '0050-03-01T12:00:00.000000Z',
        completedAt: '0050-03-01T12:00:02.000000Z',
      });
      expect(byId.get('first')?.invokedAt).toBe('0001-01-01T00:00:00.000000Z');
      expect(byId.get('slack')).toMatchObject({ durationSeconds: 2.5, completedAt: '2026-03-01T12:00:02.000000Z' });
      for (const inv of byId.values()) {
        expect(inv.invokedAt).toHaveLength(27);
        expect(inv.completedAt).toHaveLength(27);
      }
      expect((await store.getSkillMetrics('imported'))?.firstInvoked).toBe('0001-01-01T00:00:00.000000Z');
    });

    it('times a live invocation with its clock: seconds, from the monotonic clock, stamped from the wall clock', async () => {
      let wall = Date.UTC(2026, 2, 1, 12, 0, 0, 250);
      let monotonic = 1_000;
      const store = await open({ clock: { now: () => wall, monotonic: () => monotonic } });
      const handle = await store.trackInvocation('timed');
      // The wall clock jumps back an hour; the duration is the monotonic clock's 2.5 s all the same.
      monotonic += 2_500;
      wall -= 3_600_000;
      await handle.complete();
      const m = await store.getSkillMetrics('timed');
      expect(m).toMatchObject({ totalDurationSeconds: 2.5, avgDurationSeconds: 2.5 });
      const [inv] = await listAll(store);
      expect(inv).toMatchObject({
        invokedAt: formatEpochMs(Date.UTC(2026, 2, 1, 12, 0, 0, 250)),
        durationSeconds: 2.5,
        completedAt: formatEpochMs(Date.UTC(2026, 2, 1, 12, 0, 2, 750)),
      });
    });
  });
}
