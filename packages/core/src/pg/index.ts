/**
 * `@skill-metrics/core/pg`: the store on PostgreSQL, its schema and its migrations. Needs the `pg`
 * package (a peer dependency); `openStore({ url })` in the main entry loads this on demand.
 */

export * as pgSchema from '../schema/pg.js';
export { PgBackend } from './backend.js';
export { loadPgMigrations, migratePg, PG_MIGRATIONS_DIR, readAppliedPg } from './migrations.js';
export { openPgStore, PG_IMPORT_CHUNK, type PgDb, PgStore, type PgStoreOptions } from './store.js';
