import type { EngineOptions } from '@skill-metrics/core/engine';
import { describeAnalyticsContract, describeStoreContract } from '@skill-metrics/core/testing';
import { type DualStore, ROUTES, STORAGE_MODES } from '@skill-metrics/dual';
import { describe, expect, it } from 'vitest';
import { freshPaths, keptMismatches, openDual } from './stores.js';

const paths = new WeakMap<DualStore, ReturnType<typeof freshPaths>>();

// Every mode runs the whole store and analytics contract. Every read is also asked of the other
// store and compared (sample rate 1): after the suites, no comparison may have found a difference.
for (const mode of STORAGE_MODES) {
  const { mismatches, publisher } = keptMismatches();
  const opened: DualStore[] = [];
  const open = async (engine?: EngineOptions) => {
    const p = freshPaths();
    const store = await openDual(p, {
      mode,
      engine,
      publisher,
      verify: { sampleRate: 1, timeBudgetMs: 2000, maxConcurrent: 1000 },
    });
    paths.set(store, p);
    opened.push(store);
    return store;
  };
  describeStoreContract(`DualStore (${mode})`, {
    open,
    reopen: (closed) => openDual(paths.get(closed as DualStore) as ReturnType<typeof freshPaths>, { mode }),
  });
  describeAnalyticsContract(`DualStore (${mode})`, { open });
  // Registered after the suites, so it runs after them (a file's tests run in order).
  describe(`DualStore (${mode}) — shadow reads`, () => {
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
