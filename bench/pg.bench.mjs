// The store on PostgreSQL against the local server, each figure against a floor of raw `pg` in the
// same run: `track` + `complete` against the very statements the store sends for it, replayed on one
// raw connection; `recordInvocations` of 10,000 against a raw COPY of the same rows (and the
// multi-row insert the store falls back to when an id is stored, for the choice between the two); `getSkillMetrics` against a raw
// primary-key select of the same columns. Each side in a schema of its own.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { openStore } from '@skill-metrics/core';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { compare, median, report } from './harness.mjs';

const URL = process.env.SKILL_METRICS_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const IMPORT = 10_000;
const FIGURE_TABLES = [
  'skill_invocation',
  'skill_totals',
  'skill_workflow_path',
  'skill_count',
  'skill_timeline',
  'skill_timeline_day',
  'timeline_all_skills',
  'timeline_day_all_skills',
];

async function connect(schema) {
  const client = new pg.Client({ connectionString: URL });
  await client.connect();
  await client.query(`SET search_path TO "${schema}"`);
  return client;
}

/** Every (text, values) the store's pool and its connections send while `work` runs. */
async function statementsOf(work) {
  const sent = [];
  // The store's pool is its own: every statement reaches a connection, so the prototype is hooked.
  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function (text, values, ...rest) {
    if (typeof text === 'string') sent.push([text, values]);
    return original.call(this, text, values, ...rest);
  };
  try {
    await work();
  } finally {
    pg.Client.prototype.query = original;
  }
  return sent;
}

/** Replays `statements` on `client` with every occurrence of `id` in the values replaced by `newId`. */
async function replay(client, statements, id, newId) {
  for (const [text, values] of statements) {
    await client.query(
      text,
      values?.map((v) => (v === id ? newId : v)),
    );
  }
}

const invocationAt = (i, skillName) => ({
  id: `${skillName}-${i}`,
  skillName,
  invokedAt: new Date(Date.UTC(2026, 10, 1) + i * 9_000).toISOString(),
  workflowPath: ['quick', 'daily', 'ci.v1.2', null][i % 4],
  completed: i % 5 !== 0,
  durationSeconds: 0.5 + (i % 97) / 10,
  errorType: i % 5 === 0 ? 'TimeoutError' : null,
  followUpActions: i % 3 === 0 ? ['git commit'] : [],
  sessionId: null,
  projectPath: null,
  userContext: null,
});

/** COPY text of the rows as `skill_invocation` keeps them. */
function copyText(batch) {
  const cell = (v) =>
    v === null ? '\\N' : String(v).replaceAll('\\', '\\\\').replaceAll('\t', '\\t').replaceAll('\n', '\\n');
  return batch
    .map((inv) =>
      [
        inv.id,
        inv.skillName,
        inv.invokedAt.replace(/\.(\d{3})Z$/, '.$1000Z'),
        inv.workflowPath,
        inv.completed ? 't' : 'f',
        inv.invokedAt,
        inv.durationSeconds,
        inv.errorType,
        JSON.stringify(inv.followUpActions),
      ]
        .map(cell)
        .join('\t'),
    )
    .join('\n')
    .concat('\n');
}

