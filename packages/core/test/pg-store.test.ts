import {
  InvalidInputError,
  InvocationConflictError,
  type InvocationInput,
  openStore,
  type PgStore,
  StoreConnectionError,
  StoreOpenError,
} from '@skill-metrics/core';
import { loadPgMigrations, openPgStore } from '@skill-metrics/core/pg';
import { seededRandom } from '@skill-metrics/core/testing';
import { dropSchemas, freshSchemaName, PG_URL, pgServerAnswers } from '@skill-metrics/core/testing/pg';
import { releaseTogether, startWorker } from '@skill-metrics/core/testing/process';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';

const server = await pgServerAnswers();
const schemas: string[] = [];
afterAll(() => dropSchemas(schemas));

const newSchema = (label: string) => {
  const schema = freshSchemaName(label);
  schemas.push(schema);
  return schema;
};
const startWriter = (args: string[]) => startWorker(new URL('./workers/writer.ts', import.meta.url), args);

/** Runs `sql` on a connection of its own, outside any store. */
async function onServer<R extends pg.QueryResultRow>(sql: string, values?: unknown[]): Promise<R[]> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return (await client.query<R>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

const invocation = (i: number, skillName: string, durationSeconds: number): InvocationInput => ({
  id: `${skillName}-${i}`,
  skillName,
  invokedAt: new Date(Date.UTC(2026, 10, 1) + i * 7_000).toISOString(),
  workflowPath: null,
  completed: true,
  durationSeconds,
  errorType: null,
  followUpActions: [],
  sessionId: null,
  projectPath: null,
  userContext: null,
});

describe.runIf(server)('PgStore on the server', () => {
  it('8 processes migrating one fresh schema at once: all succeed, each migration applied once', async () => {
    const schema = newSchema('migrate');
    const outputs = await releaseTogether(Array.from({ length: 8 }, () => startWriter(['open', `pg:${schema}`])));
    const applied = outputs.flatMap((lines) => (JSON.parse(lines.at(-1) as string) as { applied: number[] }).applied);
    const versions = loadPgMigrations().map((m) => m.version);
    expect(applied.sort((a, b) => a - b)).toEqual(versions);
    const rows = await onServer<{ version: number }>(`SELECT version FROM "${schema}".schema_migrations ORDER BY 1`);
    expect(rows.map((r) => r.version)).toEqual(versions);
  }, 120_000);

  it('8 processes × 1,000 track+complete on one database: totals exact, nothing lost, no error', async () => {
    const schema = newSchema('writers');
    await (await openStore({ url: PG_URL, schema })).close();
    const workers = Array.from({ length: 8 }, (_, i) =>
      startWriter(['track', `pg:${schema}`, '1000', i % 2 === 0 ? 'even-skill' : 'odd-skill']),
    );
    const outputs = await releaseTogether(workers);
    for (const lines of outputs) expect(JSON.parse(lines.at(-1) as string)).toEqual({ done: 1000, errors: 0 });

    const store = await openStore({ url: PG_URL, schema });
    for (const skill of ['even-skill', 'odd-skill']) {
      const m = await store.getSkillMetrics(skill);
      expect(m).toMatchObject({
        totalInvocations: 4000,
        completedInvocations: 3000,
        abandonedInvocations: 1000,
        completionRate: 75,
        followUpActions: { next: 4000 },
      });
      expect(Object.values(m?.workflowPaths ?? {}).reduce((a, b) => a + b, 0)).toBe(4000);
    }
    // The sums over every skill, written by writers of both skills at once, add up as well.
    const hours = await store.getTimeline({ since: new Date(Date.now() - 3 * 3_600_000).toISOString() });
    expect(hours.reduce((n, b) => n + b.invocations, 0)).toBe(8000);
    expect(await store.countInvocations({ status: 'pending' })).toBe(0);
    await store.close();
  }, 180_000);

  it('never deadlocks on two skill names of one lock key: batches of both, from two stores at once', async () => {
    // hashtext('s14208') = hashtext('s189525'), and 's15' sorts between them.
    const schema = newSchema('collide');
    const [a, b] = [await openStore({ url: PG_URL, schema }), await openStore({ url: PG_URL, schema })];
    const batch = (i: number, names: readonly string[]) => names.map((name) => invocation(i, name, 1));
    // Before the locks were taken in the order of their keys, about a third of these failed.
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        i % 2 === 0
          ? (a as PgStore).recordInvocations(batch(i, ['s14208', 's15']))
          : (b as PgStore).recordInvocations(batch(i, ['s15', 's189525'])),
      ),
    );
    expect((await a.getSkillMetrics('s15'))?.totalInvocations).toBe(40);
    expect((await a.getSkillMetrics('s14208'))?.totalInvocations).toBe(20);
    expect((await a.getSkillMetrics('s189525'))?.totalInvocations).toBe(20);
    await a.close();
    await b.close();
  }, 60_000);

  it("keeps p50, p95 and p99 within 1 % of the server's own percentile_cont", async () => {
    const schema = newSchema('percentiles');
    const store = await openStore({ url: PG_URL, schema });
    const random = seededRandom(11);
    // Log-normal-ish durations over four orders of magnitude, in batches and one at a time.
    const batch = Array.from({ length: 4000 }, (_, i) => invocation(i, 'timed', Math.exp(random() * 9 - 2)));
    await store.recordInvocations(batch);
    for (let i = 4000; i < 4100; i++) await store.recordInvocation(invocation(i, 'timed', random() * 3));
    const [exact] = await onServer<{ p: number[] }>(
      `SELECT percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY duration_seconds) AS p
       FROM "${schema}".skill_invocation WHERE skill_name = 'timed' AND completed AND completed_at IS NOT NULL`,
    );
    const m = await store.getSkillMetrics('timed');
    const stored = [m?.p50DurationSeconds, m?.p95DurationSeconds, m?.p99DurationSeconds] as number[];
    stored.forEach((value, i) => {
      const truth = exact?.p[i] as number;
      expect(Math.abs(value - truth) / truth).toBeLessThanOrEqual(0.01);
    });
    expect(await store.getDurationPercentiles('timed', [0.5, 0.95, 0.99], { exact: true })).toEqual(
      exact?.p.map((p) => expect.closeTo(p, 9)),
    );
    await store.close();
  }, 60_000);

  it('a connection killed by the server: a typed, retryable error, nothing half-written, the next call reconnects', async () => {
    const schema = newSchema('killed');
    const applicationName = `skm-killed-${process.pid}`;
    const store = (await openStore({ url: PG_URL, schema, applicationName, importChunkSize: 500 })) as PgStore;
    const killAll = () =>
      onServer('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [applicationName]);

    // Idle connections killed: whatever the next call meets, it is typed, and the one after works.
    await store.recordInvocations([invocation(0, 'kept', 1)]);
    await killAll();
    const first = await store.getSkillMetrics('kept').catch((e: unknown) => e);
    if (first instanceof Error) {
      expect(first).toBeInstanceOf(StoreConnectionError);
      expect((first as StoreConnectionError).retryable).toBe(true);
    }
    expect((await store.getSkillMetrics('kept'))?.totalInvocations).toBe(1);

    // Killed in the middle of an import of many chunks: it fails typed, each chunk whole or absent.
    const many = Array.from({ length: 20_000 }, (_, i) => invocation(i, 'bulk', (i % 50) / 10));
    const importing = store.recordInvocations(many).then(
      () => 'finished',
      (e: unknown) => e,
    );
    // The connection killed inside a chunk's transaction, its rows inserted and its figures not yet
    // written: once a chunk is in, the figures' table is locked, so that the next chunk waits there.
    while ((await store.countInvocations({ skillName: 'bulk' })) === 0) {
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const blocker = new pg.Client({ connectionString: PG_URL });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query(`LOCK TABLE "${schema}".skill_totals IN EXCLUSIVE MODE`);
    const deadline = Date.now() + 30_000;
    for (let killed = false; !killed; ) {
      if (Date.now() > deadline) throw new Error('the import never waited on the locked table');
      const [waiting] = await onServer<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'",
        [applicationName],
      );
      if (waiting)
        killed =
          (await onServer<{ done: boolean }>('SELECT pg_terminate_backend($1) AS done', [waiting.pid]))[0]?.done ===
          true;
    }
    await blocker.query('ROLLBACK');
    await blocker.end();
    const outcome = await importing;
    expect(outcome).toBeInstanceOf(StoreConnectionError);
    expect((outcome as StoreConnectionError).retryable).toBe(true);
    const stored = await store.countInvocations({ skillName: 'bulk' });
    expect(stored % 500).toBe(0);
    expect((await store.getSkillMetrics('bulk'))?.totalInvocations ?? 0).toBe(stored);
    // Run again, the import ends as one uninterrupted run would.
    await store.recordInvocations(many);
    const m = await store.getSkillMetrics('bulk');
    expect(m?.totalInvocations).toBe(20_000);
    expect(m?.totalDurationSeconds).toBeCloseTo(
      many.reduce((s, inv) => s + (inv.durationSeconds ?? 0), 0),
      6,
    );
    await store.close();
  }, 120_000);

  it('imports fresh ids by COPY keeping every character, and gives way to the insert when an id is stored or twice in a batch', async () => {
    const store = await openStore({ url: PG_URL, schema: newSchema('copy') });
    const awkward = ['tab\there', 'line\nbreak', 'cr\rhere', 'back\\slash', '\\.', '\\N', 'quote " \' 🚀', ''];
    const batch = awkward.map((text, i) => ({
      ...invocation(i, 'copied', i / 3),
      workflowPath: text,
      errorType: text || null,
      completed: text === '',
      sessionId: `s ${text}`,
      projectPath: `/p/${text}`,
      followUpActions: [text, `${text}!`],
      userContext: { text, nested: { list: [text, 1.5, null, true] } },
    }));
    const recorded = await store.recordInvocations(batch);
    expect(recorded.inserted).toBe(batch.length);
    const stored = await store.getInvocations(batch.map((b) => b.id));
    expect(
      stored.map((s) => [
        s?.workflowPath,
        s?.errorType,
        s?.sessionId,
        s?.projectPath,
        s?.followUpActions,
        s?.userContext,
      ]),
    ).toEqual(
      batch.map((b) => [b.workflowPath, b.errorType, b.sessionId, b.projectPath, b.followUpActions, b.userContext]),
    );
    expect(stored.map((s) => s?.durationSeconds)).toEqual(batch.map((b) => b.durationSeconds));

    // Again with one new id among them: stored ones are settled, the new one inserted.
    const again = await store.recordInvocations([...batch, invocation(99, 'copied', 2)]);
    expect({ inserted: again.inserted, unchanged: again.unchanged }).toEqual({ inserted: 1, unchanged: batch.length });
    // One id twice in a batch of new ones: the first is inserted, the second unchanged.
    const twice = await store.recordInvocations([invocation(100, 'copied', 1), invocation(100, 'copied', 1)]);
    expect({ inserted: twice.inserted, unchanged: twice.unchanged }).toEqual({ inserted: 1, unchanged: 1 });
    expect((await store.getSkillMetrics('copied'))?.totalInvocations).toBe(batch.length + 2);
    await store.close();
  });

  it('an id stored by another writer while the COPY runs: the COPY gives way to the insert, counted once', async () => {
    const schema = newSchema('copy_race');
    const applicationName = `skm-copy-race-${process.pid}`;
    const store = await openStore({ url: PG_URL, schema, applicationName });
    const batch = Array.from({ length: 500 }, (_, i) => invocation(i, 'raced', 1));
    // The row exactly as the store keeps it, from a store of its own in another schema.
    const probeSchema = newSchema('copy_probe');
    const probe = await openStore({ url: PG_URL, schema: probeSchema });
    await probe.recordInvocation(batch[250] as InvocationInput);
    await probe.close();
    // Another connection inserts it, uncommitted: the store's check does not see it, and its COPY
    // waits on that row's unique index entry until the other commits.
    const other = new pg.Client({ connectionString: PG_URL });
    await other.connect();
    await other.query('BEGIN');
    await other.query(
      `INSERT INTO "${schema}".skill_invocation SELECT * FROM "${probeSchema}".skill_invocation WHERE id = $1`,
      [batch[250]?.id],
    );
    const importing = store.recordInvocations(batch);
    for (let waited = 0; ; waited += 10) {
      const [waiting] = await onServer(
        "SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'",
        [applicationName],
      );
      if (waiting) break;
      if (waited > 20_000) throw new Error('the COPY never waited on the other row');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await other.query('COMMIT');
    await other.end();
    const result = await importing;
    expect({ inserted: result.inserted, unchanged: result.unchanged }).toEqual({ inserted: 499, unchanged: 1 });
    expect(await store.countInvocations({ skillName: 'raced' })).toBe(500);
    await store.close();
  }, 60_000);

  it('refuses text PostgreSQL cannot keep (U+0000) with a typed error, and finds a path by a word past its longest lexeme', async () => {
    const store = await openStore({ url: PG_URL, schema: newSchema('text') });
    for (const input of [
      invocation(1, 'nul\u0000skill', 1),
      { ...invocation(2, 'kept', 1), userContext: { note: 'a\u0000b' } },
      { ...invocation(3, 'kept', 1), followUpActions: ['x\u0000'] },
    ]) {
      const error = await store.recordInvocation(input).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).message).toMatch(/U\+0000/);
    }
    expect(await store.countInvocations()).toBe(0);

    // A word of 3,000 bytes: indexed by its longest start that fits, found by a prefix and by itself.
    const long = 'é'.repeat(1500);
    await store.recordInvocation({ ...invocation(4, 'kept', 1), workflowPath: `deploy ${long}` });
    expect((await store.searchWorkflowPaths('éé')).map((m) => m.workflowPath)).toEqual([`deploy ${long}`]);
    expect((await store.searchWorkflowPaths(`${long} deploy`)).map((m) => m.workflowPath)).toEqual([`deploy ${long}`]);
    await store.close();
  });

  it('keeps notes and state, and a bulk import keeps its state in the same transaction as its last chunk', async () => {
    const store = (await openStore({ url: PG_URL, schema: newSchema('notes') })) as PgStore;
    const a = await store.notes.add('mismatch', { read: 'getSummary' });
    const b = await store.notes.add('mismatch', ['x', 1.5, null]);
    expect(b).toBeGreaterThan(a);
    expect((await store.notes.list('mismatch', { after: a })).map((n) => n.body)).toEqual([['x', 1.5, null]]);
    expect(await store.notes.count('mismatch')).toBe(2);
    expect(await store.notes.clear('mismatch', { through: a })).toBe(1);
    await store.notes.setState('guardrail', { tripped: true });
    expect(await store.notes.getState('guardrail')).toEqual({ tripped: true });
    await store.notes.setState('guardrail', null);
    expect(await store.notes.getState('guardrail')).toBeNull();

    const bulk = store.bulk;
    if (!bulk) throw new Error('PgStore must offer store.bulk');
    const batch = [invocation(1, 'kept', 1), invocation(2, 'kept', 2)];
    await bulk.recordInvocations(batch, { keep: { key: 'checkpoint', value: { line: 2 } } });
    expect(await store.notes.getState('checkpoint')).toEqual({ line: 2 });
    // A batch that fails (a conflict) keeps neither its rows nor its state.
    const conflicting = [invocation(3, 'kept', 3), { ...invocation(1, 'kept', 1), durationSeconds: 9 }];
    await expect(
      bulk.recordInvocations(conflicting, { keep: { key: 'checkpoint', value: { line: 4 } } }),
    ).rejects.toBeInstanceOf(InvocationConflictError);
    expect(await store.notes.getState('checkpoint')).toEqual({ line: 2 });
    expect(await store.countInvocations()).toBe(2);
    await store.close();
  });
});

