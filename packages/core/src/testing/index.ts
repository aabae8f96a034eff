/**
 * `@skill-metrics/core/testing`: the contract suites (vitest) every store runs, and the reference
 * percentile they measure against.
 */
export { type AnalyticsSubject, describeAnalyticsContract } from './analytics.js';
export { type ContractSubject, describeStoreContract } from './contract.js';
export { expectWithinOnePercent, referencePercentile } from './reference.js';
