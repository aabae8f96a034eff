// The legacy file's store answers every analytics read from the file's invocations: how fast each
// read is on a file of 5,000 invocations, against one plain pass over the same parsed list.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLegacyStore } from '@skill-metrics/json-legacy';
import { compare, report } from './harness.mjs';
import { SKILLS } from './store.bench.mjs';

const PATHS = ['quick', 'comprehensive', 'daily', 'ci.v1.2', null];
const SIZE = 5_000;

/** 5,000 invocations over 30 days, with sessions and projects, written by the store itself. */
function invocations() {
  const t0 = Date.parse('2026-10-27T00:00:00Z');
  return Array.from({ length: SIZE }, (_, i) => ({
    id: `inv-${i}`,
    skillName: SKILLS[i % SKILLS.length],
    invokedAt: new Date(t0 + i * 518_400).toISOString(),
    workflowPath: PATHS[i % PATHS.length],
    completed: i % 7 !== 0,
    durationSeconds: i % 997 === 1 && i % 7 !== 0 ? null : 0.5 + ((i * 7919) % 1000) / 50,
    errorType: i % 7 === 0 ? 'TimeoutError' : null,
    followUpActions: i % 3 ? ['git commit'] : [],
    sessionId: `session-${Math.floor(i / 40)}`,
    projectPath: `/work/project-${i % 25}`,
    userContext: null,
  }));
}

export async function run({ quick = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'skill-metrics-legacy-analytics-'));
  try {
    const path = join(dir, 'skill_metrics.json');
    const writer = await openLegacyStore({ path, timeZone: 'UTC' });
    await writer.recordInvocations(invocations());
    await writer.close();
    const store = await openLegacyStore({ path, timeZone: 'UTC' });
    // The floor: one plain pass over the parsed list, summing a session's durations.
    const list = JSON.parse(readFileSync(path, 'utf8')).invocations;
    const floor = (i) => {
      const session = `session-${i % 125}`;
      let sum = 0;
      for (const inv of list) if (inv.session_id === session) sum += inv.duration_seconds ?? 0;
      return sum;
    };
    const until = '2026-11-26T00:00:00Z';
    const reads = [
      ['getSkillMetrics', (i) => store.getSkillMetrics(SKILLS[i % 8])],
      ['getSummary', () => store.getSummary()],
      ['getDurationPercentiles', (i) => store.getDurationPercentiles(SKILLS[i % 8], [0.5, 0.9, 0.99])],
      ['getSkillTimeline, 24 hours', (i) => store.getSkillTimeline(SKILLS[i % 8], { until })],
      ['getSkillTimeline, 30 days', (i) => store.getSkillTimeline(SKILLS[i % 8], { until, bucket: 'day' })],
      ['getTimeline (all skills), 24 hours', () => store.getTimeline({ until })],
      ['getTimeline (all skills), 30 days', () => store.getTimeline({ until, bucket: 'day' })],
      ['searchWorkflowPaths, a prefix', () => store.searchWorkflowPaths('comp')],
      ['searchWorkflowPaths, two words', () => store.searchWorkflowPaths('ci v1')],
      ['getSessionSkills', (i) => store.getSessionSkills(`session-${i % 125}`)],
      ['getProjectMetrics', (i) => store.getProjectMetrics(`/work/project-${i % 25}`)],
      ['generateReport', () => store.generateReport()],
    ];
    for (const [name, read] of reads) {
      const r = await compare({ floor, candidate: read, ops: 50, rounds: quick ? 3 : 11 });
      report(
        `LegacyJsonStore ${name}, ${SIZE.toLocaleString('en')} invocations`,
        r,
        { maxUs: 5000 },
        'one pass over the list',
      );
    }
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run({ quick: process.argv.includes('--quick') });
