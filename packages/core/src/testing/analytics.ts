import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../contract/errors.js';
import type { AnalyticsStore, InvocationInput } from '../contract/types.js';
import { closingAfterEach, expectWithinOnePercent, referencePercentile } from './reference.js';

/** How the analytics suite gets stores of one kind. */
export interface AnalyticsSubject {
  /** Opens a new, empty store. */
  open(): Promise<AnalyticsStore>;
}

let counter = 0;
const item = (over: Partial<InvocationInput>): InvocationInput => ({
  id: `a-${counter++}`,
  skillName: 'skill',
  invokedAt: '2026-05-04T10:15:00Z',
  workflowPath: null,
  completed: true,
  durationSeconds: 1,
  errorType: null,
  followUpActions: [],
  sessionId: null,
  projectPath: null,
  userContext: null,
  ...over,
});

/**
 * Registers the analytics contract's tests: percentiles, timelines, workflow-path search, sessions,
 * projects, the report and the export. Every store that offers `SkillAnalytics` runs it.
 */
export function describeAnalyticsContract(name: string, subject: AnalyticsSubject): void {
  describe(`${name} — analytics contract`, () => {
    const open = closingAfterEach(() => subject.open());

    describe('getDurationPercentiles', () => {
      const skewed = Array.from({ length: 400 }, (_, i) => (i % 50 === 0 ? 120 + i : 0.2 + (i % 17) * 0.05));

      it('answers any percentiles, from the sketch or exactly', async () => {
        const store = await open();
        await store.recordInvocations(skewed.map((d) => item({ skillName: 'skewed', durationSeconds: d })));
        const qs = [0, 0.1, 0.5, 0.9, 0.999, 1];
        const exact = await store.getDurationPercentiles('skewed', qs, { exact: true });
        const approx = await store.getDurationPercentiles('skewed', qs);
        qs.forEach((q, i) => {
          expect(exact[i], `exact q=${q}`).toBeCloseTo(referencePercentile(skewed, q) as number, 9);
          expectWithinOnePercent(approx[i], referencePercentile(skewed, q), `q=${q}`);
        });
        expect(await store.getDurationPercentiles('nobody', [0.5])).toEqual([null]);
        expect(await store.getDurationPercentiles('nobody', [0.5], { exact: true })).toEqual([null]);
        await expect(store.getDurationPercentiles('skewed', [1.5])).rejects.toBeInstanceOf(InvalidInputError);
        await expect(store.getDurationPercentiles('skewed', [Number.NaN])).rejects.toBeInstanceOf(InvalidInputError);
      });
    });

    describe('timeline', () => {
      const seed = async (store: AnalyticsStore) => {
        await store.recordInvocations([
          item({ skillName: 'a', invokedAt: '2026-05-04T10:05:00Z', durationSeconds: 2 }),
          item({ skillName: 'a', invokedAt: '2026-05-04T10:59:59.999999Z', durationSeconds: 4 }),
          item({ skillName: 'a', invokedAt: '2026-05-04T10:30:00Z', completed: false, durationSeconds: 9 }),
          item({ skillName: 'a', invokedAt: '2026-05-04T12:00:00Z', durationSeconds: 10 }),
          item({ skillName: 'b', invokedAt: '2026-05-04T10:10:00Z', durationSeconds: 6 }),
          item({ skillName: 'a', invokedAt: '2026-05-05T01:00:00+02:00', durationSeconds: 1 }), // 23:00 UTC on the 4th
          item({ skillName: 'a', invokedAt: '2026-05-04T11:00:00Z', completed: false, durationSeconds: null }), // pending
        ]);
      };

      it('counts a skill per UTC hour, with every hour of the range present', async () => {
        const store = await open();
        await seed(store);
        const hours = await store.getSkillTimeline('a', {
          since: '2026-05-04T10:00:00Z',
          until: '2026-05-04T13:00:00Z',
        });
        expect(hours.map((h) => h.bucketStart)).toEqual([
          '2026-05-04T10:00:00.000000Z',
          '2026-05-04T11:00:00.000000Z',
          '2026-05-04T12:00:00.000000Z',
        ]);
        expect(hours[0]).toMatchObject({ invocations: 3, completed: 2, abandoned: 1, avgDurationSeconds: 3 });
        expectWithinOnePercent(hours[0]?.p95DurationSeconds, referencePercentile([2, 4], 0.95));
        expect(hours[1]).toEqual({
          bucketStart: '2026-05-04T11:00:00.000000Z',
          invocations: 0,
          completed: 0,
          abandoned: 0,
          avgDurationSeconds: null,
          p95DurationSeconds: null,
        });
        expect(hours[2]).toMatchObject({ invocations: 1, completed: 1, avgDurationSeconds: 10 });
      });

      it('rounds the range out to whole buckets and merges hours into UTC days', async () => {
        const store = await open();
        await seed(store);
        const days = await store.getSkillTimeline('a', {
          bucket: 'day',
          since: '2026-05-04T15:00:00+05:00',
          until: '2026-05-05T00:00:01Z',
        });
        expect(days.map((d) => d.bucketStart)).toEqual(['2026-05-04T00:00:00.000000Z', '2026-05-05T00:00:00.000000Z']);
        expect(days[0]).toMatchObject({ invocations: 5, completed: 4, abandoned: 1 });
        expect(days[0]?.avgDurationSeconds).toBeCloseTo((2 + 4 + 10 + 1) / 4, 12);
        expectWithinOnePercent(days[0]?.p95DurationSeconds, referencePercentile([2, 4, 10, 1], 0.95));
        expect(days[1]?.invocations).toBe(0);
      });

      it('places invocations that arrive out of time order in their own hours', async () => {
        const store = await open();
        const at = (time: string, durationSeconds: number) =>
          store.recordInvocation(item({ skillName: 'late', invokedAt: `2026-05-04T${time}Z`, durationSeconds }));
        await at('12:00:00', 1);
        await at('10:00:00', 2);
        await at('12:30:00', 3);
        await at('11:00:00', 4);
        await at('10:45:00', 5);
        await at('13:15:00', 6);
        await at('12:59:00', 7);
        const hours = await store.getSkillTimeline('late', {
          since: '2026-05-04T10:00:00Z',
          until: '2026-05-04T14:00:00Z',
        });
        expect(hours.map((h) => [h.invocations, h.avgDurationSeconds])).toEqual([
          [2, 3.5],
          [1, 4],
          [3, 11 / 3],
          [1, 6],
        ]);
        expectWithinOnePercent(hours[2]?.p95DurationSeconds, referencePercentile([1, 3, 7], 0.95));
        const [day] = await store.getSkillTimeline('late', {
          bucket: 'day',
          since: '2026-05-04T00:00:00Z',
          until: '2026-05-05T00:00:00Z',
        });
        expect(day?.invocations).toBe(7);
        expectWithinOnePercent(day?.p95DurationSeconds, referencePercentile([1, 2, 3, 4, 5, 6, 7], 0.95));
      });

      it('places a batch that spans several hours in each of them', async () => {
        const store = await open();
        const at = (time: string, durationSeconds: number) =>
          item({ skillName: 'batch', invokedAt: `2026-05-04T${time}Z`, durationSeconds });
        await store.recordInvocation(at('10:00:00', 1));
        await store.recordInvocations([at('10:30:00', 2), at('11:15:00', 3), at('12:45:00', 4), at('11:50:00', 5)]);
        await store.recordInvocations([at('09:10:00', 6), at('12:05:00', 7)]);
        const hours = await store.getSkillTimeline('batch', {
          since: '2026-05-04T09:00:00Z',
          until: '2026-05-04T13:00:00Z',
        });
        expect(hours.map((h) => [h.invocations, h.avgDurationSeconds])).toEqual([
          [1, 6],
          [2, 1.5],
          [2, 4],
          [2, 5.5],
        ]);
        const [all] = await store.getTimeline({
          bucket: 'day',
          since: '2026-05-04T00:00:00Z',
          until: '2026-05-05T00:00:00Z',
        });
        expect(all?.invocations).toBe(7);
      });

      it('adds every skill up in the all-skills form', async () => {
        const store = await open();
        await seed(store);
        const [ten] = await store.getTimeline({ since: '2026-05-04T10:00:00Z', until: '2026-05-04T11:00:00Z' });
        expect(ten).toMatchObject({ invocations: 4, completed: 3, abandoned: 1, avgDurationSeconds: 4 });
        expectWithinOnePercent(ten?.p95DurationSeconds, referencePercentile([2, 4, 6], 0.95));
      });

      it('ends at the current bucket by default and rejects bad ranges', async () => {
        const store = await open();
        const hours = await store.getTimeline();
        expect(hours).toHaveLength(24);
        expect(Date.parse(hours[23]?.bucketStart ?? '')).toBeLessThanOrEqual(Date.now());
        expect((await store.getTimeline({ bucket: 'day' })).length).toBe(30);
        await expect(store.getTimeline({ bucket: 'week' as 'day' })).rejects.toBeInstanceOf(InvalidInputError);
        await expect(
          store.getTimeline({ since: '2026-05-05T00:00:00Z', until: '2026-05-04T00:00:00Z' }),
        ).rejects.toThrow(/before until/);
        await expect(
          store.getTimeline({ since: '2000-01-01T00:00:00Z', until: '2026-01-01T00:00:00Z' }),
        ).rejects.toThrow(/at most/);
        await expect(store.getSkillTimeline('', {})).rejects.toBeInstanceOf(InvalidInputError);
      });
    });

    describe('workflow-path search', () => {
      const seed = async (store: AnalyticsStore) => {
        const runs: Array<[string, string, number]> = [
          ['crackerjack-run', 'comprehensive', 5],
          ['crackerjack-run', 'quick', 2],
          ['pytest-runner', 'comprehensive-coverage', 7],
          ['deploy', 'deploy prod v1.2', 3],
          ['deploy', 'deploy staging', 1],
          ['docs', 'déploiement 🚀 rapide', 1],
        ];
        for (const [skillName, workflowPath, times] of runs) {
          await store.recordInvocations(Array.from({ length: times }, () => item({ skillName, workflowPath })));
        }
      };

      it('finds by word prefix, ranked by use', async () => {
        const store = await open();
        await seed(store);
        expect(await store.searchWorkflowPaths('comp')).toEqual([
          { skillName: 'pytest-runner', workflowPath: 'comprehensive-coverage', invocationCount: 7 },
          { skillName: 'crackerjack-run', workflowPath: 'comprehensive', invocationCount: 5 },
        ]);
        expect(await store.searchWorkflowPaths('quick')).toEqual([
          { skillName: 'crackerjack-run', workflowPath: 'quick', invocationCount: 2 },
        ]);
        expect(await store.searchWorkflowPaths('comp', { limit: 1 })).toHaveLength(1);
      });

      it('requires every word of a multi-word query', async () => {
        const store = await open();
        await seed(store);
        expect((await store.searchWorkflowPaths('deploy prod')).map((m) => m.workflowPath)).toEqual([
          'deploy prod v1.2',
        ]);
        expect((await store.searchWorkflowPaths('deploy')).map((m) => m.workflowPath)).toEqual([
          'deploy prod v1.2',
          'deploy staging',
        ]);
        expect((await store.searchWorkflowPaths('v1.2')).map((m) => m.workflowPath)).toEqual(['deploy prod v1.2']);
        expect((await store.searchWorkflowPaths('DÉPLOIEMENT')).map((m) => m.skillName)).toEqual(['docs']);
      });

      it('treats any text as a plain query: search syntax never throws', async () => {
        const store = await open();
        await seed(store);
        const hostile = [
          '"',
          '*',
          'comp*',
          'NEAR(a b)',
          'a OR b',
          'deploy AND',
          '-quick',
          '^x',
          'col:val',
          '(((',
          "'",
          '🚀',
          '',
          '   ',
        ];
        for (const q of hostile) await expect(store.searchWorkflowPaths(q), q).resolves.toBeInstanceOf(Array);
        expect(await store.searchWorkflowPaths('')).toEqual([]);
        expect((await store.searchWorkflowPaths('"quick"')).map((m) => m.workflowPath)).toEqual(['quick']);
        await expect(store.searchWorkflowPaths(5 as unknown as string)).rejects.toBeInstanceOf(InvalidInputError);
      });

      it('finds a path as soon as a finished invocation brings it, and not before', async () => {
        const store = await open();
        const handle = await store.trackInvocation('live', { workflowPath: 'brand-new-flow' });
        expect(await store.searchWorkflowPaths('brand')).toEqual([]);
        await handle.complete();
        expect(await store.searchWorkflowPaths('brand')).toEqual([
          { skillName: 'live', workflowPath: 'brand-new-flow', invocationCount: 1 },
        ]);
      });
    });

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

    describe('report and export', () => {
      it("prints the legacy tracker's report", async () => {
        const store = await open();
        await store.recordInvocations([
          item({
            skillName: 'crackerjack-run',
            workflowPath: 'daily',
            durationSeconds: 12,
            followUpActions: ['git commit'],
          }),
          item({ skillName: 'crackerjack-run', workflowPath: 'daily', completed: false }),
          item({ skillName: 'pytest-runner', durationSeconds: 3 }),
        ]);
        const report = await store.generateReport();
        expect(report).toContain('Skill Metrics Report');
        expect(report).toContain('Total Skills Tracked: 2');
        expect(report).toContain('Total Invocations: 3');
        expect(report).toContain('Overall Completion Rate: 66.7%');
        expect(report).toContain('  crackerjack-run: 2 invocations (50.0% complete, 12.0s avg)');
        expect(report).toMatch(/Workflow Path Preferences:\n {2}crackerjack-run:\n {4}daily: 2 uses/);
        expect(report).toMatch(/Common Follow-up Actions:\n {2}git commit: 1/);
      });

      it('exports the legacy export_metrics JSON, every invocation included', async () => {
        const store = await open();
        await store.recordInvocations(
          Array.from({ length: 250 }, (_, i) => item({ skillName: i % 2 ? 'odd' : 'even', durationSeconds: i })),
        );
        const pending = await store.trackInvocation('even');
        const file = join(await mkdtemp(join(tmpdir(), 'skill-metrics-export-')), 'nested', 'export.json');
        await store.exportMetrics(file);
        const data = JSON.parse(readFileSync(file, 'utf8'));
        expect(Object.keys(data)).toEqual(['summary', 'skills', 'invocations', 'exported_at']);
        expect(data.summary).toMatchObject({ total_skills: 2, total_invocations: 250, most_used_count: 125 });
        expect(data.summary.skills_by_usage).toEqual([
          ['even', 125],
          ['odd', 125],
        ]);
        expect(Object.keys(data.skills)).toEqual(['even', 'odd']);
        expect(data.skills.odd).toMatchObject({ skill_name: 'odd', total_invocations: 125, completion_rate: 100 });
        expect(data.invocations).toHaveLength(251);
        expect(data.invocations.find((i: { id: string }) => i.id === pending.invocationId)).toMatchObject({
          skill_name: 'even',
          completed: false,
          duration_seconds: null,
          status: 'pending',
        });
        expect(typeof data.exported_at).toBe('string');
        await expect(store.exportMetrics('')).rejects.toBeInstanceOf(InvalidInputError);
        // A path that cannot be a file: typed error, and no temporary file left behind.
        const blocked = join(dirname(file), 'export.json', 'inside.json');
        await expect(store.exportMetrics(blocked)).rejects.toThrow(/path cannot be written/);
        expect(readdirSync(dirname(file))).toEqual(['export.json']);
      });
    });
  });
}
