import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  InvalidInputError,
  type Invocation,
  StoreBusyError,
  systemTimeZone,
  uuidv7,
} from '@skill-metrics/core/contract';
import { testInvocation } from '@skill-metrics/core/testing';
import {
  LegacyFileError,
  LegacyJsonStore,
  LegacyLockError,
  LegacyWriteError,
  legacyInvocationId,
  openLegacyStore,
} from '@skill-metrics/json-legacy';
import { lock } from 'proper-lockfile';
import { describe, expect, it, vi } from 'vitest';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'skill-metrics-legacy-store-'));
let n = 0;
const fresh = () => join(dir, `file-${n++}`, 'skill_metrics.json');
const fixture = (name: string) => {
  const path = fresh();
  mkdirSync(join(path, '..'), { recursive: true });
  copyFileSync(join(FIXTURES, name), path);
  return path;
};

interface RawFile {
  invocations: Array<Record<string, unknown>>;
  skills: Record<string, Record<string, unknown>>;
  [key: string]: unknown;
}
const readRaw = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as RawFile;

async function all(store: LegacyJsonStore): Promise<Invocation[]> {
  const out: Invocation[] = [];
  for await (const inv of store.listInvocations()) out.push(inv);
  return out;
}

describe('LegacyJsonStore', () => {
  it('opens on a missing file without creating it, defaults to this machine’s zone, and says which it uses', async () => {
    const path = fresh();
    const store = await openLegacyStore({ path });
    expect(store.timeZone).toBe(systemTimeZone());
    expect(store.path).toBe(path);
    expect(await store.getSummary()).toMatchObject({ totalInvocations: 0 });
    expect(existsSync(path)).toBe(false);
    await store.close();
    expect(() => new LegacyJsonStore({ path, timeZone: 'Mars/Olympus' })).toThrow(/timeZone/);
  });

  it('persists a started invocation at once, in the old format, in the store’s zone', async () => {
    const path = fresh();
    const store = await openLegacyStore({ path, timeZone: 'Asia/Tokyo' });
    const before = Date.now();
    const handle = await store.trackInvocation('crackerjack-run', { workflowPath: 'quick' });
    const [raw, ...rest] = readRaw(path).invocations;
    expect(rest).toEqual([]);
    expect(Object.keys(raw ?? {})).toEqual([
      'skill_name',
      'invoked_at',
      'workflow_path',
      'completed',
      'duration_seconds',
      'follow_up_actions',
      'error_type',
    ]);
    expect(raw).toMatchObject({ completed: false, duration_seconds: null, follow_up_actions: [], error_type: null });
    // Naive local time in Tokyo (UTC+9), as datetime.now().isoformat() wrote it there.
    const tokyo = new Date(before + 9 * 3_600_000).toISOString().slice(0, 16);
    expect(String(raw?.invoked_at).slice(0, 16)).toBe(tokyo);
    expect(raw?.invoked_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?$/);
    expect(handle.invocationId).toBe(legacyInvocationId(raw as never, 0));
    await handle.complete({ followUpActions: ['git push'] });
    expect(readRaw(path).invocations[0]).toMatchObject({ completed: true, follow_up_actions: ['git push'] });
    expect(readRaw(path).skills['crackerjack-run']).toMatchObject({ total_invocations: 1, completion_rate: 100 });
    await store.close();
  });

  it('keeps an explicit id that is not the derived one in invocation_id, and only then', async () => {
    const path = fresh();
    const store = await openLegacyStore({ path, timeZone: 'UTC' });
    const id = uuidv7();
    const inv = testInvocation({
      id,
      skillName: 'dual',
      invokedAt: '2026-03-01T12:00:00.250000Z',
      completed: false,
      durationSeconds: null,
      sessionId: 's-1',
      projectPath: '/p',
      userContext: { rank: 2, tags: ['a'] },
    });
    expect(await store.recordInvocation(inv)).toEqual({ id, outcome: 'inserted' });
    const derived = legacyInvocationId(
      { skill_name: 'dual', invoked_at: '2026-03-01T12:00:00.250000', workflow_path: null },
      1,
    );
    await store.recordInvocation({ ...inv, id: derived, sessionId: null, projectPath: null, userContext: null });
    const [first, second] = readRaw(path).invocations;
    expect(first).toMatchObject({
      invocation_id: id,
      session_id: 's-1',
      project_path: '/p',
      user_context: { rank: 2, tags: ['a'] },
    });
    expect(Object.keys(second ?? {})).not.toContain('invocation_id');
    expect(Object.keys(second ?? {})).not.toContain('session_id');
    await store.close();

    const again = await openLegacyStore({ path, timeZone: 'UTC' });
    expect((await all(again)).map((i) => i.id).sort()).toEqual([id, derived].sort());
    expect(await again.recordInvocation(inv)).toEqual({ id, outcome: 'unchanged' });
    expect(await again.recordInvocation({ ...inv, completed: true, durationSeconds: 3 })).toEqual({
      id,
      outcome: 'completed',
    });
    expect((await all(again)).find((i) => i.id === id)).toMatchObject({
      status: 'completed',
      completedAt: '2026-03-01T12:00:03.250000Z',
      sessionId: 's-1',
      userContext: { rank: 2, tags: ['a'] },
    });
    await again.close();
  });

  it('keeps a completion time the format cannot derive in completed_at, so records stay idempotent', async () => {
    const path = fresh();
    const store = await openLegacyStore({ path, timeZone: 'Europe/Paris' });
    // A database store's completion time is its clock's, not invokedAt + duration.
    const late = testInvocation({ id: 'a', skillName: 'x', completedAt: '2026-03-01T12:00:02.004321Z' });
    // Abandoned before any duration was measured: without completed_at it would read back as pending.
    const cut = testInvocation({
      id: 'b',
      skillName: 'x',
      completed: false,
      durationSeconds: null,
      completedAt: '2026-03-01T12:00:00.000000Z',
    });
    const exact = testInvocation({
      id: 'c',
      skillName: 'x',
      durationSeconds: 1.5,
      completedAt: '2026-03-01T12:00:01.500000Z',
    });
    await store.recordInvocations([late, cut, exact]);
    const raws = readRaw(path).invocations;
    expect(raws.map((r) => r.completed_at)).toEqual([
      '2026-03-01T12:00:02.004321Z',
      '2026-03-01T12:00:00.000000Z',
      undefined,
    ]);
    const listed = await all(store);
    expect(listed.map((i) => [i.id, i.status, i.completedAt])).toEqual([
      ['a', 'completed', '2026-03-01T12:00:02.004321Z'],
      ['b', 'abandoned', '2026-03-01T12:00:00.000000Z'],
      ['c', 'completed', '2026-03-01T12:00:01.500000Z'],
    ]);
    expect(await store.recordInvocations([late, cut, exact])).toEqual({ inserted: 0, completed: 0, unchanged: 3 });
    await store.close();
  });

  it('keeps every key it does not know, at every level, through rewrites', async () => {
    const path = fixture('later-variant.json');
    const before = readRaw(path);
    const store = await openLegacyStore({ path, timeZone: 'UTC' });
    const [pending] = (await all(store)).filter((i) => i.status === 'pending');
    expect(pending).toMatchObject({ skillName: 'docs-writer', sessionId: 'sess-2' });
    await store.recordInvocation({ ...(pending as Invocation), completed: true, durationSeconds: 1 });
    await store.track('lint-fix', () => 'ok', { workflowPath: 'ci', sessionId: 'sess-3' });
    await store.close();
    const after = readRaw(path);
    expect(after.schema).toEqual(before.schema);
    before.invocations.forEach((inv, i) => {
      for (const key of ['session_id', 'user_query', 'alternatives_considered', 'selection_rank', 'project_path']) {
        expect(after.invocations[i]?.[key], `${i}.${key}`).toEqual(inv[key]);
      }
      expect(after.invocations[i]?.user_context).toEqual(inv.user_context);
    });
    expect(after.skills['lint-fix']).toMatchObject({
      avg_selection_rank: 1.5,
      recommendation_success_rate: 100,
      total_invocations: 3,
    });
    const text = readFileSync(path, 'utf8');
    expect(text).toContain('"score": 1.0');
    expect(text).toContain('"recommendation_success_rate": 100.0');
    expect(text).toContain('"2": "two",\n        "10": "ten"');
    expect(after.invocations[3]).toMatchObject({ skill_name: 'lint-fix', session_id: 'sess-3' });
  });

  it('reads later trackers’ context keys into the contract fields, and leaves other types unmapped', async () => {
    const store = await openLegacyStore({ path: fixture('later-variant.json'), timeZone: 'UTC' });
    const listed = await all(store);
    expect(listed.map((i) => [i.sessionId, i.projectPath, i.invokedAt])).toEqual([
      ['sess-1', '/work/app', '2026-06-01T22:30:00.250000Z'],
      ['sess-2', null, '2026-06-01T22:30:04.750000Z'],
      ['sess-2', null, '2026-06-01T22:30:06.000000Z'],
    ]);
    expect(listed[2]?.userContext).toEqual({ 2: 'two', 10: 'ten', a: [1, 2, 3e-6] });
    await store.close();
    const quirky = await openLegacyStore({ path: fixture('quirks.json'), timeZone: 'UTC' });
    const lint = (await all(quirky)).filter((i) => i.skillName === 'lint');
    expect(lint.map((i) => [i.sessionId, i.status, i.durationSeconds])).toEqual([
      [null, 'completed', null],
      [null, 'completed', 2],
    ]);
    expect((await quirky.quirks()).find((q) => q.kind === 'unmapped-context-key')).toMatchObject({
      count: 1,
      ordinals: [3],
      keys: { session_id: 1 },
    });
    await quirky.close();
  });

  it('reports figures from the invocation list, and keeps the old counters going in the file', async () => {
    // A completer called twice: the file's counters say 3, the list holds 2 finished invocations.
    const path = fixture('double-completion.json');
    const store = await openLegacyStore({ path, timeZone: 'UTC' });
    expect(await store.getSkillMetrics('git-commit')).toMatchObject({
      totalInvocations: 2,
      completedInvocations: 1,
      abandonedInvocations: 1,
      commonErrors: { TimeoutError: 1 },
      followUpActions: { 'git push': 1 },
    });
    expect((await store.quirks()).map((q) => [q.kind, q.count, q.skills])).toEqual([
      ['double-completion', 1, ['git-commit']],
    ]);
    await store.track('git-commit', () => undefined, { workflowPath: 'quick' });
    expect(await store.getSkillMetrics('git-commit')).toMatchObject({ totalInvocations: 3, completedInvocations: 2 });
    expect(readRaw(path).skills['git-commit']).toMatchObject({
      total_invocations: 4,
      completed_invocations: 3,
      abandoned_invocations: 1,
      workflow_paths: { quick: 4 },
      completion_rate: 75,
    });
    await store.close();
  });

  it('reports first and last invoked as the earliest and latest start; the file keeps completion order', async () => {
    const path = fixture('completion-order.json');
    const store = await openLegacyStore({ path, timeZone: 'UTC' });
    expect(await store.getSkillMetrics('refactor')).toMatchObject({
      firstInvoked: '2026-05-10T14:00:00.000001Z',
      lastInvoked: '2026-05-10T14:00:02.000001Z',
      totalInvocations: 3,
    });
    expect(readRaw(path).skills.refactor).toMatchObject({
      first_invoked: '2026-05-10T14:00:02.000001',
      last_invoked: '2026-05-10T14:00:01.000001',
    });
    await store.recordInvocation(
      testInvocation({ id: 'early', skillName: 'refactor', invokedAt: '2026-05-10T13:00:00Z', durationSeconds: 1 }),
    );
    expect((await store.getSkillMetrics('refactor'))?.firstInvoked).toBe('2026-05-10T13:00:00.000000Z');
    expect(readRaw(path).skills.refactor).toMatchObject({
      first_invoked: '2026-05-10T14:00:02.000001',
      last_invoked: '2026-05-10T13:00:00',
    });
    await store.close();
  });

  it('counts a completed invocation with a zero or null duration as completed, adding no time', async () => {
    const store = await openLegacyStore({ path: fixture('tracker.json'), timeZone: 'UTC' });
    expect(await store.getSkillMetrics('déploiement')).toMatchObject({
      completedInvocations: 1,
      totalDurationSeconds: 0,
      workflowPaths: { '🚀 fast': 1 },
      followUpActions: { 测试: 1 },
    });
    expect(await store.getSkillMetrics('crackerjack-run')).toMatchObject({
      totalInvocations: 2,
      totalDurationSeconds: 12.5 + 1e-5,
    });
    await store.close();
  });

  it('writes N changes that wait on the lock together, and resolves each once it is on disk', async () => {
    const path = fresh();
    const store = await openLegacyStore({ path, timeZone: 'UTC' });
    const handles = await Promise.all(
      Array.from({ length: 200 }, (_, i) => store.trackInvocation(`skill-${i % 4}`, { workflowPath: `w${i % 3}` })),
    );
    const started = store.stats;
    expect(started.rewrites).toBeLessThan(20);
    const onDisk: boolean[] = [];
    await Promise.all(
      handles.map((h, i) =>
        h.complete({ completed: i % 5 !== 0 }).then(() => {
          // Read synchronously the moment this call resolves: its change must already be in the file.
          const raws = readRaw(path).invocations;
          const ordinal = handles.indexOf(h);
          onDisk.push(raws[ordinal]?.duration_seconds !== null);
        }),
      ),
    );
    expect(onDisk).toHaveLength(200);
    expect(onDisk.every(Boolean)).toBe(true);
    const done = store.stats;
    expect(done.changes - started.changes).toBe(200);
    expect(done.rewrites - started.rewrites).toBeLessThan(20);
    expect((await store.getSummary()).totalInvocations).toBe(200);
    await store.close();
  });

  it('sees what another store wrote to the same file, and loses none of it', async () => {
    const path = fresh();
    const a = await openLegacyStore({ path, timeZone: 'UTC' });
    const b = await openLegacyStore({ path, timeZone: 'UTC' });
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).track('shared', () => i, { workflowPath: `p${i % 2}` })),
    );
    for (const store of [a, b]) {
      expect(await store.getSkillMetrics('shared')).toMatchObject({
        totalInvocations: 40,
        workflowPaths: { p0: 20, p1: 20 },
      });
    }
    expect(readRaw(path).skills.shared).toMatchObject({ total_invocations: 40 });
    await Promise.all([a.close(), b.close()]);
  });

  it('fails a write with LegacyLockError when another holder keeps the lock, and writes nothing', async () => {
    const path = fixture('tracker.json');
    const bytes = readFileSync(path);
    const store = await openLegacyStore({ path, timeZone: 'UTC', lockTimeoutMs: 300 });
    const release = await lock(path, { realpath: false, lockfilePath: `${path}.lock` });
    const error = await store.trackInvocation('x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LegacyLockError);
    expect(error).toBeInstanceOf(StoreBusyError);
    expect(error).toMatchObject({ code: 'LEGACY_LOCK', retryable: true });
    expect((error as Error).message).toMatch(/still locked/);
    expect(readFileSync(path)).toEqual(bytes);
    // The work of track() goes on; the failure goes to onError.
    const reported: unknown[] = [];
    const tracking = await openLegacyStore({
      path,
      timeZone: 'UTC',
      lockTimeoutMs: 100,
      onError: (e) => reported.push(e),
    });
    expect(await tracking.track('x', () => 'work done')).toBe('work done');
    expect(reported).toHaveLength(1);
    expect(reported[0]).toBeInstanceOf(LegacyLockError);
    await tracking.close();
    expect(readFileSync(path)).toEqual(bytes);
    await release();
    await store.track('x', () => undefined);
    expect(readRaw(path).invocations).toHaveLength(8);
    await store.close();
  });

  it('takes over a stale lock left by a dead writer, and removes the temporary files it left', async () => {
    const path = fixture('tracker.json');
    mkdirSync(`${path}.lock`);
    const old = new Date(Date.now() - 60_000);
    utimesSync(`${path}.lock`, old, old);
    writeFileSync(`${path}.tmp-999999-abcdef`, '{"invocations": [{"skill_name": "torn');
    const store = await openLegacyStore({ path, timeZone: 'UTC', lockStaleMs: 5_000, lockTimeoutMs: 2_000 });
    expect((await all(store)).length).toBe(7);
    await store.track('after-crash', () => undefined);
    expect(readdirSync(join(path, '..')).sort()).toEqual(['skill_metrics.json']);
    expect(readRaw(path).invocations).toHaveLength(8);
    await store.close();
  });

  it('gives typed errors for a path it cannot use: a directory, or a folder that is a file', async () => {
    const folder = join(dir, `not-a-file-${n++}`);
    mkdirSync(folder);
    const error = await openLegacyStore({ path: folder, timeZone: 'UTC' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LegacyFileError);
    expect((error as LegacyFileError).problem).toMatch(/cannot be read/);

    const blocker = join(dir, `a-file-${n++}`);
    writeFileSync(blocker, 'not a folder');
    const store = new LegacyJsonStore({ path: join(blocker, 'sub', 'skill_metrics.json'), timeZone: 'UTC' });
    await expect(store.trackInvocation('x')).rejects.toBeInstanceOf(LegacyWriteError);
    expect(readFileSync(blocker, 'utf8')).toBe('not a folder');
    await store.close();
  });

  it('keeps a user context as JSON keeps it, as the database stores do', async () => {
    const path = fresh();
    const store = await openLegacyStore({ path, timeZone: 'UTC' });
    const context = { gone: undefined, when: new Date(0), n: Number.NaN, nested: { __proto__: 1, ok: [1.5, 'é'] } };
    await store.track('ctx', () => undefined, { userContext: context as unknown as Record<string, unknown> });
    const [inv] = await all(store);
    expect(inv?.userContext).toEqual(JSON.parse(JSON.stringify(context)));
    expect(Object.keys(inv?.userContext ?? {})).toEqual(['when', 'n', 'nested']);
    await store.close();
  });

  it('answers every read from the file as it holds it, and reads the file again only after another writer', async () => {
    const path = fresh();
    const store = await openLegacyStore({ path, timeZone: 'UTC' });
    const other = await openLegacyStore({ path, timeZone: 'UTC' });
    await store.track('a', () => 1, { workflowPath: 'quick ci', sessionId: 's', projectPath: '/p' });
    const loads = store.stats.loads;
    const reads = async () => {
      await store.getSkillMetrics('a');
      await store.getSummary();
      await store.getAllMetrics();
      await store.getDurationPercentiles('a', [0.5]);
      await store.getSkillTimeline('a');
      await store.getTimeline({ bucket: 'day' });
      await store.searchWorkflowPaths('ci');
      await store.getSessionSkills('s');
      await store.getProjectMetrics('/p');
      await store.generateReport();
      return all(store);
    };
    await reads();
    await reads();
    expect(store.stats.loads).toBe(loads);
    await other.track('b', () => 2);
    expect((await reads()).map((i) => i.skillName)).toEqual(['a', 'b']);
    expect(store.stats.loads).toBe(loads + 1);
    await reads();
    expect(store.stats.loads).toBe(loads + 1);
    await store.close();
    await other.close();
  });

  it('fsyncs the new file and its folder before a durable write resolves, and not otherwise', async () => {
    const probe = await open(fileURLToPath(import.meta.url), 'r');
    const FileHandle = Object.getPrototypeOf(probe).constructor as { prototype: { sync(): Promise<void> } };
    await probe.close();
    const sync = vi.spyOn(FileHandle.prototype, 'sync');
    try {
      const durable = await openLegacyStore({ path: fresh(), timeZone: 'UTC' });
      await durable.track('a', () => 1);
      // Two writes (start and completion), each: the temporary file, then the folder after the rename.
      expect(sync).toHaveBeenCalledTimes(4);
      await durable.close();
      sync.mockClear();
      const fast = await openLegacyStore({ path: fresh(), timeZone: 'UTC', durable: false });
      await fast.track('a', () => 1);
      expect(sync).not.toHaveBeenCalled();
      await fast.close();
    } finally {
      sync.mockRestore();
    }
  });

  it('refuses options it does not know, or of the wrong kind, naming them', () => {
    for (const [options, field] of [
      [{ file: 'x.json' }, 'options.file'],
      [{ durable: 'yes' }, 'durable'],
      [{ path: 42 }, 'path'],
      [{ path: '' }, 'path'],
      [{ lockTimeoutMs: -1 }, 'lockTimeoutMs'],
      [{ clock: { now: 1 } }, 'clock'],
    ] as const) {
      const error = (() => {
        try {
          new LegacyJsonStore(options as never);
        } catch (e) {
          return e;
        }
      })();
      expect(error, JSON.stringify(options)).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).field).toBe(field);
    }
  });
});
