import { describe, expect, it } from 'vitest';
import type { OpenAnalyticsStore } from '../analytics.js';
import { item, seededRandom } from '../builders.js';
import { expectWithinOnePercent, referencePercentile } from '../reference.js';

/** `getSkillOverview`: every skill's counts by status and duration figures, in one read. */
export function describeOverview(open: OpenAnalyticsStore): void {
  describe('skill overview', () => {
    it('is empty for an empty store', async () => {
      const store = await open();
      expect(await store.getSkillOverview()).toEqual([]);
    });

    it('counts each skill by status, a skill with only pending invocations included, by name in code-point order', async () => {
      const store = await open();
      // U+FF5E sorts before U+1F680 by code point, after it by UTF-16 code unit.
      const names = ['zeta', 'say "hi"\\\n', '～wave', '🚀 deploy', 'Alpha'];
      for (const skillName of names) {
        await store.recordInvocations([
          item({ skillName, durationSeconds: 2 }),
          item({ skillName, completed: false, durationSeconds: 1, errorType: 'E' }),
        ]);
      }
      const waiting = await store.trackInvocation('only-pending');
      await store.trackInvocation('only-pending');
      const live = await store.trackInvocation('zeta');
      const overview = await store.getSkillOverview();
      expect(overview.map((o) => o.skillName)).toEqual([
        'Alpha',
        'only-pending',
        'say "hi"\\\n',
        'zeta',
        '～wave',
        '🚀 deploy',
      ]);
      expect(overview.find((o) => o.skillName === 'only-pending')).toEqual({
        skillName: 'only-pending',
        completedInvocations: 0,
        abandonedInvocations: 0,
        pendingInvocations: 2,
        totalDurationSeconds: 0,
        p50DurationSeconds: null,
        p95DurationSeconds: null,
        p99DurationSeconds: null,
      });
      expect(overview.find((o) => o.skillName === 'zeta')).toMatchObject({
        completedInvocations: 1,
        abandonedInvocations: 1,
        pendingInvocations: 1,
        totalDurationSeconds: 2,
      });

      await live.complete({ completed: true });
      await waiting.complete({ completed: false, errorType: 'Timeout' });
      const after = await store.getSkillOverview();
      expect(after.find((o) => o.skillName === 'zeta')).toMatchObject({
        completedInvocations: 2,
        pendingInvocations: 0,
      });
      expect(after.find((o) => o.skillName === 'only-pending')).toMatchObject({
        abandonedInvocations: 1,
        pendingInvocations: 1,
      });
    });

    it('agrees with getSkillMetrics and countInvocations, percentiles within 1 % of percentile_cont', async () => {
      const store = await open();
      const random = seededRandom(12);
      const durations = new Map<string, number[]>();
      const batch = [];
      for (let i = 0; i < 600; i++) {
        const skillName = `skill-${i % 3}`;
        const completed = random() < 0.8;
        const durationSeconds = Math.round(random() * 50_000) / 1000;
        if (completed) durations.set(skillName, [...(durations.get(skillName) ?? []), durationSeconds]);
        batch.push(item({ skillName, completed, durationSeconds, errorType: completed ? null : 'E' }));
      }
      await store.recordInvocations(batch);
      for (const o of await store.getSkillOverview()) {
        const metrics = await store.getSkillMetrics(o.skillName);
        expect(o).toMatchObject({
          completedInvocations: metrics?.completedInvocations,
          abandonedInvocations: metrics?.abandonedInvocations,
          pendingInvocations: await store.countInvocations({ skillName: o.skillName, status: 'pending' }),
        });
        expect(o.totalDurationSeconds).toBeCloseTo(metrics?.totalDurationSeconds ?? Number.NaN, 6);
        const own = durations.get(o.skillName) ?? [];
        expectWithinOnePercent(o.p50DurationSeconds, referencePercentile(own, 0.5), `${o.skillName} p50`);
        expectWithinOnePercent(o.p95DurationSeconds, referencePercentile(own, 0.95), `${o.skillName} p95`);
        expectWithinOnePercent(o.p99DurationSeconds, referencePercentile(own, 0.99), `${o.skillName} p99`);
      }
    });
  });
}
