import { describe } from 'vitest';
import type { AnalyticsStore } from '../contract/types.js';
import { closingAfterEach } from './reference.js';
import { describeContexts } from './suites/contexts.js';
import { describeReport } from './suites/report.js';
import { describeSearch } from './suites/search.js';
import { describeDurationsOverTime } from './suites/time.js';

/** How the analytics suite gets stores of one kind. */
export interface AnalyticsSubject {
  /** Opens a new, empty store. */
  open(): Promise<AnalyticsStore>;
}

/**
 * Registers the analytics contract's tests: percentiles, timelines, workflow-path search, sessions,
 * projects, the report and the export. Every store that offers `SkillAnalytics` runs it.
 */
export function describeAnalyticsContract(name: string, subject: AnalyticsSubject): void {
  describe(`${name} — analytics contract`, () => {
    const open = closingAfterEach(() => subject.open());
    describeDurationsOverTime(open);
    describeSearch(open);
    describeContexts(open);
    describeReport(open);
  });
}
