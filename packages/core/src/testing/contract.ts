import { describe } from 'vitest';
import type { SkillMetricsStore } from '../contract/types.js';
import type { EngineOptions } from '../engine/store.js';
import { closingAfterEach } from './reference.js';
import { describeBadInput } from './suites/errors.js';
import { describeLifecycle } from './suites/lifecycle.js';
import { describeListing } from './suites/listing.js';
import { describeReads } from './suites/reads.js';
import { describeRecording } from './suites/recording.js';
import { describeTextAndTime } from './suites/text-and-time.js';
import { describeWrites } from './suites/writes.js';

/** How the contract suite gets stores of one kind, and what that kind can do. */
/** Opens a store for a suite's test. */
export type OpenStore = (options?: EngineOptions) => Promise<SkillMetricsStore>;

export interface ContractSubject {
  /** Opens a new, empty store, with the engine's options (a test's clock) when given. */
  open(options?: EngineOptions): Promise<SkillMetricsStore>;
  /**
   * Opens the storage behind a closed store again, to show that what was written survives. Leave it
   * out for a store that keeps nothing once closed: it promises no durability, and the durability tests
   * are not registered for it.
   */
  reopen?(closed: SkillMetricsStore): Promise<SkillMetricsStore>;
}

/**
 * Registers the store contract's tests for one kind of store, topic by topic. Every store runs this
 * same suite: a behaviour that differs between stores is a bug in one of them.
 */
export function describeStoreContract(name: string, subject: ContractSubject): void {
  describe(`${name} — store contract`, () => {
    const open = closingAfterEach((options?: EngineOptions) => subject.open(options));
    describeWrites(open);
    describeBadInput(open);
    describeTextAndTime(open);
    describeRecording(open);
    describeReads(open);
    describeListing(open);
    describeLifecycle(open, subject.reopen?.bind(subject));
  });
}
