import { describe } from 'vitest';
import type { AnalyticsStore } from '../contract/types.js';
import type { EngineOptions } from '../engine/store.js';
import { closingAfterEach } from './reference.js';
import { describeContexts } from './suites/contexts.js';
import { describeExport } from './suites/export.js';
import { describeOverview } from './suites/overview.js';
import { describeReport } from './suites/report.js';
import { describeSearch } from './suites/search.js';
import { describeDurationsOverTime } from './suites/time.js';

/** Opens a store for an analytics suite's test. */
export type OpenAnalyticsStore = (options?: EngineOptions) => Promise<AnalyticsStore>;

/** How the analytics suite gets stores of one kind. */
export interface AnalyticsSubject {
  /** Opens a new, empty store, with the engine's options (a test's clock) when given. */
  open(options?: EngineOptions): Promise<AnalyticsStore>;
}

/**
 * Registers the analytics contract's tests: percentiles, timelines, workflow-path search, sessions,
 * projects, the skill overview, the report and the export. Every store that offers `SkillAnalytics`
 * runs it.
 */
export function describeAnalyticsContract(name: string, subject: AnalyticsSubject): void {
  describe(`${name} — analytics contract`, () => {
    const open = closingAfterEach((options?: EngineOptions) => subject.open(options));
    describeDurationsOverTime(open);
    describeSearch(open);
    describeContexts(open);
    describeOverview(open);
    describeReport(open);
    describeExport(open);
  });
}
