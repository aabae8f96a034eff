/**
 * `@skill-metrics/json-legacy`: the legacy `.session-buddy/skill_metrics.json` store, same file
 * format, made safe, and a streaming reader of the file for the migration. Uses only the
 * driver-free parts of core (`@skill-metrics/core/contract` and `/engine`): no database driver.
 */
export * from './errors.js';
export {
  addLegacyCompletion,
  CONTEXT_KEYS,
  EXTENSION_KEYS,
  INVOCATION_KEYS,
  type LegacyRawInvocation,
  type LegacyRawSkill,
  newLegacySkill,
  ROOT_KEYS,
  SKILL_KEYS,
} from './format.js';
export { type LegacyIdentity, legacyInvocationId } from './ids.js';
export { checkTimeZone, toLegacyTimestamp } from './legacy-time.js';
export type { LegacyQuirk, LegacyQuirkKind } from './quirks.js';
export {
  type LegacyEntry,
  type LegacyFile,
  type LegacyFileSummary,
  type ReadLegacyFileOptions,
  readLegacyFile,
} from './reader/index.js';
export type { LegacyStoreStats } from './store/loaded-file.js';
export { DEFAULT_LEGACY_PATH, LegacyJsonStore, type LegacyStoreOptions, openLegacyStore } from './store/store.js';
export { type LegacyDocument, legacyFileChunks } from './writer.js';
