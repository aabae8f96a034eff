/**
 * `@skill-metrics/json-legacy`: the legacy `.session-buddy/skill_metrics.json` store, same file
 * format, made safe, and a streaming reader of the file for the migration. Uses only
 * `@skill-metrics/core/contract` (no database driver).
 */
export * from './errors.js';
export {
  CONTEXT_KEYS,
  EXTENSION_KEYS,
  INVOCATION_KEYS,
  type LegacyRawInvocation,
  type LegacyRawSkill,
  ROOT_KEYS,
  SKILL_KEYS,
  toLegacyTimestamp,
} from './format.js';
export type { LegacyQuirk, LegacyQuirkKind } from './quirks.js';
export {
  type LegacyEntry,
  type LegacyFile,
  type LegacyFileSummary,
  type ReadLegacyFileOptions,
  readLegacyFile,
} from './reader.js';
export {
  DEFAULT_LEGACY_PATH,
  LegacyJsonStore,
  type LegacyStoreOptions,
  type LegacyStoreStats,
  openLegacyStore,
} from './store.js';
