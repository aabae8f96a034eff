import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '@skill-metrics/core';
import { loadPgMigrations } from '@skill-metrics/core/pg';
import { dropSchemas, freshSchemaName, PG_URL, pgServerAnswers } from '@skill-metrics/core/testing/pg';
import { main } from '@skill-metrics/migrate';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startCli } from './cli-process.js';
import { readExposition } from './exposition-reader.js';
import { writeLegacyFile } from './legacy-fixture.js';

const server = await pgServerAnswers();
const dir = mkdtempSync(join(tmpdir(), 'skill-metrics-cli-pg-'));
const schemas: string[] = [];
afterAll(() => dropSchemas(schemas));

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, out, err };
}

/** Runs the CLI; resolves with its exit code and what it printed. */
async function run(argv: string[]) {
  const { io, out, err } = capture();
  const code = await main(argv, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const urlOf = (schema: string) => `${PG_URL}?schema=${schema}`;

async function schemaExists(schema: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return (await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).rowCount === 1;
  } finally {
    await client.end();
  }
}

describe.runIf(server)('skill-metrics with --database-url (PostgreSQL)', () => {
  it('backfills, checks, reports, exports and repairs a PostgreSQL database, as it does a SQLite file', async () => {
    const schema = freshSchemaName('cli');
    schemas.push(schema);
    const url = urlOf(schema);
    const file = join(dir, 'legacy.json');
    const written = writeLegacyFile(file, 3000);

    const first = await run(['backfill', file, '--database-url', url, '--tz', 'UTC']);
    expect(first.code, first.out + first.err).toBe(0);
    expect(first.out).toContain(`schema=${schema}`);
    expect(first.out).toMatch(/consistency: the file and the database agree/);
    const again = await run(['backfill', file, '--database-url', url, '--tz', 'UTC']);
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/inserted:\s+0\b/);

    const out = join(dir, 'check');
    const check = await run(['check', file, '--database-url', url, '--tz', 'UTC', '--out', out]);
    expect(check.code, check.out).toBe(0);
    expect(existsSync(join(out, 'report.html'))).toBe(true);

    const status = await run(['status', '--json', '--database-url', url]);
    expect(status.code, status.err).toBe(0);
    const state = JSON.parse(status.out);
    expect(state.schemaVersion).toBe(loadPgMigrations().at(-1)?.version);
    expect(state.invocations.pending).toBe(written.pending);
    expect(state.invocations.completed + state.invocations.abandoned + state.invocations.pending).toBe(
      written.invocations,
    );

    expect((await run(['report', '--database-url', url])).code).toBe(0);
    const exported = join(dir, 'export.json');
    expect((await run(['export', exported, '--database-url', url])).code).toBe(0);
    expect(JSON.parse(readFileSync(exported, 'utf8')).invocations).toHaveLength(written.invocations);

    const repair = await run(['repair', file, '--database-url', url, '--tz', 'UTC']);
    expect(repair.code, repair.err).toBe(0);
    expect(repair.out).toMatch(/copied:\s+0 into the file, 0 into the database/);
  }, 120_000);

  it('serves /metrics from the server: every skill of the database, read at each scrape', async () => {
    const schema = freshSchemaName('cli_serve');
    schemas.push(schema);
    const url = urlOf(schema);
    const file = join(dir, 'serve-legacy.json');
    writeLegacyFile(file, 500);
    expect((await run(['backfill', file, '--database-url', url, '--tz', 'UTC'])).code).toBe(0);
    const cli = startCli(['serve', '--database-url', url, '--port', '0']);
    const store = await openStore({ url });
    try {
      const base = (/http:\/\/[^\s:]+:\d+/.exec(await cli.printed('stdout', /^serving /)) as RegExpExecArray)[0];
      const scrape = async () => readExposition(await (await fetch(`${base}/metrics`)).text()).samples;
      const overview = await store.getSkillOverview();
      const totals = (await scrape()).filter((s) => s.name === 'skill_invocations_total');
      expect(totals).toHaveLength(overview.length * 2);
      expect(totals.reduce((sum, s) => sum + s.value, 0)).toBe((await store.getSummary()).totalInvocations);
      await store.trackInvocation('started-now');
      const pending = (await scrape()).find(
        (s) => s.name === 'skill_invocations_pending' && s.labels.skill === 'started-now',
      );
      expect(pending?.value).toBe(1);
      expect(await (await fetch(`${base}/healthz`)).text()).toBe('ok\n');
    } finally {
      cli.child.kill('SIGTERM');
      await store.close();
      expect((await cli.exit).code).toBe(0);
    }
  }, 60_000);

  it('refuses what cannot work with exit 2, writing nothing: a schema with no database, a file-only command, both --db and --database-url', async () => {
    const missing = freshSchemaName('cli_missing');
    const status = await run(['status', '--database-url', urlOf(missing)]);
    expect(status.code).toBe(2);
    expect(status.err).toMatch(/holds no skill-metrics database/);
    expect(await schemaExists(missing)).toBe(false);

    const backup = await run(['backup', join(dir, 'copy.db'), '--database-url', PG_URL]);
    expect(backup.code).toBe(2);
    expect(backup.err).toMatch(/pg_dump/);
    expect(existsSync(join(dir, 'copy.db'))).toBe(false);

    const both = await run(['status', '--db', join(dir, 'x.db'), '--database-url', PG_URL]);
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/not both/);

    const notPg = await run(['status', '--database-url', 'mysql://localhost/test']);
    expect(notPg.code).toBe(2);
    expect(notPg.err).toMatch(/postgres:\/\//);
  });
});

if (!server) {
  describe('skill-metrics with --database-url (PostgreSQL)', () => {
    it.skip(`needs a PostgreSQL server at ${PG_URL}`, () => {});
  });
}
