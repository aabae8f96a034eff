/**
 * `@skill-metrics/core/testing/pg`: the PostgreSQL server the stores' tests run against. Needs `pg`.
 */
import pg from 'pg';

/**
 * The PostgreSQL server the tests use: the one at SKILL_METRICS_TEST_PG_URL (default the local
 * service). With CI=true it must answer; elsewhere, a test file may skip, saying why.
 */
export const PG_URL = process.env.SKILL_METRICS_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export async function pgServerAnswers(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch (error) {
    if (process.env.CI === 'true') {
      throw new Error(`CI=true, but the PostgreSQL server at ${PG_URL} does not answer: ${(error as Error).message}`);
    }
    console.warn(`skipping the PostgreSQL tests: no server answers at ${PG_URL} (${(error as Error).message})`);
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** A schema name no other test file uses, for one store's tables. */
let made = 0;
export function freshSchemaName(label: string): string {
  return `skm_${label}_${process.pid}_${Date.now().toString(36)}_${made++}`;
}

/** Drops the schemas whose names start with `prefix` (a test file's own, at its end). */
export async function dropSchemas(names: Iterable<string>): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    for (const name of names) await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
  } finally {
    await client.end();
  }
}
