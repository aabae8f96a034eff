/**
 * `@skill-metrics/core/contract`: the store contract, its errors and the pure helpers every store
 * shares. Imports no database driver.
 */
export * from './aggregate.js';
export * from './errors.js';
export * from './export.js';
export * from './ids.js';
export * from './report.js';
export * from './sketch.js';
export * from './time.js';
export * from './timeline.js';
export * from './track.js';
export type * from './types.js';
export * from './validate.js';