describe('opening a PgStore', () => {
  it('refuses bad options with a typed error naming them, before connecting to anything', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{}, 'url'],
      [{ url: 'mysql://u:secret@localhost/test' }, 'url'],
      [{ url: PG_URL, schema: '' }, 'schema'],
      [{ url: PG_URL, schema: 'x'.repeat(64) }, 'schema'],
      [{ url: PG_URL, poolSize: 0 }, 'poolSize'],
      [{ url: PG_URL, readonly: 'yes' }, 'readonly'],
      [{ url: PG_URL, bulkCopy: 1 }, 'bulkCopy'],
      [{ url: PG_URL, bogus: 1 }, 'options.bogus'],
      [{ url: `${PG_URL}?schema=a`, schema: 'b' }, 'schema'],
    ];
    for (const [options, field] of cases) {
      const error = await openPgStore(options as never).catch((e: unknown) => e);
      expect(error, JSON.stringify(options)).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).field).toBe(field);
      expect((error as Error).message).not.toContain('secret');
    }
  });

  it('names a server that does not answer in a StoreOpenError, its password hidden', async () => {
    const error = await openStore({ url: 'postgres://u:secret@127.0.0.1:1/test' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreOpenError);
    expect((error as Error).message).toMatch(/127\.0\.0\.1:1/);
    expect((error as Error).message).not.toContain('secret');
  });
});

if (!server) {
  describe('PgStore on the server', () => {
    it.skip(`needs a PostgreSQL server at ${PG_URL}`, () => {});
  });
}
