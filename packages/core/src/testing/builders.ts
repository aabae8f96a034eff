import type { Invocation, InvocationInput, InvocationQuery, SkillMetricsStore } from '../contract/types.js';

/**
 * What the suites and the stores' own tests build stores' data with: one invocation builder, and
 * the reads that show what a store holds.
 */

let counter = 0;

/** A seeded generator (mulberry32): the same numbers on every run, for tests that draw data. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A finished invocation to import: skill `imported`, started 2026-03-01 12:00 UTC, completed in 2 s,
 * no context. `over` replaces any field; without an `id`, each call gets a new one.
 */
export function testInvocation(over: Partial<InvocationInput> = {}): InvocationInput {
  return {
    id: `test-${counter++}`,
    skillName: 'imported',
    invokedAt: '2026-03-01T12:00:00.000000Z',
    workflowPath: null,
    completed: true,
    durationSeconds: 2,
    errorType: null,
    followUpActions: [],
    sessionId: null,
    projectPath: null,
    userContext: null,
    ...over,
  };
}

/** Every invocation the query lists, read to the end. */
export async function listAll(store: SkillMetricsStore, query?: InvocationQuery): Promise<Invocation[]> {
  const out: Invocation[] = [];
  for await (const inv of store.listInvocations(query)) out.push(inv);
  return out;
}

/** What a store shows to the outside, to check that a rejected call changed nothing. */
export async function snapshot(store: SkillMetricsStore) {
  return {
    invocations: await listAll(store),
    metrics: [...(await store.getAllMetrics()).values()],
    summary: await store.getSummary(),
  };
}

/** The analytics suites' invocations: skill `skill`, started 2026-05-04 10:15 UTC, completed in 1 s. */
export function item(over: Partial<InvocationInput> = {}): InvocationInput {
  return testInvocation({ skillName: 'skill', invokedAt: '2026-05-04T10:15:00Z', durationSeconds: 1, ...over });
}
