/**
 * `@skill-metrics/core/testing`: the store contract suite (vitest) that every store runs.
 */
export { type ContractSubject, describeStoreContract } from './contract.js';
