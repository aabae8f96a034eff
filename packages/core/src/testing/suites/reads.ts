import { describe, expect, it } from 'vitest';
import { testInvocation } from '../builders.js';
import type { OpenStore } from '../contract.js';
import { expectWithinOnePercent, referencePercentile } from '../reference.js';

/** The figures read back: any text a key, first/last by start, usage order, summaries, percentiles. */
export function describeReads(open: OpenStore): void {
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
          testInvocation({
            id: `k-${key}`,
            skillName: key || 'empty-key',
            workflowPath: key,
            errorType: key,
            followUpActions: [key, key],
          }),
        );
        await store.recordInvocation(
          testInvocation({
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
      await store.recordInvocation(testInvocation({ id: 'late', invokedAt: '2026-05-01T00:00:00Z' }));
      await store.recordInvocation(testInvocation({ id: 'early', invokedAt: '2026-01-01T00:00:00Z' }));
      await store.recordInvocation(testInvocation({ id: 'mid', invokedAt: '2026-03-01T00:00:00Z' }));
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
            testInvocation({ id: `${skill}-${i}`, skillName: skill, completed: i < completed, durationSeconds: n }),
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
        await store.recordInvocation(testInvocation({ id: `s-${i}`, skillName: 'skewed', durationSeconds: d }));
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
        testInvocation({ id: 'x-1', skillName: 'x', completed: false, durationSeconds: 999 }),
        testInvocation({ id: 'x-2', skillName: 'x', completed: true, durationSeconds: null }),
      ]);
      const none = await store.getSkillMetrics('x');
      expect([none?.p50DurationSeconds, none?.p95DurationSeconds, none?.p99DurationSeconds]).toEqual([
        null,
        null,
        null,
      ]);
      await store.recordInvocation(testInvocation({ id: 'x-3', skillName: 'x', durationSeconds: 4 }));
      const one = await store.getSkillMetrics('x');
      expectWithinOnePercent(one?.p50DurationSeconds, 4);
      expectWithinOnePercent(one?.p99DurationSeconds, 4);
      await store.recordInvocation(testInvocation({ id: 'x-4', skillName: 'x', durationSeconds: 0 }));
      const two = await store.getSkillMetrics('x');
      // Two values, 0 and 4: percentile_cont interpolates between them.
      expectWithinOnePercent(two?.p50DurationSeconds, 2);
      expectWithinOnePercent(two?.p95DurationSeconds, 3.8);
    });
  });
}
