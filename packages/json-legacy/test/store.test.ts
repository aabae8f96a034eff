import { existsSync, readFileSync } from 'node:fs';
import { type Invocation, systemTimeZone, uuidv7 } from '@skill-metrics/core/contract';
import { testInvocation } from '@skill-metrics/core/testing';
import { LegacyJsonStore, legacyInvocationId, openLegacyStore } from '@skill-metrics/json-legacy';
import { describe, expect, it } from 'vitest';

import { all, fixture, fresh, readRaw } from './store-files.js';

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
});
