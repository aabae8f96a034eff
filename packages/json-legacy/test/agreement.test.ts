import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AnalyticsStore,
  type Clock,
  type Invocation,
  type InvocationHandle,
  type InvocationInput,
  openStore,
  type TimelineOptions,
} from '@skill-metrics/core';
import { expectWithinOnePercent } from '@skill-metrics/core/testing';
import { openLegacyStore } from '@skill-metrics/json-legacy';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/**
 * The same writes into the SQLite store and the legacy file's store give the same answer to every
 * read of the contract: equal, but for percentiles the database reads from its sketch (within 1 %).
 * The dual store serves reads from whichever is primary, so they must agree.
 */

const dir = mkdtempSync(join(tmpdir(), 'skill-metrics-agreement-'));
let n = 0;

// Text from every corner that ordering, keys and search care about: astral emoji against U+FF5E,
// dots, brackets, quotes, `__proto__`, full-width and decomposed letters, Turkish and Greek case.
const SKILLS = ['alpha', 'Beta', 'é-skill', '😀', '～', 'a.b[0]', '__proto__'];
const PATHS = [
  null,
  'quick',
  'comprehensive ci',
  'ci.v1.2',
  'deploy prod',
  'Déploiement rapide',
  '测试 run',
  '$x "q"',
  'ｆｕｌｌｗｉｄｔｈ',
  'İstanbul ΣΑΣ',
  'e\u0301te',
  '🚀 launch',
];
const ERRORS = [null, 'TimeoutError', '[Errno 2] No such file', 'constructor'];
const ACTIONS = ['git commit', 'git push', '__proto__', '🚀'];
const SESSIONS = [null, 's-1', 's-2', '会话'];
const PROJECTS = [null, '/repo/a', '/repo/b'];
const IDS = Array.from({ length: 12 }, (_, i) => `id-${i}`);
/** Hours around two day boundaries, at any minute. */
const HOURS = ['2026-03-08T23', '2026-03-09T00', '2026-03-09T01', '2026-03-09T13', '2026-03-10T00'];

const invocation = fc
  .record({
    id: fc.constantFrom(...IDS),
    skillName: fc.constantFrom(...SKILLS),
    hour: fc.constantFrom(...HOURS),
    minute: fc.integer({ min: 0, max: 59 }),
    micros: fc.constantFrom('000000', '250000', '123456'),
    workflowPath: fc.constantFrom(...PATHS),
    outcome: fc.constantFrom('completed', 'completed', 'abandoned', 'pending'),
    durationSeconds: fc.constantFrom(null, 0, 0.25, 1.5, 3, 42.125, 600),
    errorType: fc.constantFrom(...ERRORS),
    followUpActions: fc.subarray(ACTIONS, { maxLength: 2 }),
    sessionId: fc.constantFrom(...SESSIONS),
    projectPath: fc.constantFrom(...PROJECTS),
  })
  .map((r): InvocationInput => {
    const pending = r.outcome === 'pending';
    return {
      id: r.id,
      skillName: r.skillName,
      invokedAt: `${r.hour}:${String(r.minute).padStart(2, '0')}:07.${r.micros}Z`,
      workflowPath: r.workflowPath,
      completed: r.outcome === 'completed',
      durationSeconds: pending ? null : r.durationSeconds,
      errorType: pending ? null : r.errorType,
      followUpActions: pending ? [] : r.followUpActions,
      sessionId: r.sessionId,
      projectPath: r.projectPath,
      userContext: null,
    };
  });

