import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '@skill-metrics/core';
import { testInvocation } from '@skill-metrics/core/testing';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'skill-metrics-disk-'));
let n = 0;

/** Other tools read the database with plain SQL, by the original design guide's names. */
describe('the database as other tools see it', () => {
  it('has current figures in skill_metrics after every write, readable with plain SQL', async () => {
    const path = join(dir, `plain-${n++}.db`);
    const store = await openStore({ path });
    const reader = new Database(path, { readonly: true });
    const row = reader.prepare(
      `SELECT total_invocations, completed_invocations, abandoned_invocations, completion_rate, avg_duration_seconds,
              json_extract(workflow_paths, '$."v1.2"') AS v12, json_extract(common_errors, '$."[Errno 2] x"') AS errno
       FROM skill_metrics WHERE skill_name = ?`,
    );
    const failed = await store.trackInvocation('crackerjack-run', { workflowPath: 'v1.2' });
    await failed.complete({ completed: false, errorType: '[Errno 2] x' });
    expect(row.get('crackerjack-run')).toMatchObject({ total_invocations: 1, completion_rate: 0, v12: 1, errno: 1 });
    const ok = await store.trackInvocation('crackerjack-run', { workflowPath: 'v1.2' });
    await ok.complete();
    const after = row.get('crackerjack-run') as Record<string, number>;
    // The original trigger computed this one write late and would still read 0 here.
    expect(after).toMatchObject({
      total_invocations: 2,
      completed_invocations: 1,
      abandoned_invocations: 1,
      completion_rate: 50,
      v12: 2,
    });
    expect(after.avg_duration_seconds).toBeGreaterThan(0);
    reader.close();
    await store.close();
  });

  it("answers the original guide's session query (its Example 3) as written", async () => {
    const path = join(dir, `guide-${n++}.db`);
    const store = await openStore({ path });
    const sessionId = 'session-abc123';
    const first = await store.trackInvocation('crackerjack-run', { sessionId });
    await first.complete();
    for (let i = 0; i < 2; i++) {
      const run = await store.trackInvocation('pytest-runner', { sessionId });
      await run.complete();
    }
    const db = new Database(path, { readonly: true });
    const rows = db
      .prepare(
        `SELECT skill_name, invocation_count, total_duration_seconds
         FROM session_skill
         WHERE session_id = ?
         ORDER BY invocation_count DESC`,
      )
      .raw(true)
      .all(sessionId) as Array<[string, number, number]>;
    expect(rows.map(([skill, count]) => [skill, count])).toEqual([
      ['pytest-runner', 2],
      ['crackerjack-run', 1],
    ]);
    for (const [, , seconds] of rows) expect(seconds).toBeGreaterThan(0);
    db.close();
    await store.close();
  });

  it('stores SQL NULL for absent values, 0/1 for completed, JSON text for lists and objects', async () => {
    const path = join(dir, `types-${n++}.db`);
    const store = await openStore({ path });
    const plain = await store.trackInvocation('s');
    await plain.complete();
    const rich = await store.trackInvocation('s', { userContext: { a: 1 }, sessionId: 'x' });
    await rich.complete({ completed: false, followUpActions: ['b'] });
    await store.close();
    const db = new Database(path, { readonly: true });
    const rows = db
      .prepare(
        `SELECT completed, typeof(user_context) AS ctx, user_context, follow_up_actions, typeof(session_id) AS sid,
                typeof(error_type) AS err, invoked_at FROM skill_invocation ORDER BY invoked_at, id`,
      )
      .all() as Array<Record<string, unknown>>;
    expect(rows[0]).toMatchObject({ completed: 1, ctx: 'null', follow_up_actions: '[]', sid: 'null', err: 'null' });
    expect(rows[1]).toMatchObject({
      completed: 0,
      ctx: 'text',
      user_context: '{"a":1}',
      follow_up_actions: '["b"]',
      sid: 'text',
    });
    expect(rows[0]?.invoked_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('answers every statement the store prepares without a full scan of a growing table', async () => {
    const path = join(dir, `plans-${n++}.db`);
    // Migrations (one-time passes over every row) run here, before the statements are captured.
    await (await openStore({ path })).close();
    const prepared = new Set<string>();
    const original = Database.prototype.prepare;
    Database.prototype.prepare = function (this: Database.Database, source: string) {
      prepared.add(source);
      return original.call(this, source);
    } as typeof original;
    try {
      const store = await openStore({ path });
      await store.track('a', () => 1, { sessionId: 's', projectPath: 'p' });
      await store.recordInvocation(testInvocation({ id: 'x', skillName: 'a', invokedAt: '2026-01-01T00:00:00Z' }));
      await store.getSkillMetrics('a');
      await store.getAllMetrics();
      await store.getSummary();
      const queries = [
        {},
        { skillName: 'a' },
        { sessionId: 's' },
        { projectPath: 'p' },
        { skillName: 'a', status: 'completed' as const, since: '2026-01-01T00:00:00Z', until: '2027-01-01T00:00:00Z' },
      ];
      for (const q of queries) for await (const _ of store.listInvocations(q)) void _;
      await store.close();
    } finally {
      Database.prototype.prepare = original;
    }
    const db = new Database(path, { readonly: true });
    const own = [...prepared].filter((s) => !/sqlite_master|schema_migrations/.test(s));
    expect(own.length).toBeGreaterThanOrEqual(20);
    for (const source of own) {
      const params = (source.match(/\?/g) ?? []).map(() => null);
      const plan = (db.prepare(`EXPLAIN QUERY PLAN ${source}`).all(...params) as Array<{ detail: string }>).map(
        (r) => r.detail,
      );
      // Reading every skill's row is the point of getAllMetrics, getSummary and getSkillOverview, and
      // the pending index holds only invocations in flight; no other table is scanned.
      for (const step of plan) {
        if (step === 'SCAN skill_invocation USING INDEX idx_skill_invocation_pending') continue;
        expect(step, `${source}\n→ ${plan.join(' | ')}`).not.toMatch(
          /^SCAN (skill_invocation|skill_timeline|session_skill|project_skill)\b/,
        );
      }
    }
    db.close();
  });

  it('keeps counts read once current through its own writes and another connection’s', async () => {
    const path = join(dir, `counts-${n++}.db`);
    const a = await openStore({ path });
    const b = await openStore({ path });
    const record = (store: typeof a, id: string, workflowPath: string, errorType: string | null = null) =>
      store.recordInvocation(
        testInvocation({ id, skillName: 's', workflowPath, completed: errorType === null, errorType }),
      );
    await record(a, '1', 'x');
    expect((await a.getSkillMetrics('s'))?.workflowPaths).toEqual({ x: 1 });
    await record(a, '2', 'y', 'E');
    expect(await a.getSkillMetrics('s')).toMatchObject({ workflowPaths: { x: 1, y: 1 }, commonErrors: { E: 1 } });
    expect((await b.getSkillMetrics('s'))?.workflowPaths).toEqual({ x: 1, y: 1 });
    await record(b, '3', 'x', 'E');
    // a held its counts at 2 invocations; b's write made 3: a reads them again.
    const m = await a.getSkillMetrics('s');
    expect(m).toMatchObject({ workflowPaths: { x: 2, y: 1 }, commonErrors: { E: 2 } });
    expect(Object.isFrozen(m?.workflowPaths)).toBe(true);
    await record(a, '4', 'z');
    expect((await b.getSkillMetrics('s'))?.workflowPaths).toEqual({ x: 2, y: 1, z: 1 });
    expect((await a.getAllMetrics()).get('s')?.workflowPaths).toEqual({ x: 2, y: 1, z: 1 });
    await a.close();
    await b.close();
  });
});
