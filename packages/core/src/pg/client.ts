import pg from 'pg';
import {
  InvalidInputError,
  StorageError,
  StoreBusyError,
  StoreConnectionError,
  StoreFullError,
  StoreReadOnlyError,
} from '../contract/errors.js';

/**
 * The PostgreSQL connection: a `pg` pool whose every connection works in the store's schema, and
 * transactions that retry where PostgreSQL asks for it (a deadlock, a serialization failure).
 */

/** What a query runs on: the pool, or one connection inside a transaction. */
export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

// Counts are `bigint`; `pg` would give them as text. Every count here fits a double exactly.
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 ? Number : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/**
 * A pool on `url` whose connections find the store's tables in `schema` (and refuse every write
 * when `readonly`), named `applicationName` on the server. The settings go in each connection's
 * startup packet; a server that ignores them (PGlite's socket) gets them as `SET` on each new
 * connection instead.
 */
export async function openPool(
  url: string,
  schema: string,
  max: number,
  applicationName: string,
  readonly: boolean,
): Promise<pg.Pool> {
  const path = quoteIdent(schema);
  const pool = new pg.Pool({
    connectionString: url,
    max,
    types,
    application_name: applicationName,
    options: `-c search_path=${path}${readonly ? ' -c default_transaction_read_only=on' : ''}`,
  });
  // An idle connection that the server drops must not take the process down with it.
  pool.on('error', () => {});
  const setup = `SET search_path TO ${path}${readonly ? '; SET default_transaction_read_only = on' : ''}`;
  try {
    const client = await pool.connect();
    try {
      const shown = (await client.query<{ search_path: string }>('SHOW search_path')).rows[0]?.search_path;
      if (shown !== path && shown !== schema) {
        await client.query(setup);
        pool.on('connect', (later) => {
          // Queued ahead of the store's first query on the connection; should it fail, the
          // connection goes, and that query fails typed rather than running elsewhere.
          later.query(setup).catch(() => later.end().catch(() => {}));
        });
      }
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }
  return pool;
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** SQLSTATEs after which the same transaction may succeed if run again. */
const RETRY_STATES = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 5;

/**
 * Runs `work` in one transaction on one connection of `pool`: committed whole, or rolled back and
 * rejected. A deadlock or serialization failure runs it again (with a short, growing pause).
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
  begin = 'BEGIN',
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    let broken: unknown;
    // A connection lost while checked out says so here too; unheard, it would take the process down.
    const lost = (error: Error) => {
      broken = error;
    };
    client.on('error', lost);
    try {
      await client.query(begin);
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: unknown) => {
        broken = rollbackError;
      });
      const state = (error as { code?: string }).code;
      if (attempt < MAX_ATTEMPTS && state !== undefined && RETRY_STATES.has(state)) {
        await new Promise((resolve) => setTimeout(resolve, 5 * attempt * Math.random()));
        continue;
      }
      throw error;
    } finally {
      client.off('error', lost);
      // A connection lost, or whose rollback failed, is not put back in the pool.
      client.release(broken instanceof Error ? broken : undefined);
    }
  }
}

/** Node's and `pg`'s ways of saying the connection is gone. */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * A PostgreSQL failure as the contract's storage error (or, for a NUL in text, its input error). A lost or refused connection, a server
 * shutting down, a deadlock or a lock timeout may succeed if tried again (`retryable`).
 */
export function pgStorageError(error: unknown, where: string): StorageError | InvalidInputError {
  const e = error as { code?: string; message?: string };
  const message = `${where}: ${e.message ?? String(error)}`;
  const state = e.code ?? '';
  // The one text the contract takes that PostgreSQL cannot keep (in text or jsonb): U+0000.
  if (state === '22021' || state === '22P05') {
    return new InvalidInputError('text', `holds the character U+0000 (NUL), which PostgreSQL cannot store (${where})`);
  }
  if (
    CONNECTION_CODES.has(state) ||
    state.startsWith('08') ||
    state === '57P01' ||
    state === '57P02' ||
    state === '57P03' ||
    /Connection terminated|connection timeout|Client has encountered a connection error/i.test(e.message ?? '')
  ) {
    return new StoreConnectionError(`${message} (the connection to the server was lost; the next call reconnects)`, {
      cause: error,
    });
  }
  if (RETRY_STATES.has(state) || state === '55P03' || state === '57014') {
    return new StoreBusyError(message, { cause: error, code: 'STORE_BUSY' });
  }
  if (state === '53100') return new StoreFullError(message, { cause: error });
  if (state === '25006') return new StoreReadOnlyError(`${message} (opened read-only)`, { cause: error });
  return new StorageError('STORE_FAILED', message, false, { cause: error });
}