type Command =
  | { kind: 'record'; invocation: InvocationInput }
  | { kind: 'batch'; invocations: InvocationInput[] }
  | { kind: 'track'; skillName: string; workflowPath: string | null; sessionId: string | null; seconds: number }
  | { kind: 'complete'; handle: number; completed: boolean; errorType: string | null; seconds: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: invocation.map((inv) => ({ kind: 'record' as const, invocation: inv })) },
  {
    weight: 2,
    arbitrary: fc.array(invocation, { minLength: 1, maxLength: 5 }).map((invs) => ({
      kind: 'batch' as const,
      invocations: invs,
    })),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('track' as const),
      skillName: fc.constantFrom(...SKILLS),
      workflowPath: fc.constantFrom(...PATHS),
      sessionId: fc.constantFrom(...SESSIONS),
      seconds: fc.integer({ min: 1, max: 5000 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('complete' as const),
      handle: fc.nat(6),
      completed: fc.boolean(),
      errorType: fc.constantFrom(...ERRORS),
      seconds: fc.integer({ min: 1, max: 5000 }),
    }),
  },
);

/** A clock both stores read: the test moves it. */
function sharedClock(): Clock & { advance(seconds: number): void } {
  let ms = Date.parse('2026-03-09T12:00:00.000Z');
  return { now: () => ms, monotonic: () => ms, advance: (seconds) => (ms += seconds * 1000) };
}

/** Runs a call on both stores; both must resolve alike, or reject with the same kind of error. */
async function both<T>(a: () => Promise<T>, b: () => Promise<T>): Promise<[T, T] | null> {
  const [ra, rb] = await Promise.allSettled([a(), b()]);
  if (ra.status === 'rejected' || rb.status === 'rejected') {
    expect(
      ra.status,
      `one store rejected: ${String((ra as PromiseRejectedResult).reason ?? (rb as PromiseRejectedResult).reason)}`,
    ).toBe(rb.status);
    const ea = (ra as PromiseRejectedResult).reason as Error & { fields?: string[] };
    const eb = (rb as PromiseRejectedResult).reason as Error & { fields?: string[] };
    expect(ea.name).toBe(eb.name);
    expect(ea.fields).toEqual(eb.fields);
    return null;
  }
  return [ra.value, (rb as PromiseFulfilledResult<T>).value];
}

async function listAll(store: AnalyticsStore, query = {}): Promise<Invocation[]> {
  const out: Invocation[] = [];
  for await (const inv of store.listInvocations(query)) out.push(inv);
  return out;
}