export async function run({ quick = false } = {}) {
  const admin = new pg.Client({ connectionString: URL, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
  } catch (error) {
    console.log(`skip PostgreSQL benchmarks: no server at ${URL} (${error.message})`);
    return;
  }
  const schemas = ['bench_pg_store', 'bench_pg_floor'];
  for (const s of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  const rounds = quick ? 5 : 15;
  try {
    const store = await openStore({ url: URL, schema: 'bench_pg_store' });
    await (await openStore({ url: URL, schema: 'bench_pg_floor' })).close();
    const raw = await connect('bench_pg_floor');

    // track + complete: the store, and the statements it sends replayed raw (caught once the store
    // is warm: its pool's connections made, the skill's row there).
    const trackComplete = async () => {
      const handle = await store.trackInvocation('bench-skill', { workflowPath: 'quick' });
      await handle.complete({ followUpActions: ['git commit'] });
    };
    for (let i = 0; i < 50; i++) await trackComplete();
    let template;
    const statements = await statementsOf(async () => {
      const handle = await store.trackInvocation('bench-skill', { workflowPath: 'quick' });
      template = handle.invocationId;
      await handle.complete({ followUpActions: ['git commit'] });
    });
    let n = 0;
    const tc = await compare({
      floor: () => replay(raw, statements, template, `floor-${n++}`),
      candidate: trackComplete,
      ops: quick ? 100 : 300,
      rounds,
    });
    report('PgStore track+complete', tc, 1.5, `the same ${statements.length} statements, raw pg`);

    // getSkillMetrics against a raw primary-key select.
    const pk = await connect('bench_pg_store');
    const reads = await compare({
      floor: () =>
        pk.query(
          `SELECT skill_name, total_invocations, completed_invocations, abandoned_invocations, total_duration_seconds,
             first_invoked, last_invoked, p50_duration_seconds, p95_duration_seconds, p99_duration_seconds
           FROM skill_totals WHERE skill_name = $1`,
          ['bench-skill'],
        ),
      candidate: () => store.getSkillMetrics('bench-skill'),
      ops: quick ? 200 : 1000,
      rounds,
    });
    report('PgStore getSkillMetrics', reads, 1.5, 'raw primary-key select of its columns');
    await pk.end();

    // recordInvocations of 10,000 into an empty schema, against COPY of the same rows.
    const copies = [];
    const inserts = [];
    const imports = [];
    for (let r = 0; r < (quick ? 3 : 7); r++) {
      const batch = Array.from({ length: IMPORT }, (_, i) => invocationAt(i, `import-${r % 3}`));
      await raw.query('TRUNCATE skill_invocation');
      let t = performance.now();
      await pipeline(
        Readable.from([copyText(batch)]),
        raw.query(
          copyStreams.from(
            'COPY skill_invocation (id, skill_name, invoked_at, workflow_path, completed, completed_at, duration_seconds, error_type, follow_up_actions) FROM STDIN',
          ),
        ),
      );
      copies.push(performance.now() - t);

      await raw.query('TRUNCATE skill_invocation');
      const cols = [
        batch.map((b) => b.id),
        batch.map((b) => b.skillName),
        batch.map((b) => b.invokedAt),
        batch.map((b) => b.workflowPath),
        batch.map((b) => b.completed),
        batch.map((b) => b.invokedAt),
        batch.map((b) => b.durationSeconds),
        batch.map((b) => b.errorType),
        batch.map((b) => JSON.stringify(b.followUpActions)),
      ];
      t = performance.now();
      await raw.query(
        `INSERT INTO skill_invocation (id, skill_name, invoked_at, workflow_path, completed, completed_at, duration_seconds, error_type, follow_up_actions)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::boolean[], $6::text[], $7::float8[], $8::text[], $9::jsonb[])`,
        cols,
      );
      inserts.push(performance.now() - t);

      await admin.query(`TRUNCATE ${FIGURE_TABLES.map((t) => `bench_pg_store.${t}`).join(', ')}`);
      t = performance.now();
      await store.recordInvocations(batch);
      imports.push(performance.now() - t);
    }
    const ratios = imports.map((ms, i) => ms / copies[i]);
    report(
      `PgStore recordInvocations ×${IMPORT.toLocaleString('en')} (with every figure)`,
      { floorUs: median(copies) * 1000, candidateUs: median(imports) * 1000, ratio: median(ratios) },
      1.5,
      'raw COPY of the rows',
    );
    report(
      `raw multi-row insert (unnest) ×${IMPORT.toLocaleString('en')}, the store's way when an id is stored`,
      {
        floorUs: median(copies) * 1000,
        candidateUs: median(inserts) * 1000,
        ratio: median(inserts.map((ms, i) => ms / copies[i])),
      },
      null,
      'raw COPY of the rows',
    );

    await raw.end();
    await store.close();
  } finally {
    for (const s of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
    await admin.end();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run({ quick: process.argv.includes('--quick') });
