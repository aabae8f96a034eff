/**
 * `@skill-metrics/core/testing/pg`: the PostgreSQL the stores' tests run against — the server at
 * SKILL_METRICS_TEST_PG_URL (default the local service) whenever it answers, and when CI=true it
 * must; PGlite (real PostgreSQL in this process, reached through a socket) otherwise, so that a
 * machine without a server still runs every PostgreSQL query. Needs `pg`; PGlite needs
 * `@electric-sql/pglite` and `@electric-sql/pglite-socket`.
 */
import pg from 'pg';

export const PG_URL = process.env.SKILL_METRICS_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Where a test file's PostgreSQL stores go. */
export interface PgTestDatabase {
  kind: 'server' | 'pglite';
  url: string;
  /** What a store on it is opened with: PGlite is one connection (a pool of one) and takes no COPY. */
  storeOptions: { poolSize?: number; bulkCopy?: boolean };
  /** Resolves when a store may connect: at once on the server; on PGlite, once the last store's connection is gone. */
  free(): Promise<void>;
  /** Drops the test file's schemas (the server), or stops PGlite. */
  close(schemas: Iterable<string>): Promise<void>;
}

/** Whether the server answers; with CI=true it must (else this throws). Says why when it does not. */
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
    console.warn(`no PostgreSQL server answers at ${PG_URL} (${(error as Error).message})`);
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** The server, or PGlite where there is none (see the module's note); `'pglite'` asks for PGlite in any case. */
export async function pgTestDatabase(kind?: 'pglite'): Promise<PgTestDatabase> {
  if (kind !== 'pglite' && (await pgServerAnswers())) {
    return { kind: 'server', url: PG_URL, storeOptions: {}, free: async () => {}, close: dropSchemas };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  const db = await PGlite.create();
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 1 });
  await server.start();
  const url = `postgres://postgres@${server.getServerConn()}/postgres`;
  console.warn(`the PostgreSQL tests run on PGlite (${url})`);
  return {
    kind: 'pglite',
    url,
    storeOptions: { poolSize: 1, bulkCopy: false },
    free: async () => {
      for (let waited = 0; server.getStats().activeConnections > 0 && waited < 2000; waited += 5) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
    close: async () => {
      await server.stop();
      await db.close();
    },
  };
}

let made = 0;
/** A schema name no other test uses, for one store's tables. */
export function freshSchemaName(label: string): string {
  return `skm_${label}_${process.pid}_${Date.now().toString(36)}_${made++}`;
}

/** Drops these schemas on the server (a test file's own, at its end). */
export async function dropSchemas(names: Iterable<string>): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    for (const name of names) await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
  } finally {
    await client.end();
  }
}