/** Every read of the contract, on both stores. `sameId` maps the legacy store's live ids onto SQLite's. */
async function expectSameReads(db: AnalyticsStore, file: AnalyticsStore, sameId: Map<string, string>) {
  const listed = async (query = {}) => {
    const fromFile = (await listAll(file, query)).map((i) => ({ ...i, id: sameId.get(i.id) ?? i.id }));
    expect(fromFile).toEqual(await listAll(db, query));
  };
  await listed();
  await listed({ status: 'pending' });
  await listed({ skillName: '😀', pageSize: 2 });
  await listed({ sessionId: 's-1', since: '2026-03-09T00:00:00Z' });
  await listed({ projectPath: '/repo/a', until: '2026-03-09T13:30:00Z' });

  expect(await file.getSummary()).toEqual(await db.getSummary());
  expect(await file.generateReport()).toBe(await db.generateReport());
  const dbMetrics = await db.getAllMetrics();
  const fileMetrics = await file.getAllMetrics();
  expect([...fileMetrics.keys()]).toEqual([...dbMetrics.keys()]);
  for (const [name, m] of dbMetrics) {
    const f = fileMetrics.get(name);
    const { p50DurationSeconds, p95DurationSeconds, p99DurationSeconds, ...rest } = m;
    expect(f).toMatchObject(rest);
    expectWithinOnePercent(p50DurationSeconds, f?.p50DurationSeconds ?? null, `${name} p50`);
    expectWithinOnePercent(p95DurationSeconds, f?.p95DurationSeconds ?? null, `${name} p95`);
    expectWithinOnePercent(p99DurationSeconds, f?.p99DurationSeconds ?? null, `${name} p99`);
    expect(await file.getSkillMetrics(name)).toEqual(f);
    const qs = [0, 0.5, 0.9, 1];
    expect(await file.getDurationPercentiles(name, qs, { exact: true })).toEqual(
      await db.getDurationPercentiles(name, qs, { exact: true }),
    );
  }

  for (const options of [
    { since: '2026-03-08T22:00:00Z', until: '2026-03-10T02:00:00Z' },
    { bucket: 'day' as const, since: '2026-03-08T00:00:00Z', until: '2026-03-11T00:00:00Z' },
  ]) {
    for (const skill of [null, ...SKILLS]) {
      const timeline = (store: AnalyticsStore, o: TimelineOptions) =>
        skill === null ? store.getTimeline(o) : store.getSkillTimeline(skill, o);
      const a = await timeline(db, options);
      const b = await timeline(file, options);
      expect(b.length).toBe(a.length);
      a.forEach((bucket, i) => {
        const other = b[i] as (typeof b)[number];
        const label = `${skill ?? 'all'} ${bucket.bucketStart}`;
        expect(other).toMatchObject({
          bucketStart: bucket.bucketStart,
          invocations: bucket.invocations,
          completed: bucket.completed,
          abandoned: bucket.abandoned,
        });
        if (bucket.avgDurationSeconds === null) expect(other.avgDurationSeconds, label).toBeNull();
        else expect(other.avgDurationSeconds, label).toBeCloseTo(bucket.avgDurationSeconds, 9);
        expectWithinOnePercent(bucket.p95DurationSeconds, other.p95DurationSeconds, `${label} p95`);
      });
    }
  }

  for (const query of [
    'ci',
    'comp',
    'deploy prod',
    'déploi',
    'DEPLOIEMENT',
    '测',
    'v1',
    'q',
    'x',
    '',
    '"',
    'nothing',
    'full',
    'ｆｕ',
    'ista',
    'σα',
    'été',
    '🚀',
    'launch',
  ]) {
    expect(await file.searchWorkflowPaths(query), query).toEqual(await db.searchWorkflowPaths(query));
  }
  for (const session of ['s-1', 's-2', '会话', 'none']) {
    expect(await file.getSessionSkills(session)).toEqual(await db.getSessionSkills(session));
  }
  for (const project of ['/repo/a', '/repo/b', '/none']) {
    expect(await file.getProjectMetrics(project)).toEqual(await db.getProjectMetrics(project));
  }
}

describe('SqliteStore and LegacyJsonStore', () => {
  it('answer every read alike after the same random writes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { maxLength: 30 }), async (commands) => {
        const clockDb = sharedClock();
        const clockFile = sharedClock();
        const db = await openStore({ path: join(dir, `db-${n}.db`), clock: clockDb });
        const file = await openLegacyStore({
          path: join(dir, `file-${n++}.json`),
          timeZone: 'America/New_York',
          durable: false,
          clock: clockFile,
        });
        const handles: Array<[InvocationHandle, InvocationHandle]> = [];
        const sameId = new Map<string, string>();
        try {
          for (const c of commands) {
            if (c.kind === 'record')
              await both(
                () => db.recordInvocation(c.invocation),
                () => file.recordInvocation(c.invocation),
              );
            else if (c.kind === 'batch')
              await both(
                () => db.recordInvocations(c.invocations),
                () => file.recordInvocations(c.invocations),
              );
            else if (c.kind === 'track') {
              clockDb.advance(c.seconds);
              clockFile.advance(c.seconds);
              const options = { workflowPath: c.workflowPath, sessionId: c.sessionId };
              const pair = await both(
                () => db.trackInvocation(c.skillName, options),
                () => file.trackInvocation(c.skillName, options),
              );
              if (pair) {
                handles.push([pair[0], pair[1]]);
                sameId.set(pair[1].invocationId, pair[0].invocationId);
              }
            } else {
              const pair = handles[c.handle % Math.max(1, handles.length)];
              if (!pair) continue;
              clockDb.advance(c.seconds);
              clockFile.advance(c.seconds);
              const outcome = { completed: c.completed, errorType: c.errorType };
              await both(
                () => pair[0].complete(outcome),
                () => pair[1].complete(outcome),
              );
            }
          }
          await expectSameReads(db, file, sameId);
        } finally {
          await db.close();
          await file.close();
        }
      }),
      { numRuns: 40 },
    );
  }, 240_000);
});
