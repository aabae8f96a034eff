import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type InvocationInput, openStore, type PgStore, SqliteStore } from '@skill-metrics/core';
import { freshSchemaName, pgTestDatabase } from '@skill-metrics/core/testing/pg';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { chunks, clock, figureTables, finishedVersions, invocations, SKILLS } from './import-fixture.js';

// PostgreSQL keeps every figure as SQLite does: the same invocations, recorded one at a time into
// a SQLite file and in batches (or beside another writer) into PostgreSQL, leave the same rows.
const target = await pgTestDatabase();
const schemas: string[] = [];
afterAll(() => target.close(schemas));
const dir = mkdtempSync(join(tmpdir(), 'skill-metrics-pg-figures-'));
let n = 0;

async function pgStore(schema: string): Promise<PgStore> {
  await target.free();
  return openStore({ url: target.url, schema, ...target.storeOptions, clock });
}

/** The reference: a SQLite file, each invocation recorded on its own. */
async function sqliteReference(all: readonly InvocationInput[]) {
  const path = join(dir, `reference-${n++}.db`);
  const store = new SqliteStore({ path, clock });
  for (const inv of all) await store.recordInvocation(inv, { legacyQuirks: true });
  await store.close();
  return figureTables(path);
}

const BIGINT_COLUMNS = new Set([
  'total_invocations',
  'completed_invocations',
  'abandoned_invocations',
  'invocation_count',
  'completed_count',
  'abandoned_count',
  'count',
  'invocations',
  'completed',
  'abandoned',
]);

/** PostgreSQL's figure tables in the shape of `figureTables` (the sums over every skill as skill ''). */
async function pgFigureTables(store: PgStore) {
  // Drizzle gives `bigint` columns as text, as `pg` does by default.
  const all = async (query: string) =>
    (await store.drizzle.execute(sql.raw(query))).rows.map((row) =>
      Object.fromEntries(Object.entries(row).map(([k, v]) => [k, BIGINT_COLUMNS.has(k) ? Number(v) : v])),
    );
  const buckets = (table: string, everySkill: string) => `
    SELECT * FROM (SELECT skill_name, bucket_start, invocations, completed, abandoned, total_duration_seconds,
      duration_sketch FROM ${table}
      UNION ALL SELECT '' AS skill_name, bucket_start, invocations, completed, abandoned, total_duration_seconds,
      duration_sketch FROM ${everySkill}) b ORDER BY skill_name, bucket_start`;
  return {
    skills: (await all('SELECT * FROM skill_totals ORDER BY skill_name')).map(
      ({ last_aggregated_at: _, ...rest }) => rest,
    ),
    paths: await all('SELECT skill_name, workflow_path, invocation_count FROM skill_workflow_path ORDER BY 1, 2'),
    counts: await all('SELECT * FROM skill_count ORDER BY skill_name, kind, key'),
    sessions: await all('SELECT * FROM session_skill ORDER BY session_id, skill_name'),
    projects: await all('SELECT * FROM project_skill ORDER BY project_path, skill_name'),
    hours: await all(buckets('skill_timeline', 'timeline_all_skills')),
    days: await all(buckets('skill_timeline_day', 'timeline_day_all_skills')),
    searchable: (await all('SELECT 1 FROM skill_workflow_path')).length,
  };
}

describe("PgStore's figures", () => {
  it('are exactly those of SQLite for the same invocations, imported in batches', async () => {
    const all = invocations(3000);
    const reference = await sqliteReference([...all, ...finishedVersions(all)]);
    expect(reference.skills).toHaveLength(SKILLS.length);
    expect(reference.hours.length).toBeGreaterThan(100);

    const schema = freshSchemaName('figures');
    schemas.push(schema);
    const store = await pgStore(schema);
    for (const batch of [...chunks(all, 700), finishedVersions(all)]) {
      await store.recordInvocations(batch, { legacyQuirks: true });
    }
    expect(await pgFigureTables(store)).toEqual(reference);
    await store.close();
  }, 60_000);

  it('are those of SQLite when another writer records into the same hours meanwhile', async () => {
    const all = invocations(2000, 2);
    const live = invocations(300, 3);
    const reference = await sqliteReference([...all, ...live, ...finishedVersions(all)]);

    const schema = freshSchemaName('figures_live');
    schemas.push(schema);
    const importer = await pgStore(schema);
    const [first, ...rest] = chunks(all, 500);
    await importer.recordInvocations(first as InvocationInput[], { legacyQuirks: true });
    for (const inv of live.slice(0, 150)) await importer.recordInvocation(inv, { legacyQuirks: true });
    // Batches and single records at once, through the pool's connections.
    await Promise.all([
      (async () => {
        for (const batch of rest) await importer.recordInvocations(batch, { legacyQuirks: true });
      })(),
      importer.recordInvocations(live.slice(150), { legacyQuirks: true }),
    ]);
    await importer.recordInvocations(finishedVersions(all), { legacyQuirks: true });
    expect(await pgFigureTables(importer)).toEqual(reference);
    await importer.close();
  }, 60_000);
});
