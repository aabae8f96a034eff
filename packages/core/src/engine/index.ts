/**
 * `@skill-metrics/core/engine`: the behaviour every store shares, whatever it stores in — input
 * checks, the import decision, how invocations add up, timelines, search, reports — and
 * `EngineStore`, which runs it over a `StoreBackend`. Imports no database driver.
 */
export type * from './backend.js';
export * from './bulk.js';
export * from './checks.js';
export * from './counts.js';
export * from './export.js';
export * from './memory.js';
export * from './notes.js';
export * from './overview.js';
export * from './query.js';
export * from './record.js';
export * from './report.js';
export * from './search.js';
export * from './store.js';
export * from './telemetry.js';
export * from './text.js';
export * from './timeline.js';
export * from './totals.js';
export * from './track.js';
export * from './update.js';
