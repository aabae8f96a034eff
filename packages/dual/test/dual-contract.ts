import type { SkillMetricsStore } from '@skill-metrics/core/contract';
import type { EngineOptions } from '@skill-metrics/core/engine';
import { describeAnalyticsContract, describeStoreContract } from '@skill-metrics/core/testing';
import { type DualStore, ROUTES, type StorageMode } from '@skill-metrics/dual';
import { describe, expect, it } from 'vitest';
import { type DatabaseOpener, freshPaths, keptMismatches, openDual, type Paths } from './stores.js';

/**
 * Runs the whole store and analytics contract on dual stores in each of `modes`, over a legacy file
 * and the database `openDb` gives. Every read is also asked of the other store and compared (sample
 * rate 1): after the suites, no comparison may have found a difference.
 */
export function describeDualContract(label: string, modes: readonly StorageMode[], openDb?: DatabaseOpener): void {
  const paths = new WeakMap<SkillMetricsStore, Paths>();
  for (const mode of modes) {
    const { mismatches, publisher } = keptMismatches();
    const opened: DualStore[] = [];
    const open = async (engine?: EngineOptions) => {
      const p = freshPaths();
      const store = await openDual(p, {
        mode,
        engine,
        publisher,
        openDb,
        verify: { sampleRate: 1, timeBudgetMs: 2000, maxConcurrent: 1000 },
      });
      paths.set(store, p);
      opened.push(store);
      return store;
    };
    describeStoreContract(`DualStore (${mode}${label})`, {
      open,
      reopen: (closed) => openDual(paths.get(closed) as Paths, { mode, openDb }),
    });
    describeAnalyticsContract(`DualStore (${mode}${label})`, { open });
    // Registered after the suites, so it runs after them (a file's tests run in order).
    describe(`DualStore (${mode}${label}) — shadow reads`, () => {
      it(
        ROUTES[mode].shadow ? 'found the two stores answering alike all through the contract' : 'compared nothing',
        () => {
          const compared = opened.reduce((sum, store) => sum + store.stats().verify.compared, 0);
          if (ROUTES[mode].shadow) expect(compared).toBeGreaterThan(100);
          else expect(compared).toBe(0);
          expect(mismatches.map((m) => `${m.read} ${JSON.stringify(m.diff[0])}`)).toEqual([]);
        },
      );
    });
  }
}
