/**
 * `@skill-metrics/core`: skill usage metrics on SQLite. `openStore()` gives an `AnalyticsStore`;
 * the contract and the engine every store shares are re-exported from `./contract` and `./engine`.
 */
export * from './contract/index.js';
export * from './engine/index.js';
export { getStore, type OpenStoreOptions, openStore, trackSkill } from './open.js';
export type { PgStore, PgStoreOptions } from './pg/store.js';
export { redactUrl } from './pg/url.js';
export * as sqliteSchema from './schema/sqlite.js';
export {
  type AppliedMigration,
  loadMigrations,
  type Migration,
  migrate,
  pendingMigrations,
  readApplied,
  SQLITE_MIGRATIONS_DIR,
} from './sqlite/migrations.js';
export { DEFAULT_DB_PATH, SqliteStore, type SqliteStoreOptions } from './sqlite/store.js';
