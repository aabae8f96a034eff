// Analytics: what maintaining percentiles, sessions, projects, the timeline and search adds to a
// write, measured against the store just before they existed; and how fast each analytics read is
// with 1,000,000 invocations stored, against a raw primary-key read in the same run.
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '@skill-metrics/core';
import { importCoreAt } from './baseline.mjs';
import { compare, report } from './harness.mjs';
import { rawConnection, SKILLS, seed } from './store.bench.mjs';

/** The last commit before the analytics: its track + complete is "the cost measured before". */
export const BEFORE_ANALYTICS = '1719e4b';

const PATHS = ['quick', 'comprehensive', 'daily', 'ci.v1.2', null];

function tracker(store, context) {
  return async (i) => {
    const h = await store.trackInvocation(SKILLS[i % SKILLS.length], {
      workflowPath: PATHS[i % PATHS.length],
      ...(context ? { sessionId: `session-${i >> 6}`, projectPath: `/work/project-${i % 5}` } : {}),
    });
    await h.complete({ completed: i % 10 !== 0, followUpActions: i % 3 ? ['git commit'] : [] });
  };
}

async function writeCost(dir, rounds) {
  const before = await importCoreAt(BEFORE_ANALYTICS);
  if (!before) return;
  for (const context of [false, true]) {
    const old = await before.openStore({ path: join(dir, `before-${context}.db`) });
    const now = await openStore({ path: join(dir, `now-${context}.db`) });
    const r = await compare({ floor: tracker(old, context), candidate: tracker(now, context), ops: 500, rounds });
    report(
      `track+complete${context ? ' (session, project)' : ''}: now vs before analytics`,
      r,
      context ? null : 1.15,
      `store at ${BEFORE_ANALYTICS}`,
    );
    await old.close();
    await now.close();
  }
}

/** `seededFile`, when given, is a store already seeded with `size` invocations (kept between runs). */
export async function reads(dir, size, rounds, seededFile) {
  const path = join(dir, `reads-${size}.db`);
  if (seededFile && existsSync(seededFile)) {
    copyFileSync(seededFile, path);
  } else {
    const seeded = await openStore({ path });
    await seed(seeded, size);
    await seeded.close();
    if (seededFile) copyFileSync(path, seededFile);
  }
  copyFileSync(path, join(dir, `reads-floor-${size}.db`));
  const store = await openStore({ path });
  const raw = rawConnection(join(dir, `reads-floor-${size}.db`));
  const pk = raw.prepare('SELECT p95_duration_seconds FROM skill_metrics WHERE skill_name = ?');
  const floor = (i) => pk.get(SKILLS[i % SKILLS.length]);
  // The seed runs up to 2026-11-26; the windows end there.
  const until = '2026-11-26T00:00:00Z';
  const week = '2026-11-19T00:00:00Z';
  const reads = [
    ['getDurationPercentiles (sketch)', (i) => store.getDurationPercentiles(SKILLS[i % 8], [0.5, 0.9, 0.99])],
    ['getSkillTimeline, 24 hours', (i) => store.getSkillTimeline(SKILLS[i % 8], { until })],
    ['getSkillTimeline, 30 days', (i) => store.getSkillTimeline(SKILLS[i % 8], { until, bucket: 'day' })],
    ['getSkillTimeline, 7 days', (i) => store.getSkillTimeline(SKILLS[i % 8], { until, bucket: 'day', since: week })],
    ['getTimeline (all skills), 24 hours', () => store.getTimeline({ until })],
    ['getTimeline (all skills), 7 days', () => store.getTimeline({ until, bucket: 'day', since: week })],
    ['getTimeline (all skills), 30 days', () => store.getTimeline({ until, bucket: 'day' })],
    ['searchWorkflowPaths, prefix', () => store.searchWorkflowPaths('comp')],
    ['searchWorkflowPaths, two words', () => store.searchWorkflowPaths('ci v1')],
    ['getSessionSkills', (i) => store.getSessionSkills(`session-${(i * 7919) % 25_000}`)],
    ['getProjectMetrics', (i) => store.getProjectMetrics(`/work/project-${i % 25}`)],
    ['generateReport', () => store.generateReport()],
  ];
  for (const [name, read] of reads) {
    const r = await compare({ floor, candidate: read, ops: 200, rounds });
    // The target is absolute; the ratio to a primary-key read is printed beside it.
    report(`${name}, ${size.toLocaleString('en')} stored`, r, { maxUs: 1000 }, 'raw primary-key read');
  }
  for (const [name, once] of [
    ['getDurationPercentiles exact', () => store.getDurationPercentiles(SKILLS[0], [0.5, 0.95, 0.99], { exact: true })],
    ['exportMetrics (whole store)', () => store.exportMetrics(join(dir, 'export.json'))],
  ]) {
    const t0 = performance.now();
    await once();
    console.log(
      `info ${`${name}, ${size.toLocaleString('en')} stored`.padEnd(58)} ${(performance.now() - t0).toFixed(1)} ms (no target)`,
    );
  }
  raw.close();
  await store.close();
}

/** `part`: 'write cost' (against the store before analytics), 'reads', or both. */
export async function run({ quick = false, part = 'both' } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'skill-metrics-analytics-'));
  try {
    if (part !== 'reads') await writeCost(dir, quick ? 5 : 21);
    if (part !== 'write cost') await reads(dir, quick ? 10_000 : 1_000_000, quick ? 3 : 11);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run({ quick: process.argv.includes('--quick') });
