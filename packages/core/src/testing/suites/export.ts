import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AnalyticsStore, InvocationInput } from '../../contract/types.js';
import { legacyInvocation, legacySkill, legacySummary } from '../../engine/export.js';
import type { OpenAnalyticsStore } from '../analytics.js';
import { item, listAll } from '../builders.js';

const exportFile = async () => join(await mkdtemp(join(tmpdir(), 'skill-metrics-export-')), 'export.json');

/**
 * The export as the values it was defined by: `legacySummary`, `legacySkill` and
 * `legacyInvocation` of what the store reads, put through `JSON.stringify` (the first exporter wrote
 * exactly this), as text so that key order counts too.
 */
async function exportedValues(store: AnalyticsStore): Promise<string> {
  const skills = [...(await store.getAllMetrics()).values()];
  return JSON.stringify({
    summary: legacySummary(await store.getSummary()),
    skills: Object.fromEntries(skills.map((m) => [m.skillName, legacySkill(m)])),
    invocations: (await listAll(store)).map(legacyInvocation),
  });
}

/** The file's values in the same form, `exported_at` aside (it is the time of the export). */
function fileValues(text: string): string {
  const { exported_at, ...rest } = JSON.parse(text);
  expect(typeof exported_at).toBe('string');
  return JSON.stringify(rest);
}

/** Invocations with every shape a field takes: nulls, Unicode, emoji, quotes, escapes, each status. */
function everyShape(): InvocationInput[] {
  const at = (s: number) => `2026-05-04T10:15:${String(s).padStart(2, '0')}.123456Z`;
  return [
    item({
      skillName: 'zürich-build',
      invokedAt: at(1),
      workflowPath: 'daily/über 🎉',
      durationSeconds: 0.1 + 0.2,
      followUpActions: ['git commit', 'say "hi"', 'emoji 🚀', 'back\\slash', 'tab\tand\nnewline', '\u0001\u2028'],
      sessionId: 'session "one"',
      projectPath: '/work/проект',
      userContext: { query: 'why?', rank: 2 },
    }),
    item({
      skillName: '🚀-deploy',
      invokedAt: at(2),
      completed: false,
      durationSeconds: 1 / 3,
      errorType: '[Errno 2] "No such file": \'x\'',
    }),
    item({ skillName: 'say "hi"', invokedAt: at(3), completed: false, durationSeconds: null }),
    item({ skillName: 'back\\slash', invokedAt: at(4), durationSeconds: 2, workflowPath: 'v1.2 [x] $ref' }),
    item({ skillName: 'tiny', invokedAt: at(5), durationSeconds: 1e-7 }),
    item({ skillName: 'tiny', invokedAt: at(5), durationSeconds: 5e-324 }),
    item({ skillName: 'tiny', invokedAt: at(6), durationSeconds: 0 }),
    item({ skillName: 'long', invokedAt: at(7), durationSeconds: 999_999_999.999_999_9 }),
    item({ skillName: 'long', invokedAt: at(8), durationSeconds: 123_456.789, completedAt: '2026-05-06T00:00:00Z' }),
  ];
}

