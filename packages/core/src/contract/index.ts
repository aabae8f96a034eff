/**
 * `@skill-metrics/core/contract`: what every store promises — the types, the errors, timestamps,
 * ids and the duration sketch. Imports no database driver.
 */
export * from './bulk.js';
export * from './errors.js';
export * from './ids.js';
export * from './notes.js';
export * from './sketch.js';
export * from './time.js';
export type * from './types.js';
