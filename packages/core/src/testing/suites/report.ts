import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../contract/errors.js';
import type { OpenAnalyticsStore } from '../analytics.js';
import { item } from '../builders.js';

/** The legacy report and the legacy export. */
export function describeReport(open: OpenAnalyticsStore): void {
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
}
