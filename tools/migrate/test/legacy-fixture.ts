/**
 * What the backfill's process tests share: a legacy file in the old tracker's layout, and the reads
 * that say what a database holds and what its figures must be.
 */
import { writeFileSync } from 'node:fs';
import { openStore } from '@skill-metrics/core';
import type { Invocation, SkillMetrics } from '@skill-metrics/core/contract';
import { expectWithinOnePercent, listAll, referencePercentile } from '@skill-metrics/core/testing';
import {
  addLegacyCompletion,
  type LegacyRawInvocation,
  type LegacyRawSkill,
  legacyFileChunks,
  newLegacySkill,
} from '@skill-metrics/json-legacy';
import { expect } from 'vitest';

export const SKILLS = 7;

/**
 * Writes a legacy file of `n` invocations as the old tracker left it: naive UTC times a minute
 * apart, every 11th pending, every 5th other one abandoned with an error, the skills section
 * counting the finished ones. No other quirk, so the database's figures are the file's.
 */
export function writeLegacyFile(path: string, n: number): { invocations: number; pending: number } {
  const t0 = Date.parse('2025-03-01T00:00:00Z');
  const invocations: LegacyRawInvocation[] = [];
  const skills = new Map<string, LegacyRawSkill>();
  for (let i = 0; i < n; i++) {
    const pending = i % 11 === 0;
    const abandoned = !pending && i % 5 === 0;
    const raw: LegacyRawInvocation = {
      skill_name: `skill-${i % SKILLS}`,
      invoked_at: `${new Date(t0 + i * 60_000 + (i % 1000)).toISOString().slice(0, 23)}417`,
      workflow_path: i % 3 ? `path-${i % 4}` : null,
      completed: !pending && !abandoned,
      duration_seconds: pending ? null : 0.5 + (i % 97) / 8,
      follow_up_actions: i % 4 || pending ? [] : ['git commit'],
      error_type: abandoned ? 'TimeoutError' : null,
    };
    invocations.push(raw);
    if (pending) continue;
    const name = raw.skill_name as string;
    let skill = skills.get(name);
    if (!skill) {
      skill = newLegacySkill(name, raw.invoked_at);
      skills.set(name, skill);
    }
    addLegacyCompletion(skill, raw);
  }
  writeFileSync(path, [...legacyFileChunks({ root: [], invocations, skills }, '2025-04-01T00:00:00.000000')].join(''));
  return { invocations: n, pending: invocations.filter((i) => i.duration_seconds === null).length };
}

/** Every invocation the database at `db` holds, and every skill's figures. */
export async function databaseContents(db: string) {
  const store = await openStore({ path: db });
  try {
    const invocations = await listAll(store, { pageSize: 5000 });
    const metrics = await store.getAllMetrics();
    return { invocations, metrics };
  } finally {
    await store.close();
  }
}

const tally = (into: Record<string, number>, key: string | null) => {
  if (key !== null && key !== '') into[key] = (into[key] ?? 0) + 1;
};

/**
 * A skill's figures worked out from its invocations by the contract's definitions, independently
 * of the stores' code: pending ones count nowhere; durations of completed ones only.
 */
export function figuresFrom(skillName: string, invocations: readonly Invocation[]): SkillMetrics {
  const finished = invocations.filter((i) => i.skillName === skillName && i.status !== 'pending');
  const durations = finished.filter((i) => i.status === 'completed').map((i) => i.durationSeconds ?? 0);
  const workflowPaths: Record<string, number> = {};
  const commonErrors: Record<string, number> = {};
  const followUpActions: Record<string, number> = {};
  for (const i of finished) {
    tally(workflowPaths, i.workflowPath);
    tally(commonErrors, i.errorType);
    for (const action of i.followUpActions) tally(followUpActions, action);
  }
  const starts = finished.map((i) => i.invokedAt).sort();
  const total = finished.length;
  const completed = durations.length;
  const totalDurationSeconds = durations.reduce((sum, d) => sum + d, 0);
  return {
    skillName,
    totalInvocations: total,
    completedInvocations: completed,
    abandonedInvocations: total - completed,
    totalDurationSeconds,
    workflowPaths,
    commonErrors,
    followUpActions,
    firstInvoked: starts[0] ?? null,
    lastInvoked: starts.at(-1) ?? null,
    completionRate: total === 0 ? 0 : (completed / total) * 100,
    avgDurationSeconds: completed === 0 ? 0 : totalDurationSeconds / completed,
    p50DurationSeconds: referencePercentile(durations, 0.5),
    p95DurationSeconds: referencePercentile(durations, 0.95),
    p99DurationSeconds: referencePercentile(durations, 0.99),
  };
}

/**
 * Asserts a store's figures for a skill are those worked out from `invocations`: counts, maps and
 * times exactly, sums to float noise, percentiles within the contract's 1 %.
 */
export function expectFigures(actual: SkillMetrics | null, expected: SkillMetrics): void {
  const label = expected.skillName;
  expect(actual, label).not.toBeNull();
  const { p50DurationSeconds, p95DurationSeconds, p99DurationSeconds, ...exact } = expected;
  expect(actual, label).toMatchObject({
    ...exact,
    totalDurationSeconds: expect.closeTo(exact.totalDurationSeconds, 6),
    avgDurationSeconds: expect.closeTo(exact.avgDurationSeconds, 9),
    completionRate: expect.closeTo(exact.completionRate, 9),
  });
  expectWithinOnePercent(actual?.p50DurationSeconds, p50DurationSeconds, `${label} p50`);
  expectWithinOnePercent(actual?.p95DurationSeconds, p95DurationSeconds, `${label} p95`);
  expectWithinOnePercent(actual?.p99DurationSeconds, p99DurationSeconds, `${label} p99`);
}

/** A sorted dump of what a database holds: each invocation's id and status. */
export const idsAndStatus = (invocations: readonly Invocation[]) =>
  invocations.map((i) => `${i.id} ${i.status}`).sort();
