import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineOptions } from '@skill-metrics/core/engine';
import { describeAnalyticsContract, describeStoreContract } from '@skill-metrics/core/testing';
import { type LegacyJsonStore, openLegacyStore } from '@skill-metrics/json-legacy';

const dir = mkdtempSync(join(tmpdir(), 'skill-metrics-legacy-contract-'));
let n = 0;

// Naive local times are the format's own; the suites run in a zone without daylight saving and in
// two with it (one of them half-hour), so that the conversions both ways are exercised.
for (const timeZone of ['UTC', 'America/New_York', 'Australia/Lord_Howe']) {
  const open = (options?: EngineOptions) =>
    openLegacyStore({ path: join(dir, `store-${n++}.json`), timeZone, ...options });
  describeStoreContract(`LegacyJsonStore (${timeZone})`, {
    open,
    reopen: (closed) => openLegacyStore({ path: (closed as LegacyJsonStore).path, timeZone }),
  });
  describeAnalyticsContract(`LegacyJsonStore (${timeZone})`, { open });
}
