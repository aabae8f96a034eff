/**
 * `@skill-metrics/core/testing`: the contract suites (vitest) every store runs, the builders their
 * tests share, and the reference percentile they measure against.
 */
export { type AnalyticsSubject, describeAnalyticsContract } from './analytics.js';
export { item, listAll, seededRandom, snapshot, testInvocation } from './builders.js';
export { type ContractSubject, describeStoreContract } from './contract.js';
export { closingAfterEach, expectWithinOnePercent, referencePercentile } from './reference.js';