/** `exportMetrics` against the values it stands for, whatever the store and however it writes them. */
export function describeExport(open: OpenAnalyticsStore): void {
  describe('export', () => {
    it('writes every field shape with the values of legacySummary, legacySkill and legacyInvocation', async () => {
      const store = await open();
      await store.recordInvocations(everyShape());
      // What only an import from a legacy file holds: an empty skill name, a negative duration.
      await store.recordInvocations(
        [
          item({ skillName: '', invokedAt: '2026-05-04T11:00:00Z', durationSeconds: 4.5 }),
          item({ skillName: 'clock-went-back', invokedAt: '2026-05-04T11:00:01Z', durationSeconds: -0.25 }),
        ],
        { legacyQuirks: true },
      );
      const pending = await store.trackInvocation('🚀-deploy', { workflowPath: 'live', sessionId: 's' });
      const file = await exportFile();
      const result = await store.exportMetrics(file);
      const text = readFileSync(file, 'utf8');
      expect(fileValues(text)).toBe(await exportedValues(store));

      const data = JSON.parse(text);
      expect(result).toEqual({ path: file, skills: Object.keys(data.skills).length, invocations: 12 });
      expect(data.invocations).toHaveLength(12);
      expect(data.invocations.map((i: { status: string }) => i.status).sort()).toEqual([
        'abandoned',
        'completed',
        'completed',
        'completed',
        'completed',
        'completed',
        'completed',
        'completed',
        'completed',
        'completed',
        'pending',
        'pending',
      ]);
      expect(data.invocations.find((i: { id: string }) => i.id === pending.invocationId)).toMatchObject({
        skill_name: '🚀-deploy',
        status: 'pending',
        duration_seconds: null,
        completed_at: null,
      });
      // Each invocation on a line of its own, between the lines that open and close the list.
      const lines = text.split('\n');
      const first = lines.indexOf('  "invocations": [') + 1;
      expect(lines.slice(first, first + 12).map((line) => JSON.parse(line.replace(/,$/, '')))).toEqual(
        data.invocations,
      );
      expect(lines[first + 12]).toBe('  ],');
    });

    it('lists every invocation once, in order, across pages of invocations that share a start time', async () => {
      const store = await open();
      // More than the SQLite store reads at a time, all started at the same moment: ties broken by id.
      const n = 5_300;
      await store.recordInvocations(
        Array.from({ length: n }, (_, i) =>
          item({
            id: `tie-${String((i * 7919) % n).padStart(5, '0')}`,
            skillName: `skill-${i % 3}`,
            // Pending now and then; durations of every magnitude, with all the digits a double has.
            durationSeconds: i % 11 === 0 ? null : (((i * 2_654_435_761) % 999_983) / 999_983) * 10 ** ((i % 13) - 6),
            completed: i % 11 !== 0 && i % 5 !== 0,
            followUpActions: i % 11 !== 0 && i % 2 ? ['git commit'] : [],
          }),
        ),
      );
      const file = await exportFile();
      expect(await store.exportMetrics(file)).toMatchObject({ skills: 3, invocations: n });
      const text = readFileSync(file, 'utf8');
      expect(fileValues(text)).toBe(await exportedValues(store));
      const ids = JSON.parse(text).invocations.map((i: { id: string }) => i.id);
      expect(ids).toEqual([...ids].sort());
      expect(new Set(ids).size).toBe(n);
    });

    it('leaves the store usable while it writes, and an empty store exports empty lists', async () => {
      const store = await open();
      const empty = await exportFile();
      expect(await store.exportMetrics(empty)).toEqual({ path: empty, skills: 0, invocations: 0 });
      expect(fileValues(readFileSync(empty, 'utf8'))).toBe(
        JSON.stringify({ summary: legacySummary(await store.getSummary()), skills: {}, invocations: [] }),
      );

      await store.recordInvocations(Array.from({ length: 6_000 }, (_, i) => item({ id: `busy-${i}` })));
      const file = await exportFile();
      const exporting = store.exportMetrics(file);
      let exported = false;
      exporting.then(
        () => (exported = true),
        () => (exported = true),
      );
      let tracked = 0;
      while (!exported) {
        await (await store.trackInvocation('during-export')).complete();
        tracked++;
        // A store may answer without any I/O: let the export's file writes have their turn.
        await new Promise((resolve) => setImmediate(resolve));
      }
      const result = await exporting;
      expect(tracked).toBeGreaterThan(0);
      expect(result.invocations).toBeGreaterThanOrEqual(6_000);
      expect(result.invocations).toBeLessThanOrEqual(6_000 + tracked);
      expect(JSON.parse(readFileSync(file, 'utf8')).invocations).toHaveLength(result.invocations);
      expect(await store.getSkillMetrics('during-export')).toMatchObject({ totalInvocations: tracked });
    });
  });
}
