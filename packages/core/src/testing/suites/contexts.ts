import { describe, expect, it } from 'vitest';
import type { OpenAnalyticsStore } from '../analytics.js';
import { item } from '../builders.js';

/** Per-session and per-project figures, over finished invocations only. */
export function describeContexts(open: OpenAnalyticsStore): void {
  describe('sessions and projects', () => {
    it('gives a session its skills, most used first, finished invocations only', async () => {
      const store = await open();
      await store.recordInvocations([
        item({ skillName: 'pytest-runner', sessionId: 'abc', durationSeconds: 3 }),
        item({
          skillName: 'crackerjack-run',
          sessionId: 'abc',
          durationSeconds: 5,
          invokedAt: '2026-05-04T09:00:00Z',
        }),
        item({ skillName: 'crackerjack-run', sessionId: 'abc', completed: false, durationSeconds: 7 }),
        item({ skillName: 'crackerjack-run', sessionId: 'abc', completed: false, durationSeconds: null }), // pending
        item({ skillName: 'other', sessionId: 'xyz' }),
      ]);
      expect(await store.getSessionSkills('abc')).toEqual([
        {
          skillName: 'crackerjack-run',
          invocationCount: 2,
          completedCount: 1,
          abandonedCount: 1,
          totalDurationSeconds: 5,
          completionRate: 50,
          avgDurationSeconds: 5,
          firstInvoked: '2026-05-04T09:00:00.000000Z',
          lastInvoked: '2026-05-04T10:15:00.000000Z',
        },
        {
          skillName: 'pytest-runner',
          invocationCount: 1,
          completedCount: 1,
          abandonedCount: 0,
          totalDurationSeconds: 3,
          completionRate: 100,
          avgDurationSeconds: 3,
          firstInvoked: '2026-05-04T10:15:00.000000Z',
          lastInvoked: '2026-05-04T10:15:00.000000Z',
        },
      ]);
      expect(await store.getSessionSkills('nobody')).toEqual([]);
    });

    it('totals a project over its skills, and is null for an unknown project', async () => {
      const store = await open();
      const live = await store.trackInvocation('lint', { projectPath: '/repo' });
      await live.complete({ completed: false, errorType: 'E' });
      await store.recordInvocations([
        item({ skillName: 'test', projectPath: '/repo', durationSeconds: 2 }),
        item({ skillName: 'test', projectPath: '/repo', durationSeconds: 4 }),
        item({ skillName: 'test', projectPath: '/elsewhere', durationSeconds: 100 }),
      ]);
      const project = await store.getProjectMetrics('/repo');
      expect(project).toMatchObject({
        projectPath: '/repo',
        totalInvocations: 3,
        completedInvocations: 2,
        abandonedInvocations: 1,
        totalDurationSeconds: 6,
        avgDurationSeconds: 3,
      });
      expect(project?.completionRate).toBeCloseTo(200 / 3, 10);
      expect(project?.skills.map((s) => [s.skillName, s.invocationCount])).toEqual([
        ['test', 2],
        ['lint', 1],
      ]);
      expect(await store.getProjectMetrics('/nowhere')).toBeNull();
    });
  });
}
